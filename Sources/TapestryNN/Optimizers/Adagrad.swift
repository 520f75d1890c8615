import Tapestry

/// Adagrad with Keras 3's defaults and update rule (learning rate 1e-3, initial
/// accumulator 0.1, ε 1e-7):
///
///     acc ← acc + g²          θ ← θ − lr · g / √(acc + ε)
public final class Adagrad<Scalar: TensorScalar>: ParameterwiseOptimizer<Scalar, SingleSlot<Scalar>> {
    /// The accumulator's starting value.
    public let initialAccumulatorValue: Double
    /// Added under the square root for stability.
    public let epsilon: Double

    private var rate = 0.0

    /// Creates an Adagrad optimizer.
    public init(learningRate: any LearningRateSchedule = 1e-3, initialAccumulatorValue: Double = 0.1, epsilon: Double = 1e-7,
                weightDecay: Double = 0, clipping: GradientClipping = .none) {
        if !(initialAccumulatorValue >= 0) { fatalError("Adagrad: initialAccumulatorValue must be ≥ 0, got \(initialAccumulatorValue)") }
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
        super.init(name: "Adagrad", learningRate: learningRate, clipping: clipping, weightDecay: weightDecay)
    }

    /// The accumulator, filled with `initialAccumulatorValue`.
    public override func makeState(for value: Tensor<Scalar>) -> SingleSlot<Scalar> {
        SingleSlot(Tensor(repeating: Scalar(initialAccumulatorValue), shape: value.shape))
    }

    /// Keeps the step's learning rate.
    public override func prepareStep(learningRate: Double) { rate = learningRate }

    /// One Adagrad step.
    public override func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout SingleSlot<Scalar>) {
        OptimizerKernels.adagrad(theta: &value, gradient: gradient, accumulator: &state.value, learningRate: rate, epsilon: epsilon)
    }
}
