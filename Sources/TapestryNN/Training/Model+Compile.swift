import Tapestry
import TapestryData

/// What `compile` fixes: how a model learns and what it reports.
struct TrainingConfiguration<Scalar: TensorScalar> {
    var optimizer: any Optimizer<Scalar>
    var loss: any Loss
    var metrics: [Metric]
    /// The planned training step, when the model's steps can be planned.
    var stepPlans = StepPlanCache<Scalar>(isEnabled: true)
}

extension Model {
    /// Configures the model for training, like Keras's `compile`.
    ///
    /// ```swift
    /// model.compile(optimizer: Adam(),
    ///               loss: SparseCategoricalCrossentropy(fromLogits: true),
    ///               metrics: [.accuracy])
    /// ```
    ///
    /// - Precondition: metric names are unique.
    public func compile(optimizer: some Optimizer<Scalar>, loss: some Loss, metrics: [Metric] = []) {
        compile(optimizer: optimizer, loss: loss, metrics: metrics, plansTrainingSteps: true)
    }

    /// Configures the model for training; with `plansTrainingSteps` false, `fit` and
    /// `trainOnBatch` always record their steps on the tape instead of running a planned
    /// step (see `plansTrainingSteps`), like Keras's `jit_compile=False`.
    ///
    /// - Precondition: metric names are unique.
    public func compile(optimizer: some Optimizer<Scalar>, loss: some Loss, metrics: [Metric], plansTrainingSteps: Bool) {
        let names = metrics.map(\.name)
        if Set(names).count != names.count || names.contains("loss") {
            fatalError("compile: metric names must be unique and not 'loss', got \(names)")
        }
        trainingConfiguration = TrainingConfiguration(optimizer: optimizer, loss: loss, metrics: metrics,
                                                      stepPlans: StepPlanCache(isEnabled: plansTrainingSteps))
    }

    /// Whether `compile` was called.
    public var isCompiled: Bool { trainingConfiguration != nil }

    /// The optimizer `compile` set, if any.
    public var optimizer: (any Optimizer<Scalar>)? { trainingConfiguration?.optimizer }

    func requireConfiguration(for operation: String) throws -> TrainingConfiguration<Scalar> {
        guard let configuration = trainingConfiguration else { throw ModelError.notCompiled(operation: operation) }
        return configuration
    }

    /// The output shape for samples of `sampleShape`, or an error when the model cannot
    /// take them.
    func validate(sampleShape: [Int], operation: String) throws -> [Int] {
        if let inputShape, inputShape != sampleShape {
            let first = (self as? Sequential<Scalar>)?.layers.first?.name ?? name
            throw ModelError.incompatibleInputShape(layer: first, expected: "\(inputShape)", got: sampleShape)
        }
        return try outputShape(forInputShape: sampleShape)
    }

    /// Inputs and targets held in tensors, as a dataset; mismatched sample counts throw
    /// `ModelError.sampleCountMismatch`.
    func dataset(_ inputs: Tensor<Scalar>, _ targets: Targets<Scalar>) throws -> TensorDataset<Scalar> {
        guard inputs.rank >= 1 else {
            throw ModelError.invalidArgument("inputs need a sample dimension, got shape \(inputs.shape)")
        }
        guard inputs.shape[0] == targets.sampleCount else {
            throw ModelError.sampleCountMismatch(inputs: inputs.shape[0], targets: targets.sampleCount)
        }
        return try TensorDataset(inputs: inputs, targets: targets)
    }

    /// All of `data`'s targets, checked and converted by the loss once.
    func preparedTargets(_ data: some BatchSource<Scalar>, loss: any Loss, outputShape: [Int]) throws -> Targets<Scalar> {
        let targets = data.targets
        guard targets.sampleCount == data.sampleCount else {
            throw ModelError.sampleCountMismatch(inputs: data.sampleCount, targets: targets.sampleCount)
        }
        return try loss.prepare(targets, outputShape: outputShape)
    }
}
