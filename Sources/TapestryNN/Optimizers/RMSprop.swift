import Tapestry

/// RMSprop with Keras 3's defaults and update rule (learning rate 1e-3, ρ 0.9, no
/// momentum, ε 1e-7):
///
///     v ← ρv + (1 − ρ)g²                  centered: a ← ρa + (1 − ρ)g;  d = v − a² + ε
///     d = v + ε                           Δ = lr · g / √d
///     θ ← θ − Δ                           momentum: u ← μu + Δ;  θ ← θ − u
public final class RMSprop<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, RMSpropState<Scalar>> {
    /// The decay of the running mean square.
    public let rho: Double
    /// The momentum μ (0 for none).
    public let momentum: Double
    /// Added to the denominator for stability.
    public let epsilon: Double
    /// Whether to divide by the variance (mean square minus squared mean) rather than
    /// the mean square.
    public let centered: Bool

    private var rate = 0.0

    /// Creates an RMSprop optimizer.
    public init(learningRate: any LearningRateSchedule = 1e-3, rho: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-7,
                centered: Bool = false, weightDecay: Double = 0, clipping: GradientClipping = .none) {
        if !(rho >= 0 && rho < 1) { fatalError("RMSprop: rho must be in [0, 1), got \(rho)") }
        if !(momentum >= 0 && momentum < 1) { fatalError("RMSprop: momentum must be in [0, 1), got \(momentum)") }
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super.init(name: "RMSprop", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    /// Zero slots (empty for the variants not used).
    public override func makeState(for value: Tensor<Scalar>) -> RMSpropState<Scalar> {
        RMSpropState(slots: [Tensor(zeros: value.shape), Tensor(zeros: centered ? value.shape : [0]),
                             Tensor(zeros: momentum > 0 ? value.shape : [0])])
    }

    /// Keeps the step's learning rate.
    public override func prepareStep(learningRate: Double) { rate = learningRate }

    /// One RMSprop step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout RMSpropState<Scalar>) {
        OptimizerKernels.rmsprop(theta: &value, gradient: gradient, velocity: &state.velocity,
                                 averageGradient: &state.averageGradient, momentum: &state.momentum,
                                 step: .init(learningRate: rate, rho: rho, momentum: momentum, epsilon: epsilon, centered: centered))
    }
}

/// One parameter's RMSprop state.
public struct RMSpropState<Scalar: TensorScalar>: OptimizerState {
    /// The running mean of the squared gradients.
    public var velocity: Tensor<Scalar>
    /// The running mean of the gradients (empty unless centered).
    public var averageGradient: Tensor<Scalar>
    /// The momentum buffer (empty without momentum).
    public var momentum: Tensor<Scalar>

    /// `velocity`, `average_gradient`, `momentum`.
    public static var slotNames: [String] { ["velocity", "average_gradient", "momentum"] }
    /// The three slots in order.
    public var slots: [Tensor<Scalar>] { [velocity, averageGradient, momentum] }
    /// From the three slots in order.
    public init(slots: [Tensor<Scalar>]) {
        velocity = slots[0]
        averageGradient = slots[1]
        momentum = slots[2]
    }
}
