import Tapestry

/// An optimizer that updates each parameter from its gradient and a state of its own
/// (Adam's moments, SGD's velocity), in the spirit of mlx-swift's `applySingle`: subclasses
/// say how to make a state and how to take one parameter's step.
///
/// Every step follows Keras 3's `apply`: the learning rate is read from the schedule at
/// `step` (the steps taken so far), the gradients are clipped (`clipping`), weight decay
/// shrinks each decayed parameter as `θ ← θ − lr·wd·θ`, then each parameter takes its
/// step and `step` grows by one.
open class ParameterwiseOptimizer<Scalar: TensorScalar, State: OptimizerState>: CheckpointableOptimizer where State.Scalar == Scalar {
    /// How the learning rate follows the steps (a constant `Double` is a schedule too).
    public var schedule: any LearningRateSchedule
    /// What gradients are clipped to before each step (a limit must be positive).
    public var clipping: GradientClipping {
        didSet { Self.validate(clipping: clipping, weightDecay: weightDecay, name: name) }
    }
    /// The decoupled weight decay `wd` (0 for none; never negative).
    public var weightDecay: Double {
        didSet { Self.validate(clipping: clipping, weightDecay: weightDecay, name: name) }
    }
    /// Which parameters weight decay applies to; by default those of rank 2 or more, so
    /// biases and normalisation scales are not decayed.
    public var decaysParameter: (Parameter<Scalar>) -> Bool = { $0.value.rank >= 2 }
    /// The number of steps taken (Keras's `iterations`). While a step runs, it is that
    /// step's index from 0.
    public private(set) var step = 0

    private var states: [ObjectIdentifier: State] = [:]
    /// The optimizer's name, which prefixes its error messages (`Adam`).
    public let name: String

    /// Creates the optimizer; `name` prefixes its error messages.
    public init(name: String, learningRate: any LearningRateSchedule, clipping: GradientClipping = .none, weightDecay: Double = 0) {
        self.name = name
        self.schedule = learningRate
        self.clipping = clipping
        self.weightDecay = weightDecay
        Self.validate(clipping: clipping, weightDecay: weightDecay, name: name)
    }

    /// The learning rate at the current step; setting it replaces the schedule.
    public var learningRate: Double {
        get { schedule.learningRate(atStep: step) }
        set { schedule = newValue }
    }

    /// Whether `schedule` is more than a constant.
    public var followsSchedule: Bool { !(schedule is Double) }

    /// The state of a parameter before its first step.
    open func makeState(for value: Tensor<Scalar>) -> State {
        fatalError("\(name): a ParameterwiseOptimizer subclass must override makeState(for:)")
    }

    /// Called once per step with the step's learning rate, before any parameter is
    /// updated (Adam computes its bias correction here); `step` is the step's index from 0.
    open func prepareStep(learningRate: Double) {}

    /// Updates one parameter's `value` in place from its (clipped) `gradient` and `state`.
    open func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout State) {
        fatalError("\(name): a ParameterwiseOptimizer subclass must override update(_:gradient:state:)")
    }

    /// One step for each parameter.
    public func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>]) {
        if parameters.count != gradients.count {
            fatalError("\(name): \(parameters.count) parameters but \(gradients.count) gradients")
        }
        // Index loops, not zip: this generic class is not specialised, and zip's iterator
        // boxed its elements (4 mallocs per parameter per step).
        for index in parameters.indices where parameters[index].value.shape != gradients[index].shape {
            fatalError("\(name): gradient shape \(gradients[index].shape) for a parameter of shape \(parameters[index].value.shape)")
        }
        let rate = learningRate
        let clipped = clip(gradients)
        if weightDecay != 0 {
            let factor = rate * weightDecay
            for parameter in parameters where decaysParameter(parameter) {
                OptimizerKernels.decay(&parameter.value, by: factor)
            }
        }
        prepareStep(learningRate: rate)
        for index in parameters.indices {
            let parameter = parameters[index]
            let key = ObjectIdentifier(parameter)
            var state = states.removeValue(forKey: key) ?? makeState(for: parameter.value)
            update(&parameter.value, gradient: clipped[index], state: &state)
            states[key] = state
        }
        step += 1
    }

    /// The gradients after `clipping`, as Keras's `_clip_gradients`.
    private func clip(_ gradients: [Tensor<Scalar>]) -> [Tensor<Scalar>] {
        switch clipping {
        case .none:
            return gradients
        case .norm(let limit):
            return gradients.map { gradient in
                let norm = OptimizerKernels.sumOfSquares(gradient).squareRoot()
                return norm > limit ? OptimizerKernels.scaled(gradient, by: limit / norm) : gradient
            }
        case .globalNorm(let limit):
            let norm = gradients.reduce(0) { $0 + OptimizerKernels.sumOfSquares($1) }.squareRoot()
            // Keras: scale = c · min(1/n, 1/c), and NaN gradients when the norm is not finite.
            guard norm.isFinite else { return gradients.map { OptimizerKernels.scaled($0, by: .nan) } }
            return norm > limit ? gradients.map { OptimizerKernels.scaled($0, by: limit / norm) } : gradients
        case .value(let limit):
            return gradients.map { OptimizerKernels.clipped($0, to: limit) }
        }
    }

    /// The step count and each parameter's slots, in the order of `parameters`, for a
    /// checkpoint.
    public func snapshot(of parameters: [Parameter<Scalar>]) -> OptimizerSnapshot<Scalar> {
        OptimizerSnapshot(step: step, slotNames: State.slotNames,
                          slots: parameters.map { states[ObjectIdentifier($0)]?.slots ?? [] })
    }

    /// Puts back a snapshot taken with `snapshot(of:)` for the same parameters, in the
    /// same order (after a restart these are new `Parameter` objects; the order is what
    /// ties them to their slots).
    ///
    /// - Throws: `ModelError.invalidArgument` naming the first parameter whose slots do
    ///   not fit (wrong count, names or shapes); the optimizer is then left unchanged.
    public func restore(_ snapshot: OptimizerSnapshot<Scalar>, for parameters: [Parameter<Scalar>]) throws {
        guard snapshot.slotNames == State.slotNames else {
            throw ModelError.invalidArgument("\(name): the snapshot holds slots \(snapshot.slotNames), this optimizer keeps \(State.slotNames)")
        }
        guard snapshot.slots.count == parameters.count, snapshot.step >= 0 else {
            throw ModelError.invalidArgument("\(name): the snapshot holds slots for \(snapshot.slots.count) parameters, given \(parameters.count)")
        }
        var restored: [ObjectIdentifier: State] = [:]
        for (position, (parameter, slots)) in zip(parameters, snapshot.slots).enumerated() where !slots.isEmpty {
            let expected = makeState(for: parameter.value).slots.map(\.shape)
            guard slots.map(\.shape) == expected else {
                throw ModelError.invalidArgument("\(name): parameter \(position) (\(parameter.localName)) has slots of shapes \(slots.map(\.shape)), expected \(expected)")
            }
            restored[ObjectIdentifier(parameter)] = State(slots: slots)
        }
        states = restored
        step = snapshot.step
    }

    private static func validate(clipping: GradientClipping, weightDecay: Double, name: String) {
        switch clipping {
        case .none: break
        case .norm(let limit), .globalNorm(let limit), .value(let limit):
            if !(limit > 0 && limit.isFinite) { fatalError("\(name): a clipping limit must be positive and finite, got \(limit)") }
        }
        if !(weightDecay >= 0 && weightDecay.isFinite) { fatalError("\(name): weight decay must be ≥ 0, got \(weightDecay)") }
    }
}
