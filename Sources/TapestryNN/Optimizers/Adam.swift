import Foundation
import Tapestry

/// Adam with Keras's defaults and update rule (learning rate 1e-3, β₁ 0.9, β₂ 0.999,
/// ε 1e-7, bias correction folded into the step size), at step `t` from 1:
///
///     m ← m + (g − m)(1 − β₁)          v ← v + (g² − v)(1 − β₂)
///     α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)  θ ← θ − α · m / (√v + ε)
///
/// Like every `ParameterwiseOptimizer` it takes a schedule for the learning rate,
/// gradient `clipping` and decoupled `weightDecay` (which makes it AdamW).
public class Adam<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, AdamMoments<Scalar>> {
    /// The decay of the first moment.
    public let beta1: Double
    /// The decay of the second moment.
    public let beta2: Double
    /// Added to the denominator for stability.
    public let epsilon: Double

    private var alpha = 0.0
    /// The update in parts, for large parameters (see `OptimizerKernels.adam`).
    private let parts = AdamParts()

    /// Creates an Adam optimizer.
    public init(learningRate: any LearningRateSchedule = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7,
                weightDecay: Double = 0, clipping: GradientClipping = .none) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init(name: "Adam", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    /// Zero moments.
    public override func makeState(for value: Tensor<Scalar>) -> AdamMoments<Scalar> {
        AdamMoments(first: Tensor(zeros: value.shape), second: Tensor(zeros: value.shape))
    }

    /// The bias-corrected step size of this step.
    public override func prepareStep(learningRate: Double) {
        let t = Double(step + 1)
        alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
    }

    /// One Adam step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout AdamMoments<Scalar>) {
        OptimizerKernels.adam(theta: &value, gradient: gradient, m: &state.first, v: &state.second, alpha: alpha,
                              beta1: beta1, beta2: beta2, epsilon: epsilon, work: parts)
    }
}

/// Adam with decoupled weight decay, as Keras's `AdamW` (weight decay 0.004 by default):
/// before each Adam step, every decayed parameter shrinks as `θ ← θ − lr·wd·θ`. Biases
/// and other rank-1 parameters are not decayed unless `decaysParameter` says so.
public final class AdamW<Scalar: TensorScalar>: Adam<Scalar> {
    /// Creates an AdamW optimizer.
    public override init(learningRate: any LearningRateSchedule = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                         epsilon: Double = 1e-7, weightDecay: Double = 0.004, clipping: GradientClipping = .none) {
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, clipping: clipping)
    }
}

/// One parameter's Adam state: its first and second moments.
public struct AdamMoments<Scalar: TensorScalar>: OptimizerState {
    /// The running mean of the gradients.
    public var first: Tensor<Scalar>
    /// The running mean of the squared gradients.
    public var second: Tensor<Scalar>

    /// Creates the state.
    public init(first: Tensor<Scalar>, second: Tensor<Scalar>) {
        self.first = first
        self.second = second
    }

    /// `m` and `v`.
    public static var slotNames: [String] { ["m", "v"] }
    /// `[first, second]`.
    public var slots: [Tensor<Scalar>] { [first, second] }
    /// From `[first, second]`.
    public init(slots: [Tensor<Scalar>]) { self.init(first: slots[0], second: slots[1]) }
}
