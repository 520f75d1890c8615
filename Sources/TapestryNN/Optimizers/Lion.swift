import Tapestry

/// Lion (evolved sign momentum, Chen et al. 2023) with Keras 3's defaults and update rule
/// (learning rate 1e-3, β₁ 0.9, β₂ 0.99):
///
///     θ ← θ − lr · sign(β₁m + (1 − β₁)g)     m ← β₂m + (1 − β₂)g
///
/// Its steps all have size `lr`, so it wants a learning rate 3–10× smaller than Adam's
/// and a weight decay 3–10× larger.
public final class Lion<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, SingleSlot<Scalar>> {
    /// The interpolation between momentum and gradient for the step's sign.
    public let beta1: Double
    /// The decay of the momentum.
    public let beta2: Double

    private var rate = 0.0

    /// Creates a Lion optimizer.
    public init(learningRate: any LearningRateSchedule = 1e-3, beta1: Double = 0.9, beta2: Double = 0.99,
                weightDecay: Double = 0, clipping: GradientClipping = .none) {
        if !(beta1 >= 0 && beta1 <= 1) { fatalError("Lion: beta1 must be in [0, 1], got \(beta1)") }
        if !(beta2 >= 0 && beta2 <= 1) { fatalError("Lion: beta2 must be in [0, 1], got \(beta2)") }
        self.beta1 = beta1
        self.beta2 = beta2
        super.init(name: "Lion", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    /// A zero momentum.
    public override func makeState(for value: Tensor<Scalar>) -> SingleSlot<Scalar> { SingleSlot(Tensor(zeros: value.shape)) }

    /// Keeps the step's learning rate.
    public override func prepareStep(learningRate: Double) { rate = learningRate }

    /// One Lion step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout SingleSlot<Scalar>) {
        OptimizerKernels.lion(theta: &value, gradient: gradient, m: &state.value, learningRate: rate, beta1: beta1, beta2: beta2)
    }
}
