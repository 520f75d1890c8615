import Tapestry
import TapestryData

/// A batch source that writes a batch's inputs straight into a buffer, so a planned
/// training step gathers each batch without making a tensor. `LabeledImages` (Fashion-MNIST)
/// and `TensorDataset` are ones; `fit` uses `inputs(at:)` for other sources.
public protocol BufferGatheringBatchSource<Scalar>: BatchSource {
    /// Writes the inputs of the samples at `indices`, in that order, to the start of
    /// `buffer`: sample `k` fills the `k`-th run of `sampleShape.reduce(1, *)` scalars.
    ///
    /// - Precondition: every index is in `0..<sampleCount` and the buffer holds them all.
    func gatherInputs(at indices: ArraySlice<Int>, into buffer: UnsafeMutableBufferPointer<Scalar>)
}

extension LabeledImages: BufferGatheringBatchSource {
    /// The images `÷ 255`, through `gatherImages(at:into:)`.
    public func gatherInputs(at indices: ArraySlice<Int>, into buffer: UnsafeMutableBufferPointer<Float>) {
        gatherImages(at: indices, into: buffer)
    }
}

extension TensorDataset: BufferGatheringBatchSource {
    /// Copies the input rows.
    public func gatherInputs(at indices: ArraySlice<Int>, into buffer: UnsafeMutableBufferPointer<Scalar>) {
        let width = inputs.scalarCount / Swift.max(sampleCount, 1)
        checkPrecondition(buffer.count >= indices.count * width,
                          "TensorDataset.gatherInputs: a buffer of \(buffer.count) scalars cannot hold \(indices.count) samples of \(width)")
        guard let destination = buffer.baseAddress else { return }
        inputs.withUnsafeScalars { source in
            guard let base = source.baseAddress else { return }
            for (row, index) in indices.enumerated() {
                checkPrecondition(index >= 0 && index < sampleCount,
                                  "TensorDataset.gatherInputs: sample \(index) out of range 0..<\(sampleCount)")
                StepKernels.copy(base + index * width, to: destination + row * width, count: width)
            }
        }
    }
}
