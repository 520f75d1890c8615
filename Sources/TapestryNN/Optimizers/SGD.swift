import Tapestry

/// Stochastic gradient descent with optional momentum and Nesterov momentum, with
/// Keras's update rule:
///
///     plain:     θ ← θ − lr · g
///     momentum:  u ← μ·u − lr·g;  θ ← θ + u            (Nesterov: θ ← θ + μ·u − lr·g)
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// The step size.
    public var learningRate: Double
    /// The momentum μ (0 for plain SGD).
    public let momentum: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool

    private var velocities: [ObjectIdentifier: Tensor<Scalar>] = [:]

    /// Creates an SGD optimizer (Keras's default learning rate is 0.01).
    public init(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false) {
        precondition(momentum >= 0 && momentum < 1, "SGD: momentum must be in [0, 1), got \(momentum)")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    /// One SGD step for each parameter.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>]) {
        precondition(parameters.count == gradients.count, "SGD: \(parameters.count) parameters but \(gradients.count) gradients")
        for (parameter, gradient) in zip(parameters, gradients) {
            precondition(parameter.value.shape == gradient.shape,
                         "SGD: gradient shape \(gradient.shape) for parameter \(parameter.name) of shape \(parameter.value.shape)")
            let key = ObjectIdentifier(parameter)
            var velocity = velocities.removeValue(forKey: key) ?? Tensor(zeros: momentum == 0 ? [0] : gradient.shape)
            OptimizerKernels.sgd(theta: &parameter.value, gradient: gradient, velocity: &velocity,
                                 learningRate: learningRate, momentum: momentum, nesterov: nesterov)
            velocities[key] = velocity
        }
    }
}
