import Tapestry
import TapestryData

/// A differentiable measure of how far a batch of predictions is from its targets.
///
/// Write your own by conforming a struct: `prepare` checks (and converts) all targets
/// once before training, so `callAsFunction` can trust every batch it is given.
public protocol Loss: Sendable {
    /// The loss's name in logs (`sparse_categorical_crossentropy`).
    var name: String { get }

    /// Checks that targets fit outputs of `outputShape` (per sample) and returns them in
    /// the form `callAsFunction` expects (for example class numbers stored as scalars,
    /// turned into labels).
    ///
    /// - Throws: `ModelError` naming the first sample that does not fit.
    func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar>

    /// The mean loss over the batch.
    func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>

    /// The loss of each sample, of shape `[batch]`, whose mean is `callAsFunction`'s
    /// value; `nil` when the loss does not split by sample. Sample and class weights
    /// need it: Keras's weighted loss is `Σ wᵢ·lossᵢ / batch`.
    func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>?
}

extension Loss {
    /// Targets as values of the outputs' shape (labels are accepted for a single output
    /// and compared as numbers).
    public func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
        try valueTargets(targets, outputShape: outputShape)
    }

    /// `nil`: a loss that does not say how it splits by sample cannot be weighted.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? { nil }
}

/// Cross-entropy between predicted class scores and integer class labels, as Keras's
/// `SparseCategoricalCrossentropy`.
public struct SparseCategoricalCrossentropy: Loss {
    /// Whether predictions are unnormalised logits (then the fused, stable softmax
    /// cross-entropy is used) rather than probabilities.
    public let fromLogits: Bool
    /// The weight ε moved from the label to a uniform distribution: the target is
    /// `(1 − ε)·onehot + ε/classes`, as `CategoricalCrossentropy`'s smoothing (Keras's
    /// sparse loss has none; 0 keeps the fused fast path).
    public let labelSmoothing: Double

    /// Creates the loss; pass `fromLogits: true` for a model whose last layer is linear.
    public init(fromLogits: Bool = false, labelSmoothing: Double = 0) {
        checkLabelSmoothing(labelSmoothing, "SparseCategoricalCrossentropy")
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    /// `sparse_categorical_crossentropy`.
    public var name: String { "sparse_categorical_crossentropy" }

    /// Labels in `0..<classes`, one per sample; whole class numbers stored as scalars
    /// (`[samples]` or `[samples, 1]`) are converted to labels.
    public func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
        guard outputShape.count == 1 else {
            throw ModelError.incompatibleTargets(expected: "[] (one class label per sample, for outputs \(outputShape))", got: targets.sampleShape)
        }
        return .labels(try classLabels(targets, classCount: outputShape[0]))
    }

    /// The batch mean of `−log p[label]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        let labels: Tensor<Int32> = switch targets {
        case .labels(let labels): labels
        case .values(let values): Tensor(converting: values.reshaped(to: [values.shape.first ?? 0]))
        }
        if fromLogits && labelSmoothing == 0 {
            return Tensor.sparseSoftmaxCrossEntropy(logits: predictions, labels: labels)
        }
        return crossEntropy(predictions: predictions, targets: oneHot(labels, like: predictions), fromLogits: fromLogits).mean()
    }

    /// Each sample's `−Σ t · log p`.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        let labels: Tensor<Int32> = switch targets {
        case .labels(let labels): labels.reshaped(to: [labels.shape.first ?? 0])
        case .values(let values): Tensor(converting: values.reshaped(to: [values.shape.first ?? 0]))
        }
        return crossEntropy(predictions: predictions, targets: oneHot(labels, like: predictions), fromLogits: fromLogits)
    }

    /// Smoothed one-hot rows for the labels.
    private func oneHot<Scalar: TensorScalar>(_ labels: Tensor<Int32>, like predictions: Tensor<Scalar>) -> Tensor<Scalar> {
        smoothed(Tensor<Scalar>(oneHot: labels, depth: predictions.shape[1]), by: labelSmoothing)
    }
}

/// Cross-entropy between predicted class scores and one-hot (or soft) targets, as
/// Keras's `CategoricalCrossentropy`.
public struct CategoricalCrossentropy: Loss {
    /// Whether predictions are unnormalised logits rather than probabilities.
    public let fromLogits: Bool
    /// The weight ε moved from the targets to a uniform distribution: each target row
    /// becomes `(1 − ε)·t + ε/classes` (Keras's `label_smoothing`).
    public let labelSmoothing: Double

    /// Creates the loss.
    public init(fromLogits: Bool = false, labelSmoothing: Double = 0) {
        checkLabelSmoothing(labelSmoothing, "CategoricalCrossentropy")
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    /// `categorical_crossentropy`.
    public var name: String { "categorical_crossentropy" }

    /// One-hot or soft rows of the outputs' shape; labels are turned into one-hot rows.
    public func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
        if case .labels(let labels) = targets, outputShape.count == 1 {
            _ = try classLabels(targets, classCount: outputShape[0])
            return .values(Tensor(oneHot: labels, depth: outputShape[0]))
        }
        guard targets.sampleShape == outputShape else {
            throw ModelError.incompatibleTargets(expected: "\(outputShape) (one-hot)", got: targets.sampleShape)
        }
        return targets
    }

    /// The batch mean of `−Σ t · log p`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        crossEntropy(predictions: predictions, targets: smoothed(targets.scalars, by: labelSmoothing), fromLogits: fromLogits).mean()
    }

    /// Each sample's `−Σ t · log p`.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        crossEntropy(predictions: predictions, targets: smoothed(targets.scalars, by: labelSmoothing), fromLogits: fromLogits)
    }
}

/// The mean of squared differences, as Keras's `MeanSquaredError`.
public struct MeanSquaredError: Loss {
    /// Creates the loss.
    public init() {}

    /// `mean_squared_error`.
    public var name: String { "mean_squared_error" }

    /// `mean((predictions − targets)²)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        (predictions - targets.scalars.reshaped(to: predictions.shape)).squared().mean()
    }

    /// Each sample's mean squared difference.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        meanPerSample((predictions - targets.scalars.reshaped(to: predictions.shape)).squared())
    }
}

/// Each row's `−Σ t · log p` (shape `[batch]`), with `p` the softmax of logits or the
/// clipped probabilities.
func crossEntropy<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Tensor<Scalar>, fromLogits: Bool) -> Tensor<Scalar> {
    let logProbabilities = fromLogits
        ? predictions.logSoftmax()
        : predictions.clipped(to: Scalar(1e-7)...Scalar(1 - 1e-7)).log()
    return -(targets * logProbabilities).sum(alongAxis: 1)
}

/// The mean of each sample's elements: `[batch, …] → [batch]`.
func meanPerSample<Scalar: TensorScalar>(_ values: Tensor<Scalar>) -> Tensor<Scalar> {
    let samples = values.shape.first ?? 0
    return values.reshaped(to: [samples, values.scalarCount / Swift.max(samples, 1)]).mean(alongAxis: 1)
}

/// Target rows moved toward the uniform distribution: `(1 − ε)·t + ε/classes`.
func smoothed<Scalar: TensorScalar>(_ targets: Tensor<Scalar>, by epsilon: Double) -> Tensor<Scalar> {
    guard epsilon > 0 else { return targets }
    let classes = Double(targets.shape.last ?? 1)
    return targets * Scalar(1 - epsilon) + Scalar(epsilon / classes)
}

/// Traps unless the label smoothing is in `0...1`.
func checkLabelSmoothing(_ value: Double, _ loss: String) {
    if !(value >= 0 && value <= 1) { fatalError("\(loss): labelSmoothing must be in 0...1, got \(value)") }
}

/// Targets holding one value per output element, reshaped to `[samples] + outputShape`.
func valueTargets<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
    let values = targets.scalars
    let perSample = outputShape.reduce(1, *)
    guard values.scalarCount == targets.sampleCount * perSample else {
        throw ModelError.incompatibleTargets(expected: "\(outputShape)", got: targets.sampleShape)
    }
    return .values(values.reshaped(to: [targets.sampleCount] + outputShape))
}

/// The targets as class labels in `0..<classCount`, or an error naming the first sample
/// whose target is not one.
func classLabels<Scalar: TensorScalar>(_ targets: Targets<Scalar>, classCount: Int) throws -> Tensor<Int32> {
    let labels: Tensor<Int32>
    switch targets {
    case .labels(let given):
        guard given.rank == 1 else {
            throw ModelError.incompatibleTargets(expected: "[] (one class label per sample)", got: Array(given.shape.dropFirst()))
        }
        labels = given
    case .values(let values):
        guard values.rank == 1 || (values.rank == 2 && values.shape[1] == 1) else {
            throw ModelError.incompatibleTargets(expected: "[] (one class label per sample)", got: Array(values.shape.dropFirst()))
        }
        guard let converted = values.classIndices() else {
            let scalars = values.scalars
            let sample = scalars.firstIndex { !($0 >= 0 && $0 == $0.rounded() && $0 <= 2_147_483_647) } ?? 0
            throw ModelError.labelOutOfRange(label: Double(scalars[sample]), sample: sample, classCount: classCount)
        }
        labels = converted.reshaped(to: [values.shape[0]])
    }
    // Through the buffer: `scalars` would copy the labels at every trainOnBatch.
    if let sample = labels.withUnsafeScalars({ $0.firstIndex { $0 < 0 || Int($0) >= classCount } }) {
        throw ModelError.labelOutOfRange(label: Double(labels.scalars[sample]), sample: sample, classCount: classCount)
    }
    return labels
}

extension SparseCategoricalCrossentropy: PlannableLoss {
    /// The fused softmax cross-entropy (logits) or the clipped cross-entropy
    /// (probabilities); a smoothed loss trains on the tape.
    var plannedLoss: PlannedLoss? {
        guard labelSmoothing == 0 else { return nil }
        return fromLogits ? .sparseSoftmaxCrossEntropy : .sparseCrossEntropy
    }
}

extension CategoricalCrossentropy: PlannableLoss {
    /// Softmax cross-entropy (logits) or the clipped cross-entropy (probabilities); a
    /// smoothed loss trains on the tape.
    var plannedLoss: PlannedLoss? {
        guard labelSmoothing == 0 else { return nil }
        return fromLogits ? .softmaxCrossEntropy : .crossEntropy
    }
}

extension MeanSquaredError: PlannableLoss {
    /// The mean squared difference.
    var plannedLoss: PlannedLoss? { .meanSquaredError }
}
