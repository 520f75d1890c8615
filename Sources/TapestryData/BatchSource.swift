import Tapestry

/// A dataset that training, evaluation and prediction draw batches from.
///
/// Conform a type that keeps its samples compactly (Fashion-MNIST keeps its images as
/// bytes and normalises them as a batch is gathered); `TensorDataset` covers data that is
/// already in tensors.
public protocol BatchSource<Scalar> {
    /// The scalar type of the batches.
    associatedtype Scalar: TensorScalar

    /// The number of samples.
    var sampleCount: Int { get }

    /// The shape of one input sample (`[28, 28]`).
    var sampleShape: [Int] { get }

    /// Every sample's target, in sample order.
    var targets: Targets<Scalar> { get }

    /// The inputs of the samples at `indices`, in that order: `[indices.count] + sampleShape`.
    func inputs(at indices: ArraySlice<Int>) -> Tensor<Scalar>
}

extension BatchSource {
    /// The inputs and targets of the samples at `indices`, in that order.
    public func batch(at indices: ArraySlice<Int>) -> (inputs: Tensor<Scalar>, targets: Targets<Scalar>) {
        (inputs(at: indices), targets.gathering(atIndices: Array(indices)))
    }
}

/// Samples held in tensors whose first dimension is the sample index.
public struct TensorDataset<Scalar: TensorScalar>: BatchSource {
    /// The inputs, `[samples, …]`.
    public let inputs: Tensor<Scalar>
    /// The targets, one per sample.
    public let targets: Targets<Scalar>

    /// Pairs inputs with targets.
    ///
    /// - Throws: `DatasetError.mismatchedSamples` when their sample counts differ.
    public init(inputs: Tensor<Scalar>, targets: Targets<Scalar>) throws {
        guard inputs.rank >= 1 else {
            throw DatasetError.mismatchedSamples(reason: "inputs need a sample dimension; got shape \(inputs.shape)")
        }
        let targetShape: [Int] = switch targets {
        case .labels(let labels): labels.shape
        case .values(let values): values.shape
        }
        guard targetShape.count >= 1 else {
            throw DatasetError.mismatchedSamples(reason: "targets need a sample dimension; got shape \(targetShape)")
        }
        guard inputs.shape[0] == targetShape[0] else {
            throw DatasetError.mismatchedSamples(
                reason: "sample counts differ: \(inputs.shape[0]) inputs but \(targetShape[0]) targets")
        }
        self.inputs = inputs.detached()
        self.targets = switch targets {
        case .labels: targets
        case .values(let values): .values(values.detached())
        }
    }

    /// Pairs inputs with one class label each.
    public init(inputs: Tensor<Scalar>, labels: Tensor<Int32>) throws {
        try self.init(inputs: inputs, targets: .labels(labels))
    }

    /// Pairs inputs with target values (class numbers as scalars are accepted where a
    /// loss wants labels: it converts them once).
    public init(inputs: Tensor<Scalar>, targets: Tensor<Scalar>) throws {
        try self.init(inputs: inputs, targets: .values(targets))
    }

    /// The number of samples.
    public var sampleCount: Int { inputs.shape[0] }

    /// The shape of one input sample.
    public var sampleShape: [Int] { Array(inputs.shape.dropFirst()) }

    /// The input rows at `indices`.
    public func inputs(at indices: ArraySlice<Int>) -> Tensor<Scalar> {
        inputs.gathering(atIndices: Array(indices))
    }
}
