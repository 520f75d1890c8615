import Tapestry

/// Batch normalisation over the last axis (the channels of NHWC images, the features of
/// dense activations), Keras's `BatchNormalization` with its defaults (momentum 0.99,
/// ε = 1e-3).
///
/// While training (`fit`, `trainOnBatch`), it normalises each channel with the batch's
/// mean and variance and moves its moving statistics toward them:
/// `moving = moving · momentum + batch · (1 − momentum)`. In inference (`evaluate`,
/// `predict`, a plain call) it normalises with the moving statistics. Either way the
/// result is scaled by `gamma` and shifted by `beta` (trainable). The moving statistics
/// are non-trainable parameters: optimizers skip them, checkpoints carry them
/// (`batch_normalization.moving_mean`, `….moving_variance`).
public final class BatchNormalization<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String
    /// The `[featureCount]` scale, initially ones.
    public let gamma: Parameter<Scalar>
    /// The `[featureCount]` shift, initially zeros.
    public let beta: Parameter<Scalar>
    /// The `[featureCount]` moving mean (non-trainable), initially zeros.
    public let movingMean: Parameter<Scalar>
    /// The `[featureCount]` moving (biased) variance (non-trainable), initially ones.
    public let movingVariance: Parameter<Scalar>
    /// How much of the moving statistics each training batch keeps.
    public let momentum: Scalar
    /// Added to the variance before the square root.
    public let epsilon: Scalar

    /// The channels (size of the last axis) normalised.
    public var featureCount: Int { gamma.value.shape[0] }

    /// Creates a batch-normalisation layer.
    ///
    /// - Parameters:
    ///   - featureCount: the size of the input's last axis.
    ///   - momentum: in `[0, 1]`; Keras's 0.99 by default.
    ///   - epsilon: positive; Keras's 1e-3 by default.
    ///   - name: a name; `Sequential` assigns one if you leave it empty.
    public init(featureCount: Int, momentum: Scalar = 0.99, epsilon: Scalar = 1e-3, name: String = "") {
        checkPrecondition(featureCount > 0, "BatchNormalization: featureCount must be positive, got \(featureCount)")
        checkPrecondition(momentum >= 0 && momentum <= 1 && epsilon > 0,
                          "BatchNormalization: momentum must be in [0, 1] and epsilon positive, got \(momentum) and \(epsilon)")
        gamma = Parameter("gamma", value: Tensor(ones: [featureCount]))
        beta = Parameter("beta", value: Tensor(zeros: [featureCount]))
        movingMean = Parameter("moving_mean", value: Tensor(zeros: [featureCount]), isTrainable: false)
        movingVariance = Parameter("moving_variance", value: Tensor(ones: [featureCount]), isTrainable: false)
        self.momentum = momentum
        self.epsilon = epsilon
        self.name = name
    }

    /// `[gamma, beta, movingMean, movingVariance]`.
    public var parameters: [Parameter<Scalar>] { [gamma, beta, movingMean, movingVariance] }

    /// Keras's names: `gamma`, `beta`, `moving_mean`, `moving_variance`.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        parameters.map { ($0.localName, $0) }
    }

    /// The normalised batch: batch statistics (and a moving-average update) while
    /// training, moving statistics in inference.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPrecondition(input.rank >= 2 && input.shape[input.rank - 1] == featureCount,
                          "\(name) (BatchNormalization): expected input [batch, …, \(featureCount)], got \(input.shape)")
        guard LearningPhase.isTraining else {
            return input.normalized(mean: movingMean.value, variance: movingVariance.value,
                                    scale: gamma.value, offset: beta.value, epsilon: epsilon)
        }
        let (normalized, mean, variance) = input.batchNormalized(scale: gamma.value, offset: beta.value, epsilon: epsilon)
        movingMean.value = (movingMean.value.detached() * momentum + mean.detached() * (1 - momentum)).detached()
        movingVariance.value = (movingVariance.value.detached() * momentum + variance.detached() * (1 - momentum)).detached()
        return normalized
    }

    /// The input's shape.
    ///
    /// - Throws: `ModelError.incompatibleInputShape` when the last axis is not `featureCount`.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        guard shape.last == featureCount else {
            throw ModelError.incompatibleInputShape(layer: name, expected: "[…, \(featureCount)]", got: shape)
        }
        return shape
    }
}
