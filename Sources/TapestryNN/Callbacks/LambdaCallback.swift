import Tapestry

/// A callback made of closures, like Keras's `LambdaCallback`, for one-off hooks:
///
/// ```swift
/// let printer = LambdaCallback<Float>(onEpochEnd: { epoch, logs, _ in
///     print("epoch \(epoch): loss \(logs["loss"] ?? .nan)")
/// })
/// ```
public final class LambdaCallback<Scalar: TensorScalar>: Callback {
    private let onTrainingBegin: ((Model<Scalar>) throws -> Void)?
    private let onBatchComputed: ((Int, Double, Model<Scalar>) -> CallbackDecision)?
    private let onEpochEnd: ((Int, [String: Double], Model<Scalar>) throws -> Void)?
    private let onTrainingEnd: ((Model<Scalar>) throws -> Void)?

    /// Creates the callback from the closures given; the others do nothing.
    ///
    /// - Parameters:
    ///   - onTrainingBegin: before the first epoch.
    ///   - onBatchComputed: with the step and loss of each batch, before its update;
    ///     return `.stop` to stop training.
    ///   - onEpochEnd: with the epoch (from 1) and its logs.
    ///   - onTrainingEnd: after the last epoch.
    public init(onTrainingBegin: ((Model<Scalar>) throws -> Void)? = nil,
                onBatchComputed: ((Int, Double, Model<Scalar>) -> CallbackDecision)? = nil,
                onEpochEnd: ((Int, [String: Double], Model<Scalar>) throws -> Void)? = nil,
                onTrainingEnd: ((Model<Scalar>) throws -> Void)? = nil) {
        self.onTrainingBegin = onTrainingBegin
        self.onBatchComputed = onBatchComputed
        self.onEpochEnd = onEpochEnd
        self.onTrainingEnd = onTrainingEnd
    }

    /// Calls `onTrainingBegin`.
    public func trainingWillBegin(model: Model<Scalar>) throws { try onTrainingBegin?(model) }

    /// Calls `onBatchComputed`.
    public func batchDidCompute(step: Int, loss: Double, model: Model<Scalar>) -> CallbackDecision {
        onBatchComputed?(step, loss, model) ?? .proceed
    }

    /// Calls `onEpochEnd`.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        try onEpochEnd?(epoch, logs, model)
        return .proceed
    }

    /// Calls `onTrainingEnd`.
    public func trainingDidEnd(model: Model<Scalar>) throws { try onTrainingEnd?(model) }
}
