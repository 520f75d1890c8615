import Foundation
import Tapestry

/// Adam with Keras's defaults and update rule (learning rate 1e-3, β₁ 0.9, β₂ 0.999,
/// ε 1e-7, bias correction folded into the step size):
///
///     m ← m + (g − m)(1 − β₁)          v ← v + (g² − v)(1 − β₂)
///     α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)  θ ← θ − α · m / (√v + ε)
public final class Adam<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, AdamMoments<Scalar>> {
    /// The decay of the first moment.
    public let beta1: Double
    /// The decay of the second moment.
    public let beta2: Double
    /// Added to the denominator for stability.
    public let epsilon: Double

    private var alpha = 0.0

    /// Creates an Adam optimizer.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init(name: "Adam", learningRate: learningRate)
    }

    /// Zero moments.
    public override func makeState(for value: Tensor<Scalar>) -> AdamMoments<Scalar> {
        AdamMoments(first: Tensor(zeros: value.shape), second: Tensor(zeros: value.shape))
    }

    /// The bias-corrected step size of this step.
    public override func prepareStep() {
        let t = Double(step)
        alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
    }

    /// One Adam step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout AdamMoments<Scalar>) {
        OptimizerKernels.adam(theta: &value, gradient: gradient, m: &state.first, v: &state.second, alpha: alpha,
                              beta1: beta1, beta2: beta2, epsilon: epsilon)
    }
}

/// One parameter's Adam state: its first and second moments.
public struct AdamMoments<Scalar: TensorScalar> {
    /// The running mean of the gradients.
    public var first: Tensor<Scalar>
    /// The running mean of the squared gradients.
    public var second: Tensor<Scalar>
}
