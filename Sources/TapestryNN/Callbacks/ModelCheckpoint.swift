import Foundation
import Tapestry
import TapestryIO

/// Saves the model's weights after epochs, like Keras's `ModelCheckpoint`: every epoch, or
/// only when the monitored metric improves.
public final class ModelCheckpoint<Scalar: TensorScalar>: Callback {
    /// The file to write; `{epoch}` in it is replaced by the epoch number.
    public let path: String
    /// The metric watched when `saveBestOnly` is set.
    public let monitor: String
    /// Whether to save only when `monitor` improves.
    public let saveBestOnly: Bool
    /// Lower or higher is better.
    public let mode: MonitorMode
    /// The best value seen so far.
    public private(set) var best: Double?
    /// Whether each file also holds the optimizer's state (restore it with
    /// `Model.load(optimizerStateFrom:)`, the weights with `load(weightsFrom:)`).
    public let includesOptimizerState: Bool
    /// The files written, in order.
    public private(set) var savedFiles: [URL] = []

    /// Creates the callback.
    public init(
        path: String, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode? = nil,
        includesOptimizerState: Bool = false
    ) {
        self.includesOptimizerState = includesOptimizerState
        self.path = path
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.mode = mode ?? MonitorMode(inferredFrom: monitor)
    }

    /// Resets its state.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        best = nil
        savedFiles = []
    }

    /// Saves when due.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        if saveBestOnly {
            guard let value = logs[monitor] else {
                throw ModelError.invalidArgument("ModelCheckpoint: metric '\(monitor)' is not among \(logs.keys.sorted())")
            }
            guard mode.isImprovement(value, over: best, minDelta: 0) else { return .proceed }
            best = value
        }
        let url = URL(fileURLWithPath: path.replacingOccurrences(of: "{epoch}", with: String(epoch)))
        if includesOptimizerState {
            try model.save(weightsAndOptimizerStateTo: url)
        } else {
            try model.save(weightsTo: url)
        }
        savedFiles.append(url)
        return .proceed
    }
}
