import Tapestry
import TapestryData

/// The fraction of samples whose predicted class (the highest output) is the label.
public final class SparseCategoricalAccuracy: MeanMetric {
    /// Creates the metric, reported as `name`.
    public override init(name: String = "sparse_categorical_accuracy") { super.init(name: name) }

    /// Counts the samples whose argmax is their label.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let labels: Tensor<Int32> = switch targets {
        case .labels(let labels): labels
        case .values(let values): values.classIndices()?.reshaped(to: [values.shape.first ?? 0]) ?? Tensor(repeating: -1, shape: [values.shape.first ?? 0])
        }
        add(total: Double(matches(predictions.argmax(alongAxis: -1), labels)), count: predictions.shape.first ?? 0)
    }

    /// Counts from the buffers against labels (class numbers stored as values go through
    /// tensors).
    override func update<Scalar: TensorScalar>(planned batch: PlannedBatch<Scalar>) -> Bool {
        guard batch.outputSampleShape.count == 1, let labels = batch.labels else { return false }
        let correct = StepKernels.correctPredictions(batch.predictions, labels: labels, values: nil, rows: batch.rows, width: batch.outputWidth)
        add(total: Double(correct), count: batch.rows)
        return true
    }
}

/// The fraction of samples whose predicted class is the target row's highest entry.
public final class CategoricalAccuracy: MeanMetric {
    /// Creates the metric, reported as `name`.
    public override init(name: String = "categorical_accuracy") { super.init(name: name) }

    /// Counts the samples whose argmax matches the target's argmax.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let expected: Tensor<Int32> = switch targets {
        case .labels(let labels): labels
        case .values(let values): values.argmax(alongAxis: -1)
        }
        add(total: Double(matches(predictions.argmax(alongAxis: -1), expected)), count: predictions.shape.first ?? 0)
    }

    /// Counts from the buffers.
    override func update<Scalar: TensorScalar>(planned batch: PlannedBatch<Scalar>) -> Bool {
        guard batch.outputSampleShape.count == 1 else { return false }
        let correct = StepKernels.correctPredictions(batch.predictions, labels: batch.labels, values: batch.values,
                                                     rows: batch.rows, width: batch.outputWidth)
        add(total: Double(correct), count: batch.rows)
        return true
    }
}

/// The fraction of samples whose single output, thresholded, equals its 0/1 target (Keras's
/// `BinaryAccuracy`: a prediction above `threshold` means class 1).
public final class BinaryAccuracy: MeanMetric {
    /// The decision threshold: 0.5 for probabilities, 0 for logits.
    public let threshold: Double

    /// Creates the metric, reported as `name`.
    public init(name: String = "binary_accuracy", threshold: Double = 0.5) {
        self.threshold = threshold
        super.init(name: name)
    }

    /// Counts the samples whose thresholded outputs equal their targets.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let outputs = predictions.scalars, expected = targets.scalars.scalars
        let threshold = Scalar(self.threshold)
        var correct = 0
        for (output, target) in zip(outputs, expected) where (output > threshold) == (target > 0.5) { correct += 1 }
        let perSample = max(outputs.count / max(predictions.shape.first ?? 1, 1), 1)
        add(total: Double(correct) / Double(perSample), count: predictions.shape.first ?? 0)
    }
}

/// Keras's `"accuracy"`: binary accuracy when the model has one output per sample,
/// sparse categorical accuracy against labels, categorical accuracy against rows.
public final class Accuracy: MeanMetric {
    private let binary = BinaryAccuracy()
    private let sparse = SparseCategoricalAccuracy()
    private let categorical = CategoricalAccuracy()

    /// Creates the metric, reported as `name`.
    public override init(name: String = "accuracy") { super.init(name: name) }

    /// Picks the accuracy that fits the batch and accumulates it.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let chosen: MeanMetric
        if predictions.rank == 1 || (predictions.rank == 2 && predictions.shape[1] == 1) {
            chosen = binary
        } else if case .values(let values) = targets, values.shape == predictions.shape {
            chosen = categorical
        } else {
            chosen = sparse
        }
        chosen.reset()
        chosen.update(predictions: predictions, targets: targets)
        add(total: chosen.total, count: chosen.count)
    }

    /// Sparse or categorical accuracy from the buffers, as `update(predictions:targets:)`
    /// chooses; binary accuracy (one output) goes through tensors.
    override func update<Scalar: TensorScalar>(planned batch: PlannedBatch<Scalar>) -> Bool {
        guard batch.outputSampleShape.count == 1, batch.outputWidth > 1 else { return false }
        let chosen: MeanMetric = batch.values != nil ? categorical : sparse
        chosen.reset()
        guard chosen.update(planned: batch) else { return false }
        add(total: chosen.total, count: chosen.count)
        return true
    }
}

/// The number of positions where two integer tensors agree.
private func matches(_ a: Tensor<Int32>, _ b: Tensor<Int32>) -> Int {
    a.withUnsafeScalars { a in b.withUnsafeScalars { b in zip(a, b).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) } } }
}
