import Tapestry

/// A differentiable measure of how far a batch of predictions is from its targets.
public protocol Loss: Sendable {
    /// The loss's name in logs (`sparse_categorical_crossentropy`).
    var name: String { get }

    /// The mean loss over the batch.
    func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Tensor<Scalar>) -> Tensor<Scalar>

    /// Throws when a batch's targets cannot be compared with outputs of `outputShape` (per
    /// sample), or a target value is invalid (a label out of range); `sampleIndices` are
    /// the batch's sample numbers, for the message.
    func validate<Scalar: TensorScalar>(targets: Tensor<Scalar>, outputShape: [Int], sampleIndices: ArraySlice<Int>) throws
}

/// Cross-entropy between predicted class scores and integer class labels, as Keras's
/// `SparseCategoricalCrossentropy`. Targets are one label per sample, stored as scalars.
public struct SparseCategoricalCrossentropy: Loss {
    /// Whether predictions are unnormalised logits (then the fused, stable softmax
    /// cross-entropy is used) rather than probabilities.
    public let fromLogits: Bool

    /// Creates the loss; pass `fromLogits: true` for a model whose last layer is linear.
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    /// `sparse_categorical_crossentropy`.
    public var name: String { "sparse_categorical_crossentropy" }

    /// The batch mean of `−log p[label]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Tensor<Scalar>) -> Tensor<Scalar> {
        // `validate` has checked the labels.
        let labels = targets.classIndices() ?? Tensor<Int32>(zeros: [0])
        if fromLogits {
            return Tensor.sparseSoftmaxCrossEntropy(logits: predictions, labels: labels)
        }
        let oneHot = Tensor<Scalar>(oneHot: labels.reshaped(to: [-1]), depth: predictions.shape[1])
        return -(oneHot * predictions.clipped(to: Scalar(1e-7)...Scalar(1 - 1e-7)).log()).sum(alongAxis: 1).mean()
    }

    /// Labels must be integers in `0..<classes`, one per sample.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func validate<Scalar: TensorScalar>(targets: Tensor<Scalar>, outputShape: [Int], sampleIndices: ArraySlice<Int>) throws {
        guard outputShape.count == 1 else {
            throw ModelError.incompatibleTargets(expected: "[] (one class label per sample, for outputs \(outputShape))", got: Array(targets.shape.dropFirst()))
        }
        guard targets.rank == 1 || (targets.rank == 2 && targets.shape[1] == 1) else {
            throw ModelError.incompatibleTargets(expected: "[] (one class label per sample)", got: Array(targets.shape.dropFirst()))
        }
        try validateClassLabels(targets, classCount: outputShape[0], sampleIndices: sampleIndices)
    }
}

/// Cross-entropy between predicted class scores and one-hot (or soft) targets, as
/// Keras's `CategoricalCrossentropy`.
public struct CategoricalCrossentropy: Loss {
    /// Whether predictions are unnormalised logits rather than probabilities.
    public let fromLogits: Bool

    /// Creates the loss.
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    /// `categorical_crossentropy`.
    public var name: String { "categorical_crossentropy" }

    /// The batch mean of `−Σ t · log p`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Tensor<Scalar>) -> Tensor<Scalar> {
        let logProbabilities = fromLogits
            ? predictions.logSoftmax()
            : predictions.clipped(to: Scalar(1e-7)...Scalar(1 - 1e-7)).log()
        return -(targets * logProbabilities).sum(alongAxis: 1).mean()
    }

    /// Targets must have the outputs' shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func validate<Scalar: TensorScalar>(targets: Tensor<Scalar>, outputShape: [Int], sampleIndices: ArraySlice<Int>) throws {
        guard Array(targets.shape.dropFirst()) == outputShape else {
            throw ModelError.incompatibleTargets(expected: "\(outputShape) (one-hot)", got: Array(targets.shape.dropFirst()))
        }
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
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Tensor<Scalar>) -> Tensor<Scalar> {
        (predictions - targets.reshaped(to: predictions.shape)).squared().mean()
    }

    /// Targets must hold one value per output.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func validate<Scalar: TensorScalar>(targets: Tensor<Scalar>, outputShape: [Int], sampleIndices: ArraySlice<Int>) throws {
        guard targets.scalarCount == targets.shape[0] * outputShape.reduce(1, *) else {
            throw ModelError.incompatibleTargets(expected: "\(outputShape)", got: Array(targets.shape.dropFirst()))
        }
    }
}

/// Throws unless every target is a whole number in `0..<classCount`.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func validateClassLabels<Scalar: TensorScalar>(_ targets: Tensor<Scalar>, classCount: Int, sampleIndices: ArraySlice<Int>) throws {
    if let labels = targets.classIndices(), labels.scalars.allSatisfy({ $0 < classCount }) { return }
    // The slow path finds the first bad label for the message.
    try targets.withUnsafeScalars { labels in
        for (offset, label) in labels.enumerated() where !(label >= 0 && label < Scalar(classCount) && label == label.rounded()) {
            let sample = offset < sampleIndices.count ? sampleIndices[sampleIndices.startIndex + offset] : offset
            throw ModelError.labelOutOfRange(label: Double(label), sample: sample, classCount: classCount)
        }
    }
}
