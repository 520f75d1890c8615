import Tapestry
import TapestryData

/// The planned step `compile` keeps for a model: whether steps may be planned, and the
/// current plan (made again when it no longer fits).
final class StepPlanCache<Scalar: TensorScalar> {
    /// Whether `fit` and `trainOnBatch` may plan their steps.
    let isEnabled: Bool
    /// The last plan made.
    var plan: SequentialStepPlan<Scalar>?

    init(isEnabled: Bool) { self.isEnabled = isEnabled }
}

extension Model {
    /// Whether `fit` and `trainOnBatch` plan this model's training steps: true for a
    /// compiled `Sequential` whose layers are all `PlannableLayer`s with plannable settings
    /// (`Dense` with a linear, ReLU or softmax activation, `Flatten`, `Reshape`, `ReLU`), whose loss is
    /// `SparseCategoricalCrossentropy`, `CategoricalCrossentropy` (without label smoothing)
    /// or `MeanSquaredError`, and whose trainable parameters are exactly its layers'
    /// parameters, unless `compile(optimizer:loss:metrics:plansTrainingSteps:)` turned
    /// planning off. Steps with sample or class weights, with `detectsAnomalies`, or under
    /// `DataParallelTraining` always run on the tape.
    ///
    /// A planned step runs each layer's forward and backward pass on buffers allocated once
    /// for the batch size, with no tape and no allocation, and computes what the tape
    /// computes. Nothing goes stale: the plan reads the parameters' values at every step
    /// (so values you set between steps are used), and before every step it checks that
    /// the model has the same layers and trainable parameters, each of the shape it was
    /// planned for; otherwise it is made again, or the step runs on the tape.
    ///
    /// Asking does not make a plan for later: `fit` makes it with its first step. A model
    /// without an `inputShape` answers false, though `fit` may plan its steps for the data.
    public var plansTrainingSteps: Bool {
        guard let configuration = trainingConfiguration, configuration.stepPlans.isEnabled, !detectsAnomalies,
              let shape = inputShape, let sequential = self as? Sequential<Scalar> else { return false }
        let parameters = trainableParameters
        if let plan = configuration.stepPlans.plan, plan.fits(layers: sequential.layers, parameters: parameters, sampleShape: shape) {
            return true
        }
        return SequentialStepPlan(layers: sequential.layers, sampleShape: shape, maximumBatchSize: 1,
                                  loss: configuration.loss, parameters: parameters) != nil
    }

    /// The cached plan when it still fits a step of `rows` samples of `sampleShape`,
    /// checked without listing the model's parameters (see `SequentialStepPlan.fits(layers:sampleShape:)`);
    /// `trainOnBatch` uses it to skip the per-call parameter list and shape validation.
    func cachedStepPlan(sampleShape: ArraySlice<Int>, rows: Int, configuration: TrainingConfiguration<Scalar>) -> SequentialStepPlan<Scalar>? {
        guard configuration.stepPlans.isEnabled, !detectsAnomalies, let sequential = self as? Sequential<Scalar>,
              let plan = configuration.stepPlans.plan, rows <= plan.maximumBatchSize,
              plan.fits(layers: sequential.layers, sampleShape: sampleShape) else { return nil }
        return plan
    }

    /// The plan for a step of `rows` samples of `sampleShape`: the cached one when it still
    /// fits, else a new one; `nil` when the step cannot be planned.
    func plannedStep(
        sampleShape: [Int], rows: Int, configuration: TrainingConfiguration<Scalar>, parameters: [Parameter<Scalar>]
    ) -> SequentialStepPlan<Scalar>? {
        let cache = configuration.stepPlans
        guard cache.isEnabled, !detectsAnomalies, let sequential = self as? Sequential<Scalar> else { return nil }
        if let plan = cache.plan, rows <= plan.maximumBatchSize,
           plan.fits(layers: sequential.layers, parameters: parameters, sampleShape: sampleShape) {
            return plan
        }
        let capacity = Swift.max(rows, cache.plan?.maximumBatchSize ?? 0)
        cache.plan = nil   // free the old buffers before allocating new ones
        cache.plan = SequentialStepPlan(layers: sequential.layers, sampleShape: sampleShape, maximumBatchSize: capacity,
                                        loss: configuration.loss, parameters: parameters)
        return cache.plan
    }
}

extension SequentialStepPlan {
    /// Writes the targets of the samples at `indices` (in that order) into `labels` or
    /// `targetValues`, whichever the loss takes; the targets are the loss's prepared ones.
    func gatherTargets(_ targets: Targets<Scalar>, at indices: ArraySlice<Int>) {
        switch targets {
        case .labels(let all):
            all.withUnsafeScalars { source in
                for (row, index) in indices.enumerated() { labels.base[row] = source[index] }
            }
        case .values(let all):
            all.withUnsafeScalars { source in
                guard let base = source.baseAddress else { return }
                for (row, index) in indices.enumerated() {
                    StepKernels.copy(base + index * outputWidth, to: targetValues.base + row * outputWidth, count: outputWidth)
                }
            }
        }
    }

    /// Writes the first `rows` targets (a whole batch's) into `labels` or `targetValues`.
    func copyTargets(_ targets: Targets<Scalar>, rows: Int) {
        switch targets {
        case .labels(let all):
            all.withUnsafeScalars { source in
                if let base = source.baseAddress { StepKernels.copy(base, to: labels.base, count: rows) }
            }
        case .values(let all):
            all.withUnsafeScalars { source in
                if let base = source.baseAddress { StepKernels.copy(base, to: targetValues.base, count: rows * outputWidth) }
            }
        }
    }

    /// Writes the inputs of the samples at `indices` into `inputs`: straight from a
    /// `BufferGatheringBatchSource`, else through the tensor `inputs(at:)` makes.
    func gatherInputs(from data: some BatchSource<Scalar>, buffered: (any BufferGatheringBatchSource<Scalar>)?,
                      at indices: ArraySlice<Int>) {
        let count = indices.count * inputWidth
        if let buffered {
            buffered.gatherInputs(at: indices, into: UnsafeMutableBufferPointer(start: inputs.base, count: count))
        } else {
            data.inputs(at: indices).withUnsafeScalars { source in
                if let base = source.baseAddress { StepKernels.copy(base, to: inputs.base, count: count) }
            }
        }
    }

    /// Whether the first `rows` inputs (and target values) are all finite.
    func batchIsFinite(rows: Int) -> Bool {
        FiniteScan.allFinite(UnsafeBufferPointer(start: inputs.base, count: rows * inputWidth))
            && (loss.takesLabels || FiniteScan.allFinite(UnsafeBufferPointer(start: targetValues.base, count: rows * outputWidth)))
    }

    /// The last `run`'s predictions and the batch's targets, for metrics.
    func batch(rows: Int) -> PlannedBatch<Scalar> {
        PlannedBatch(predictions: predictions, rows: rows, outputSampleShape: outputSampleShape, outputWidth: outputWidth,
                     labels: loss.takesLabels ? UnsafePointer(labels.base) : nil,
                     values: loss.takesLabels ? nil : UnsafePointer(targetValues.base))
    }
}

/// A planned step's predictions and targets, in the plan's buffers, for metrics to read
/// without tensors.
struct PlannedBatch<Scalar: TensorScalar> {
    /// `rows × outputWidth` predictions.
    let predictions: UnsafePointer<Scalar>
    /// The samples in the batch.
    let rows: Int
    /// The shape of one output sample.
    let outputSampleShape: [Int]
    /// Scalars per output sample.
    let outputWidth: Int
    /// One label per sample, when the targets are labels.
    let labels: UnsafePointer<Int32>?
    /// `rows × outputWidth` target values, when the targets are values.
    let values: UnsafePointer<Scalar>?

    /// The predictions as a tensor (for metrics that need one; allocates).
    var predictionTensor: Tensor<Scalar> {
        Tensor(shape: [rows] + outputSampleShape, scalars: UnsafeBufferPointer(start: predictions, count: rows * outputWidth))
    }

    /// The targets as `Targets` (for metrics that need tensors; allocates).
    var targets: Targets<Scalar> {
        if let labels { return .labels(Tensor(shape: [rows], scalars: UnsafeBufferPointer(start: labels, count: rows))) }
        let values = values.map { UnsafeBufferPointer(start: $0, count: rows * outputWidth) } ?? UnsafeBufferPointer(start: nil, count: 0)
        return .values(Tensor(shape: [values.count == 0 ? 0 : rows] + outputSampleShape, scalars: values))
    }
}
