import Foundation
import Tapestry

/// Adam with Keras's defaults and update rule (learning rate 1e-3, β₁ 0.9, β₂ 0.999,
/// ε 1e-7, bias correction folded into the step size):
///
///     m ← m + (g − m)(1 − β₁)          v ← v + (g² − v)(1 − β₂)
///     α = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)  θ ← θ − α · m / (√v + ε)
public final class Adam<Scalar: TensorScalar>: Optimizer {
    /// The step size.
    public var learningRate: Double
    /// The decay of the first moment.
    public let beta1: Double
    /// The decay of the second moment.
    public let beta2: Double
    /// Added to the denominator for stability.
    public let epsilon: Double
    /// The number of steps taken.
    public private(set) var step = 0

    private var moments: [ObjectIdentifier: (first: Tensor<Scalar>, second: Tensor<Scalar>)] = [:]

    /// Creates an Adam optimizer.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// One Adam step for each parameter.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>]) {
        precondition(parameters.count == gradients.count, "Adam: \(parameters.count) parameters but \(gradients.count) gradients")
        step += 1
        let t = Double(step)
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        for (parameter, gradient) in zip(parameters, gradients) {
            precondition(parameter.value.shape == gradient.shape,
                         "Adam: gradient shape \(gradient.shape) for parameter \(parameter.name) of shape \(parameter.value.shape)")
            let key = ObjectIdentifier(parameter)
            var (m, v) = moments.removeValue(forKey: key)
                ?? (Tensor(zeros: gradient.shape), Tensor(zeros: gradient.shape))
            OptimizerKernels.adam(theta: &parameter.value, gradient: gradient, m: &m, v: &v, alpha: alpha,
                                  beta1: beta1, beta2: beta2, epsilon: epsilon)
            moments[key] = (m, v)
        }
    }
}
