import Tapestry

/// A dataset that `fit`, `evaluate` and `predict` draw batches from.
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

    /// The inputs `[indices.count] + sampleShape` and targets (labels `[indices.count]`, or
    /// rows) of the samples at `indices`, in that order.
    func batch(at indices: ArraySlice<Int>) -> (inputs: Tensor<Scalar>, targets: Tensor<Scalar>)
}

/// Samples held in two tensors whose first dimension is the sample index.
public struct TensorDataset<Scalar: TensorScalar>: BatchSource {
    /// The inputs, `[samples, …]`.
    public let inputs: Tensor<Scalar>
    /// The targets, `[samples]` (labels) or `[samples, …]`.
    public let targets: Tensor<Scalar>

    /// Pairs inputs with targets.
    ///
    /// - Throws: `ModelError.sampleCountMismatch` when their first dimensions differ.
    public init(inputs: Tensor<Scalar>, targets: Tensor<Scalar>) throws {
        guard inputs.rank >= 1, targets.rank >= 1 else {
            throw ModelError.invalidArgument("inputs and targets need a sample dimension; got shapes \(inputs.shape) and \(targets.shape)")
        }
        guard inputs.shape[0] == targets.shape[0] else {
            throw ModelError.sampleCountMismatch(inputs: inputs.shape[0], targets: targets.shape[0])
        }
        self.inputs = inputs.detached()
        self.targets = targets.detached()
    }

    /// The number of samples.
    public var sampleCount: Int { inputs.shape[0] }

    /// The shape of one input sample.
    public var sampleShape: [Int] { Array(inputs.shape.dropFirst()) }

    /// The rows at `indices`.
    public func batch(at indices: ArraySlice<Int>) -> (inputs: Tensor<Scalar>, targets: Tensor<Scalar>) {
        let rows = Array(indices)
        return (inputs.gathering(atIndices: rows), targets.gathering(atIndices: rows))
    }
}
