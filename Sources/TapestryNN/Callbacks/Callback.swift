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
    func trainingWillBegin(model: Model<Scalar>) throws

    /// After a batch's loss and gradients are computed, before the optimizer applies them:
    /// `.stop` leaves the weights as they were before this batch.
    func batchDidCompute(step: Int, loss: Double, model: Model<Scalar>) -> CallbackDecision

    /// After an epoch, with its logs (`loss`, `accuracy`, `val_loss`, …).
    func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision

    /// After the last epoch (also when a callback stopped training).
    func trainingDidEnd(model: Model<Scalar>) throws
}

extension Callback {
    /// Does nothing.
    public func trainingWillBegin(model: Model<Scalar>) throws {}
    /// Proceeds.
    public func batchDidCompute(step: Int, loss: Double, model: Model<Scalar>) -> CallbackDecision { .proceed }
    /// Proceeds.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision { .proceed }
    /// Does nothing.
    public func trainingDidEnd(model: Model<Scalar>) throws {}
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
