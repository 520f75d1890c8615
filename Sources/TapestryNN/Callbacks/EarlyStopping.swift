import Tapestry

/// Stops training when a metric has stopped improving, like Keras's `EarlyStopping`.
public final class EarlyStopping<Scalar: TensorScalar>: Callback {
    /// The metric watched (`val_loss` by default).
    public let monitor: String
    /// Epochs without improvement to allow before stopping.
    public let patience: Int
    /// The smallest change that counts as an improvement.
    public let minDelta: Double
    /// Whether to put back the weights of the best epoch when stopping.
    public let restoreBestWeights: Bool
    /// Lower or higher is better.
    public let mode: MonitorMode

    /// The best value seen and its epoch.
    public private(set) var best: (value: Double, epoch: Int)?
    private var bestWeights: [Tensor<Scalar>]?
    private var wait = 0

    /// Creates the callback.
    public init(monitor: String = "val_loss", patience: Int = 0, minDelta: Double = 0,
                restoreBestWeights: Bool = false, mode: MonitorMode? = nil) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = abs(minDelta)
        self.restoreBestWeights = restoreBestWeights
        self.mode = mode ?? MonitorMode(inferredFrom: monitor)
    }

    /// Resets its state.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        best = nil
        bestWeights = nil
        wait = 0
    }

    /// Tracks the best epoch; stops after `patience` epochs without improvement.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        guard let value = logs[monitor] else {
            throw ModelError.invalidArgument("EarlyStopping: metric '\(monitor)' is not among \(logs.keys.sorted())")
        }
        if mode.isImprovement(value, over: best?.value, minDelta: minDelta) {
            best = (value, epoch)
            wait = 0
            if restoreBestWeights { bestWeights = model.parameters.map(\.value) }
            return .proceed
        }
        wait += 1
        guard wait > patience else { return .proceed }
        if restoreBestWeights, let bestWeights {
            for (parameter, value) in zip(model.parameters, bestWeights) { parameter.value = value }
        }
        let bestText = best.map { " (best \(monitor) \($0.value) at epoch \($0.epoch)\(restoreBestWeights ? ", weights restored" : ""))" } ?? ""
        return .stop(reason: "early stopping: \(monitor) did not improve for \(wait) epoch\(wait == 1 ? "" : "s")\(bestText)")
    }
}
