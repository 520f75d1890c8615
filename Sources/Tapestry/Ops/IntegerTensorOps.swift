// The shape ops of integer tensors (labels, indices): never tracked, same kernels as the
// floating-point ops in ShapeOps.swift.

extension Tensor where Scalar: TensorInteger {
    /// The same scalars viewed with another shape of the same count; one dimension may be
    /// `-1` and is then inferred.
    public func reshaped(to newShape: [Int]) -> Tensor {
        Tensor(shape: resolved(newShape, op: "reshape"), storage: storage)
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transpose: needs a matrix, got shape \(shape); use transposed(permutation:)")
        return MatrixKernels.transpose(self)
    }

    /// The axes reordered: `result.shape[i] == shape[permutation[i]]`.
    public func transposed(permutation: [Int]) -> Tensor {
        MatrixKernels.permute(self, checked(permutation))
    }

    /// The slices along the first axis at `indices`, in that order; repeats are allowed.
    public func gathering(atIndices indices: [Int]) -> Tensor {
        IndexKernels.gather(self, indices)
    }
}
