import Tapestry

/// What a model should output for a set of samples: one class label each, or values of
/// the outputs' shape.
///
/// Labels stay integers from the dataset to the loss: they are checked once, before
/// training, not batch by batch.
public enum Targets<Scalar: TensorScalar>: Sendable {
    /// One class index per sample: `[samples]`.
    case labels(Tensor<Int32>)
    /// One value per output element: `[samples, …]` (one-hot rows, probabilities,
    /// regression targets).
    case values(Tensor<Scalar>)

    /// The number of samples.
    public var sampleCount: Int {
        switch self {
        case .labels(let labels): labels.shape.first ?? 0
        case .values(let values): values.shape.first ?? 0
        }
    }

    /// The shape of one sample's target: `[]` for a label.
    public var sampleShape: [Int] {
        switch self {
        case .labels(let labels): Array(labels.shape.dropFirst())
        case .values(let values): Array(values.shape.dropFirst())
        }
    }

    /// The targets of the samples at `indices`, in that order.
    public func gathering(atIndices indices: [Int]) -> Targets {
        switch self {
        case .labels(let labels): .labels(labels.gathering(atIndices: indices))
        case .values(let values): .values(values.gathering(atIndices: indices))
        }
    }

    /// The targets as scalars: labels become their class numbers (`[samples]`), values
    /// stay as they are.
    public var scalars: Tensor<Scalar> {
        switch self {
        case .labels(let labels): Tensor(converting: labels)
        case .values(let values): values
        }
    }
}
