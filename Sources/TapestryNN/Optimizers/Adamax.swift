import Foundation
import Tapestry

/// Adamax (Adam with the infinity norm) with Keras 3's defaults and update rule (learning
/// rate 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7), at step `t` from 1:
///
///     m ← m + (g − m)(1 − β₁)     u ← max(β₂u, |g|)     θ ← θ − lr · m / ((1 − β₁ᵗ)(u + ε))
public final class Adamax<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, AdamMoments<Scalar>> {
    /// The decay of the first moment.
    public let beta1: Double
    /// The decay of the infinity norm.
    public let beta2: Double
    /// Added to the denominator for stability.
    public let epsilon: Double

    private var rate = 0.0, biasCorrection = 1.0

    /// Creates an Adamax optimizer.
    public init(learningRate: any LearningRateSchedule = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7,
                weightDecay: Double = 0, clipping: GradientClipping = .none) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init(name: "Adamax", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    /// Zero moment and norm (kept as `m` and `v`).
    public override func makeState(for value: Tensor<Scalar>) -> AdamMoments<Scalar> {
        AdamMoments(first: Tensor(zeros: value.shape), second: Tensor(zeros: value.shape))
    }

    /// The step's rate and `1 − β₁ᵗ`.
    public override func prepareStep(learningRate: Double) {
        rate = learningRate
        biasCorrection = 1 - pow(beta1, Double(step + 1))
    }

    /// One Adamax step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout AdamMoments<Scalar>) {
        OptimizerKernels.adamax(theta: &value, gradient: gradient, m: &state.first, u: &state.second, learningRate: rate,
                                beta1: beta1, beta2: beta2, epsilon: epsilon, biasCorrection: biasCorrection)
    }
}
