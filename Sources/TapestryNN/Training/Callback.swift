import Tapestry

/// What a callback wants `fit` to do next.
public enum CallbackDecision: Sendable, Equatable {
    /// Go on training.
    case proceed
    /// Stop, for the given reason (it is printed and kept in `History.stopReason`).
    case stop(reason: String)
}

/// Hooks into `fit`, like Keras callbacks. Every method has a default that does nothing.
public protocol Callback<Scalar>: AnyObject {
    /// The model's scalar type.
    associatedtype Scalar: TensorScalar

    /// Before the first epoch.
    func trainingWillBegin(model: Sequential<Scalar>) throws

    /// After a batch's loss and gradients are computed, before the optimizer applies them:
    /// `.stop` leaves the weights as they were before this batch.
    func batchDidCompute(step: Int, loss: Double, model: Sequential<Scalar>) -> CallbackDecision

    /// After an epoch, with its logs (`loss`, `accuracy`, `val_loss`, …).
    func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Sequential<Scalar>) throws -> CallbackDecision

    /// After the last epoch (also when a callback stopped training).
    func trainingDidEnd(model: Sequential<Scalar>) throws
}

extension Callback {
    /// Does nothing.
    public func trainingWillBegin(model: Sequential<Scalar>) throws {}
    /// Proceeds.
    public func batchDidCompute(step: Int, loss: Double, model: Sequential<Scalar>) -> CallbackDecision { .proceed }
    /// Proceeds.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Sequential<Scalar>) throws -> CallbackDecision { .proceed }
    /// Does nothing.
    public func trainingDidEnd(model: Sequential<Scalar>) throws {}
}

/// Whether a monitored metric improves by going down (losses) or up (accuracies).
public enum MonitorMode: Sendable {
    /// Lower is better.
    case minimize
    /// Higher is better.
    case maximize

    /// Keras's `mode="auto"`: maximise accuracies, minimise the rest.
    public init(inferredFrom metric: String) {
        self = metric.contains("acc") ? .maximize : .minimize
    }

    func isImprovement(_ value: Double, over best: Double?, minDelta: Double) -> Bool {
        guard value.isFinite else { return false }
        guard let best else { return true }
        return self == .minimize ? value < best - minDelta : value > best + minDelta
    }
}

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
    public func trainingWillBegin(model: Sequential<Scalar>) throws {
        best = nil
        bestWeights = nil
        wait = 0
    }

    /// Tracks the best epoch; stops after `patience` epochs without improvement.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Sequential<Scalar>) throws -> CallbackDecision {
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

/// Stops training at the first batch whose loss is NaN or infinite, before that batch's
/// update, so the weights stay the last good ones (Keras's `TerminateOnNaN`).
public final class TerminateOnNaN<Scalar: TensorScalar>: Callback {
    /// Creates the callback.
    public init() {}

    /// Stops on a non-finite loss.
    public func batchDidCompute(step: Int, loss: Double, model: Sequential<Scalar>) -> CallbackDecision {
        loss.isFinite ? .proceed : .stop(reason: "batch \(step): invalid loss \(loss), terminating training (weights are those before this batch)")
    }
}
