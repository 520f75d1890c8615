import Tapestry

/// Stochastic gradient descent with optional momentum and Nesterov momentum, with
/// Keras's update rule:
///
///     plain:     θ ← θ − lr · g
///     momentum:  u ← μ·u − lr·g;  θ ← θ + u            (Nesterov: θ ← θ + μ·u − lr·g)
///
/// With `weightDecay`, each decayed parameter first shrinks as `θ ← θ − lr·wd·θ`
/// (Keras 3's decoupled decay, which for plain SGD equals PyTorch's L2 penalty).
public final class SGD<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, SingleSlot<Scalar>> {
    /// The momentum μ (0 for plain SGD).
    public let momentum: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool

    /// Creates an SGD optimizer (Keras's default learning rate is 0.01).
    public init(learningRate: any LearningRateSchedule = 0.01, momentum: Double = 0, nesterov: Bool = false,
                weightDecay: Double = 0, clipping: GradientClipping = .none) {
        if !(momentum >= 0 && momentum < 1) { fatalError("SGD: momentum must be in [0, 1), got \(momentum)") }
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(name: "SGD", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    private var rate = 0.0

    /// A zero velocity (none without momentum).
    public override func makeState(for value: Tensor<Scalar>) -> SingleSlot<Scalar> {
        SingleSlot(Tensor(zeros: momentum == 0 ? [0] : value.shape))
    }

    /// Keeps the step's learning rate.
    public override func prepareStep(learningRate: Double) { rate = learningRate }

    /// One SGD step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state velocity: inout SingleSlot<Scalar>) {
        OptimizerKernels.sgd(theta: &value, gradient: gradient, velocity: &velocity.value,
                             learningRate: rate, momentum: momentum, nesterov: nesterov)
    }
}

/// A parameter's optimizer state made of one tensor (SGD's velocity, Adagrad's
/// accumulator, Lion's momentum), saved under the slot name `"slot"`.
public struct SingleSlot<Scalar: TensorScalar>: OptimizerState {
    /// The tensor.
    public var value: Tensor<Scalar>

    /// Creates the state.
    public init(_ value: Tensor<Scalar>) { self.value = value }

    /// `slot`.
    public static var slotNames: [String] { ["slot"] }
    /// `[value]`.
    public var slots: [Tensor<Scalar>] { [value] }
    /// From `[value]`.
    public init(slots: [Tensor<Scalar>]) { self.init(slots[0]) }
}
