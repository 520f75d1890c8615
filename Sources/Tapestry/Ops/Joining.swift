// Joining tensors along an axis and splitting them apart again; each is the other's
// pullback (concatenation's cotangent is sliced back into pieces, a split piece's is padded
// back to the whole).

extension Tensor where Scalar: TensorScalar {
    /// The tensors joined end to end along `axis` (negative counts from the end); they must
    /// agree on every other dimension. Differentiable in every operand.
    ///
    /// ```swift
    /// let a = Tensor<Float>([[1, 2]]), b = Tensor<Float>([[3, 4]])
    /// Tensor(concatenating: [a, b], alongAxis: 1)   // [[1, 2, 3, 4]]
    /// ```
    ///
    /// - Precondition: at least one tensor; equal ranks; equal sizes off `axis`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(concatenating tensors: [Tensor], alongAxis axis: Int = 0) {
        precondition(!tensors.isEmpty, "concatenate: needs at least one tensor")
        let first = tensors[0]
        let axis = first.normalized(axis: axis, op: "concatenate")
        var shape = first.shape
        shape[axis] = 0
        for tensor in tensors {
            var expected = first.shape
            expected[axis] = tensor.rank == first.rank ? tensor.shape[axis] : -1
            precondition(tensor.shape == expected,
                         "concatenate: shapes \(first.shape) and \(tensor.shape) differ off axis \(axis)")
            shape[axis] += tensor.shape[axis]
        }
        let result = Tensor(uninitializedShape: shape)
        let destinationStrides = StridedCopyKernels.rowMajorStrides(of: shape)
        var offsets: [Int] = []
        var offset = 0
        for tensor in tensors {
            offsets.append(offset)
            let box = StridedCopyKernels.Box(
                extents: tensor.shape, sourceStrides: StridedCopyKernels.rowMajorStrides(of: tensor.shape),
                destinationStrides: destinationStrides)
            StridedCopyKernels.copy(box, from: tensor.storage.base,
                                    to: result.storage.base + offset * destinationStrides[axis])
            offset += tensor.shape[axis]
        }
        guard let tape = tensors.lazy.compactMap(\.recordingTape).first else {
            self = result
            return
        }
        self = tape.record("concatenate", operands: tensors, output: result) { g in
            zip(tensors, offsets).map { tensor, offset in
                tensor.requiresGradient
                    ? g.sliced(alongAxis: axis, from: offset, to: offset + tensor.shape[axis]) : nil
            }
        }
    }

    /// The tensors, all of one shape, stacked along a new axis at `axis` (in
    /// `-(rank + 1)...rank`; negative counts from the end). Differentiable in every operand.
    ///
    /// ```swift
    /// let a = Tensor<Float>([1, 2]), b = Tensor<Float>([3, 4])
    /// Tensor(stacking: [a, b])                 // [[1, 2], [3, 4]]
    /// Tensor(stacking: [a, b], alongAxis: 1)   // [[1, 3], [2, 4]]
    /// ```
    ///
    /// - Precondition: at least one tensor; equal shapes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(stacking tensors: [Tensor], alongAxis axis: Int = 0) {
        precondition(!tensors.isEmpty, "stack: needs at least one tensor")
        let shape = tensors[0].shape
        let position = axis < 0 ? axis + shape.count + 1 : axis
        precondition(position >= 0 && position <= shape.count,
                     "stack: axis \(axis) is out of range for stacking shape \(shape)")
        var expanded = shape
        expanded.insert(1, at: position)
        let pieces = tensors.map { tensor in
            precondition(tensor.shape == shape, "stack: shapes \(shape) and \(tensor.shape) differ")
            return tensor.reshaped(to: expanded)
        }
        self.init(concatenating: pieces, alongAxis: position)
    }

    /// Consecutive pieces along `axis` with the given sizes, which must add up to the size
    /// of that axis. Each piece is differentiable.
    ///
    /// ```swift
    /// let x = Tensor<Float>([1, 2, 3, 4, 5])
    /// x.split(sizes: [2, 3])   // [[1, 2], [3, 4, 5]]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func split(sizes: [Int], alongAxis axis: Int = 0) -> [Tensor] {
        let axis = normalized(axis: axis, op: "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[axis],
                     "split: sizes \(sizes) do not add up to axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(alongAxis: axis, from: start, to: start + size)
        }
    }

    /// `count` equal pieces along `axis`, whose size `count` must divide. Each piece is
    /// differentiable.
    ///
    /// ```swift
    /// let x = Tensor<Float>([[1, 2, 3, 4]])
    /// x.split(count: 2, alongAxis: 1)   // [[[1, 2]], [[3, 4]]]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func split(count: Int, alongAxis axis: Int = 0) -> [Tensor] {
        let resolved = normalized(axis: axis, op: "split")
        precondition(count >= 1 && shape[resolved] % count == 0,
                     "split: \(count) equal pieces do not divide axis \(axis) of shape \(shape)")
        return split(sizes: Array(repeating: shape[resolved] / count, count: count), alongAxis: resolved)
    }
}
