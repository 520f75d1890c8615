import Foundation
import Tapestry
import TapestryIO

extension Sequential {
    /// Saves every parameter to a safetensors file, keyed by its dotted name
    /// (`dense_1.kernel`), so the weights load in PyTorch, JAX or NumPy too. The write is
    /// atomic: a crash leaves the previous file whole.
    public func save(weightsTo url: URL) throws {
        let checkpoint = try SafeTensors(
            tensors: parameters.map { (name: $0.name, tensor: $0.value) },
            metadata: ["framework": "tapestry", "model": name])
        try checkpoint.write(to: url)
    }

    /// Loads every parameter from a safetensors file written by `save(weightsTo:)` (or by
    /// any tool using the same names and shapes).
    ///
    /// Everything is checked before anything is assigned: a missing tensor, a wrong shape,
    /// a wrong dtype, a truncated body or a malformed header throws an error naming the
    /// tensor or the byte offset, and leaves the model's weights unchanged.
    public func load(weightsFrom url: URL) throws {
        let checkpoint = try SafeTensors(contentsOf: url)
        let values = try parameters.map { parameter -> Tensor<Scalar> in
            let value: Tensor<Scalar> = try checkpoint.tensor(parameter.name)
            guard value.shape == parameter.value.shape else {
                throw CheckpointError(source: url.path, reason: .invalidEntry(
                    tensor: parameter.name,
                    detail: "has shape \(value.shape) but the model's parameter has shape \(parameter.value.shape)"))
            }
            return value
        }
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
    }
}

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
    /// The files written, in order.
    public private(set) var savedFiles: [URL] = []

    /// Creates the callback.
    public init(path: String, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode? = nil) {
        self.path = path
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.mode = mode ?? MonitorMode(inferredFrom: monitor)
    }

    /// Resets its state.
    public func trainingWillBegin(model: Sequential<Scalar>) throws {
        best = nil
        savedFiles = []
    }

    /// Saves when due.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Sequential<Scalar>) throws -> CallbackDecision {
        if saveBestOnly {
            guard let value = logs[monitor] else {
                throw ModelError.invalidArgument("ModelCheckpoint: metric '\(monitor)' is not among \(logs.keys.sorted())")
            }
            guard mode.isImprovement(value, over: best, minDelta: 0) else { return .proceed }
            best = value
        }
        let url = URL(fileURLWithPath: path.replacingOccurrences(of: "{epoch}", with: String(epoch)))
        try model.save(weightsTo: url)
        savedFiles.append(url)
        return .proceed
    }
}
