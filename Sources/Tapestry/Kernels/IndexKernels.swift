/// Picking rows by index, and the reverse: adding rows back at their indices.
enum IndexKernels {
    /// The slices of `x` along its first axis at `indices`, in that order.
    ///
    /// - Precondition: `x` has rank ≥ 1 and every index is in range; the message names the
    ///   index and the shape.
    static func gather<Scalar: TensorElement>(_ x: Tensor<Scalar>, _ indices: [Int]) -> Tensor<Scalar> {
        precondition(x.rank >= 1, "gather: needs rank ≥ 1, got shape \(x.shape)")
        let rowCount = x.shape[0]
        let rowSize = rowCount == 0 ? 0 : x.scalarCount / rowCount
        for index in indices {
            precondition(index >= 0 && index < rowCount, "gather: index \(index) is out of range for shape \(x.shape)")
        }
        var resultShape = x.shape
        resultShape[0] = indices.count
        let result = Tensor<Scalar>(uninitializedShape: resultShape)
        for (row, index) in indices.enumerated() {
            (result.storage.base + row * rowSize).initialize(from: x.storage.base + index * rowSize, count: rowSize)
        }
        return result
    }

    /// Zeros of `shape` with row `r` of `rows` added at `indices[r]` along the first axis
    /// (gather's pullback; repeated indices add up).
    static func scatterAdd<Scalar: TensorScalar>(_ rows: Tensor<Scalar>, _ indices: [Int], into shape: [Int]) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(zeros: shape)
        let rowSize = indices.isEmpty ? 0 : rows.scalarCount / indices.count
        for (row, index) in indices.enumerated() {
            ElementwiseKernels.add(rows.storage.base + row * rowSize, into: result.storage.base + index * rowSize, count: rowSize)
        }
        return result
    }
}
