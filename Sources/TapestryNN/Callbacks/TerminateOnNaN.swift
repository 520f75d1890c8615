import Tapestry

/// Stops training at the first batch whose loss is NaN or infinite, before that batch's
/// update, so the weights stay the last good ones (Keras's `TerminateOnNaN`).
public final class TerminateOnNaN<Scalar: TensorScalar>: Callback {
    /// Creates the callback.
    public init() {}

    /// Stops on a non-finite loss.
    public func batchDidCompute(step: Int, loss: Double, model: Model<Scalar>) -> CallbackDecision {
        loss.isFinite ? .proceed : .stop(reason: "batch \(step): invalid loss \(loss), terminating training (weights are those before this batch)")
    }
}
