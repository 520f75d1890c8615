import Tapestry

/// A quantity `fit` and `evaluate` report besides the loss, averaged over samples.
public enum Metric: String, Sendable, Hashable, CaseIterable {
    /// The fraction of samples whose highest-scoring class is the target class; works out
    /// from the targets whether they are labels or one-hot rows (Keras's `"accuracy"`).
    case accuracy
    /// Accuracy against integer labels.
    case sparseCategoricalAccuracy = "sparse_categorical_accuracy"
    /// Accuracy against one-hot rows.
    case categoricalAccuracy = "categorical_accuracy"

    /// The name in logs and `History` (`accuracy`).
    public var name: String { rawValue }

    /// The number of correct samples in a batch (the mean is taken over the epoch).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func correctCount<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Tensor<Scalar>) -> Int {
        let predicted = predictions.argmax(alongAxis: -1).scalars
        let sparse: Bool
        switch self {
        case .accuracy: sparse = targets.rank == 1 || (targets.rank == 2 && targets.shape[1] == 1 && predictions.shape[1] != 1)
        case .sparseCategoricalAccuracy: sparse = true
        case .categoricalAccuracy: sparse = false
        }
        var correct = 0
        if sparse {
            for (guess, label) in zip(predicted, targets.classIndices()?.scalars ?? []) where guess == label { correct += 1 }
        } else {
            for (guess, label) in zip(predicted, targets.argmax(alongAxis: -1).scalars) where guess == label { correct += 1 }
        }
        return correct
    }
}
