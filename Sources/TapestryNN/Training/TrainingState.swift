import Tapestry

/// Everything `fit` needs to continue a run exactly where it stopped: the weights, the
/// optimizer's state, the shuffling generator, the epoch (and step) reached, the `History`
/// so far and, mid-epoch, the running loss and metric sums.
///
/// `fit` hands one to a `TrainingStateRestoring` callback (such as `BackupAndRestore`) at
/// every save point, and takes one back from it before the first epoch.
///
/// What it does not hold: the state of other callbacks (`EarlyStopping`'s patience,
/// `ReduceLROnPlateau`'s wait; the learning rate itself is kept) and the running sums of
/// metrics that are not `MeanMetric`s (so saves within an epoch need `MeanMetric` metrics).
public struct TrainingState<Scalar: TensorScalar> {
    /// A running mean's sums (`MeanMetric.total` and `count`), to continue an epoch.
    public struct RunningMean: Sendable, Equatable {
        /// The sum of the per-sample values so far.
        public var total: Double
        /// The number of samples so far.
        public var count: Int

        /// Creates the sums.
        public init(total: Double, count: Int) {
            self.total = total
            self.count = count
        }
    }

    /// The epochs finished.
    public var epochsCompleted: Int
    /// The steps of the next epoch (`epochsCompleted + 1`) already applied; 0 at an epoch's end.
    public var stepsCompleted: Int
    /// The order of the training samples in the epoch in progress (or, at an epoch's end,
    /// in the epoch just finished: the next shuffle starts from it).
    public var sampleOrder: [Int]
    /// The shuffling generator's state (`SeededRandomNumberGenerator.state`) after that
    /// epoch's shuffle.
    public var generatorState: [UInt64]
    /// The generator state of each `RandomizedLayer` (`Dropout`) by its path in the model.
    public var layerGenerators: [String: [UInt64]]
    /// The epochs recorded so far.
    public var history: History
    /// Every parameter's value, by its dotted name (`dense_1.kernel`).
    public var weights: [String: Tensor<Scalar>]
    /// The optimizer's state for the model's trainable parameters, in the order of
    /// `Model.trainableParameters`; `nil` for an optimizer that cannot be checkpointed.
    public var optimizer: OptimizerSnapshot<Scalar>?
    /// The optimizer's learning rate (restored only when it follows no schedule).
    public var learningRate: Double
    /// Mid-epoch, the running loss of the epoch in progress; `nil` at an epoch's end.
    public var runningLoss: RunningMean?
    /// Mid-epoch, each metric's running sums by metric name; empty at an epoch's end.
    public var runningMetrics: [String: RunningMean]

    /// Creates a state.
    public init(
        epochsCompleted: Int, stepsCompleted: Int, sampleOrder: [Int], generatorState: [UInt64],
        layerGenerators: [String: [UInt64]] = [:], history: History,
        weights: [String: Tensor<Scalar>], optimizer: OptimizerSnapshot<Scalar>?, learningRate: Double,
        runningLoss: RunningMean? = nil, runningMetrics: [String: RunningMean] = [:]
    ) {
        self.epochsCompleted = epochsCompleted
        self.stepsCompleted = stepsCompleted
        self.sampleOrder = sampleOrder
        self.generatorState = generatorState
        self.layerGenerators = layerGenerators
        self.history = history
        self.weights = weights
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.runningLoss = runningLoss
        self.runningMetrics = runningMetrics
    }
}

/// A callback that saves `fit`'s state as training goes and can hand it back, so a run
/// killed at any moment resumes where its last save left it (`BackupAndRestore`).
///
/// `fit` asks the first such callback in its list for a state after `trainingWillBegin`,
/// and gives it the state at the end of every epoch (after the other callbacks'
/// `epochDidEnd`) and, if `stepsBetweenSaves` is set, every that many steps within an epoch.
public protocol TrainingStateRestoring<Scalar>: Callback {
    /// Steps between saves within an epoch, or `nil` to save at epoch ends only.
    var stepsBetweenSaves: Int? { get }

    /// The state to resume from, or `nil` to start afresh.
    ///
    /// - Throws: when a saved state exists but cannot be read; `fit` then stops before training.
    func restoredTrainingState(for model: Model<Scalar>) throws -> TrainingState<Scalar>?

    /// Saves `state`, reached by `model`'s training.
    func save(_ state: TrainingState<Scalar>, for model: Model<Scalar>) throws
}

extension Model {
    /// The dotted names of `trainableParameters`, in their order.
    var trainableParameterNames: [String] {
        let names = Dictionary(namedParameters.map { (ObjectIdentifier($0.parameter), $0.name) }, uniquingKeysWith: { a, _ in a })
        return trainableParameters.enumerated().map { names[ObjectIdentifier($1)] ?? "parameter_\($0)" }
    }

    /// The state of a run at a save point (see `fit`).
    func trainingState(
        epochsCompleted: Int, stepsCompleted: Int, sampleOrder: [Int], generator: SeededRandomNumberGenerator,
        history: History, configuration: TrainingConfiguration<Scalar>, runningLoss: MeanMetric?
    ) -> TrainingState<Scalar> {
        let optimizer = configuration.optimizer as? any CheckpointableOptimizer<Scalar>
        var runningMetrics: [String: TrainingState<Scalar>.RunningMean] = [:]
        if runningLoss != nil {
            for case let metric as MeanMetric in configuration.metrics {
                runningMetrics[metric.name] = .init(total: metric.total, count: metric.count)
            }
        }
        return TrainingState(
            epochsCompleted: epochsCompleted, stepsCompleted: stepsCompleted, sampleOrder: sampleOrder,
            generatorState: generator.state,
            layerGenerators: Dictionary(randomizedLayers.map { ($0.path, $0.layer.generator.state) }, uniquingKeysWith: { a, _ in a }),
            history: history,
            weights: Dictionary(namedParameters.map { ($0.name, $0.parameter.value) }, uniquingKeysWith: { a, _ in a }),
            optimizer: optimizer?.snapshot(of: trainableParameters), learningRate: configuration.optimizer.learningRate,
            runningLoss: runningLoss.map { .init(total: $0.total, count: $0.count) }, runningMetrics: runningMetrics)
    }

    /// Puts back the weights, optimizer state, learning rate and (mid-epoch) running sums of
    /// `state`, checking first that it fits this model and these training samples, and
    /// returns the shuffling generator to continue with.
    func restoreTraining(
        from state: TrainingState<Scalar>, sampleCount: Int, batchSize: Int, configuration: TrainingConfiguration<Scalar>,
        lossMean: MeanMetric
    ) throws -> SeededRandomNumberGenerator {
        func invalid(_ detail: String) -> ModelError { .invalidArgument("fit: cannot resume from the saved training state: \(detail)") }
        guard state.epochsCompleted >= 0, state.stepsCompleted >= 0 else { throw invalid("negative epoch or step") }
        guard state.stepsCompleted < (sampleCount + batchSize - 1) / batchSize else {
            throw invalid("it stopped at step \(state.stepsCompleted) of an epoch, more than \(sampleCount) samples in batches of \(batchSize) allow")
        }
        guard state.sampleOrder.count == sampleCount,
              Set(state.sampleOrder) == Set(0..<sampleCount) else {
            throw invalid("its sample order is not a permutation of the \(sampleCount) training samples")
        }
        guard let generator = SeededRandomNumberGenerator(state: state.generatorState) else {
            throw invalid("its generator state is not four words, not all zero")
        }
        if state.stepsCompleted > 0 {
            guard state.runningLoss != nil else { throw invalid("mid-epoch, but without the running loss") }
            for metric in configuration.metrics where !(metric is MeanMetric) || state.runningMetrics[metric.name] == nil {
                throw invalid("mid-epoch, but without the running sums of metric '\(metric.name)'")
            }
        }
        let named = namedParameters
        let values = try named.map { name, parameter -> Tensor<Scalar> in
            guard let value = state.weights[name] else { throw invalid("no weights for parameter '\(name)'") }
            guard value.shape == parameter.value.shape else {
                throw invalid("parameter '\(name)' has shape \(value.shape), the model's \(parameter.value.shape)")
            }
            return value
        }
        let layerGenerators = try randomizedLayers.map { path, layer -> (any RandomizedLayer, SeededRandomNumberGenerator) in
            guard let words = state.layerGenerators[path], let generator = SeededRandomNumberGenerator(state: words) else {
                throw invalid("no generator state for the randomized layer at '\(path)'")
            }
            return (layer, generator)
        }
        if let snapshot = state.optimizer {
            guard let optimizer = configuration.optimizer as? any CheckpointableOptimizer<Scalar> else {
                throw invalid("it holds optimizer state, but the optimizer cannot restore it")
            }
            try optimizer.restore(snapshot, for: trainableParameters)
        }
        for ((_, parameter), value) in zip(named, values) { parameter.value = value }
        for (layer, generator) in layerGenerators { layer.generator = generator }
        if !configuration.optimizer.followsSchedule { configuration.optimizer.learningRate = state.learningRate }
        if let running = state.runningLoss, state.stepsCompleted > 0 {
            lossMean.reset()
            lossMean.add(total: running.total, count: running.count)
            for case let metric as MeanMetric in configuration.metrics {
                let sums = state.runningMetrics[metric.name] ?? .init(total: 0, count: 0)
                metric.reset()
                metric.add(total: sums.total, count: sums.count)
            }
        }
        return generator
    }
}
