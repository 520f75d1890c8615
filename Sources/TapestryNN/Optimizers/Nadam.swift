import Foundation
import Tapestry

/// Nadam (Adam with Nesterov momentum) with Keras 3's defaults and update rule (learning
/// rate 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-7, the momentum schedule `μₜ = β₁(1 − ½·0.96ᵗ)`),
/// at step `t` from 1:
///
///     m ← m + (g − m)(1 − β₁)     v ← v + (g² − v)(1 − β₂)
///     m̂ = μₜ₊₁m / (1 − Πᵢ≤ₜ₊₁ μᵢ) + (1 − μₜ)g / (1 − Πᵢ≤ₜ μᵢ)     v̂ = v / (1 − β₂ᵗ)
///     θ ← θ − lr · m̂ / (√v̂ + ε)
///
/// The product of the μ is a function of the step, so restoring `step` restores it.
public final class Nadam<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, AdamMoments<Scalar>> {
    /// The decay of the first moment.
    public let beta1: Double
    /// The decay of the second moment.
    public let beta2: Double
    /// Added to the denominator for stability.
    public let epsilon: Double

    private var coefficients: OptimizerKernels.NadamStep?
    private var product: (step: Int, value: Double) = (0, 1)

    /// Creates a Nadam optimizer.
    public init(learningRate: any LearningRateSchedule = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7,
                weightDecay: Double = 0, clipping: GradientClipping = .none) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init(name: "Nadam", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    /// Zero moments.
    public override func makeState(for value: Tensor<Scalar>) -> AdamMoments<Scalar> {
        AdamMoments(first: Tensor(zeros: value.shape), second: Tensor(zeros: value.shape))
    }

    private func mu(_ t: Int) -> Double { beta1 * (1 - 0.5 * pow(0.96, Double(t))) }

    /// `Πᵢ≤ₜ μᵢ`, multiplied in Keras's order, carried over from the previous step.
    private func muProduct(through t: Int) -> Double {
        if product.step > t { product = (0, 1) }
        while product.step < t {
            product = (product.step + 1, product.value * mu(product.step + 1))
        }
        return product.value
    }

    /// The step's coefficients.
    public override func prepareStep(learningRate: Double) {
        let t = step + 1
        let productT = muProduct(through: t)
        let productNext = productT * mu(t + 1)
        coefficients = .init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                             mScale: mu(t + 1) / (1 - productNext), gScale: (1 - mu(t)) / (1 - productT),
                             vScale: 1 / (1 - pow(beta2, Double(t))))
    }

    /// One Nadam step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout AdamMoments<Scalar>) {
        guard let coefficients else { return }
        OptimizerKernels.nadam(theta: &value, gradient: gradient, m: &state.first, v: &state.second, step: coefficients)
    }
}
