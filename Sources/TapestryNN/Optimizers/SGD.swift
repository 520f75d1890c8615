import Tapestry

/// Stochastic gradient descent with optional momentum and Nesterov momentum, with
/// Keras's update rule:
///
///     plain:     θ ← θ − lr · g
///     momentum:  u ← μ·u − lr·g;  θ ← θ + u            (Nesterov: θ ← θ + μ·u − lr·g)
public final class SGD<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, Tensor<Scalar>> {
    /// The momentum μ (0 for plain SGD).
    public let momentum: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool

    /// Creates an SGD optimizer (Keras's default learning rate is 0.01).
    public init(learningRate: Double = 0.01, momentum: Double = 0, nesterov: Bool = false) {
        if !(momentum >= 0 && momentum < 1) { fatalError("SGD: momentum must be in [0, 1), got \(momentum)") }
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(name: "SGD", learningRate: learningRate)
    }

    /// A zero velocity (none without momentum).
    public override func makeState(for value: Tensor<Scalar>) -> Tensor<Scalar> {
        Tensor(zeros: momentum == 0 ? [0] : value.shape)
    }

    /// One SGD step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state velocity: inout Tensor<Scalar>) {
        OptimizerKernels.sgd(theta: &value, gradient: gradient, velocity: &velocity,
                             learningRate: learningRate, momentum: momentum, nesterov: nesterov)
    }
}
