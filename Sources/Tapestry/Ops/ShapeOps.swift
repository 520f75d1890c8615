// Ops that change a tensor's shape or pick parts of it.

extension Tensor {
    /// The same scalars viewed with another shape of the same count; one dimension may be
    /// `-1` and is then inferred.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(to newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().reduce(1) { $1.offset == inferred ? $0 : $0 * $1.element }
            precondition(known > 0 && scalarCount % known == 0,
                         "reshape: cannot reshape shape \(shape) to \(newShape)")
            resolved[inferred] = scalarCount / known
        }
        precondition(Self.count(of: resolved) == scalarCount,
                     "reshape: cannot reshape shape \(shape) (\(scalarCount) scalars) to \(newShape)")
        let result = Tensor(shape: resolved, storage: storage)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("reshape", operands: [self], output: result) { g in [g.reshaped(to: shape)] }
    }

    /// A batch flattened to `[batch, features]`: the first dimension is kept and the rest
    /// are joined (what Keras's `Flatten` does).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func flattened() -> Tensor {
        precondition(rank >= 1, "flatten: needs a batch dimension, got shape \(shape)")
        let result = reshaped(to: [shape[0], shape.dropFirst().reduce(1, *)])
        return result
    }

    /// The transpose of a matrix.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed() -> Tensor {
        precondition(rank == 2, "transpose: needs a matrix, got shape \(shape); use transposed(permutation:)")
        let result = MatrixKernels.transpose(self)
        guard let tape = recordingTape else { return result }
        return tape.record("transpose", operands: [self], output: result) { g in [g.transposed()] }
    }

    /// The axes reordered: `result.shape[i] == shape[permutation[i]]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed(permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank),
                     "transpose: permutation \(permutation) does not fit shape \(shape)")
        let result = MatrixKernels.permute(self, permutation)
        guard let tape = recordingTape else { return result }
        var inverse = permutation
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return tape.record("transpose", operands: [self], output: result) { g in
            [MatrixKernels.permute(g, inverse)]
        }
    }

    /// The slices along the first axis at `indices`, in that order (rows of a matrix,
    /// images of a batch); repeated indices are allowed, and their gradients add up.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathering(atIndices indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gather: needs rank ≥ 1, got shape \(shape)")
        let rowCount = shape[0]
        let rowSize = rowCount == 0 ? 0 : scalarCount / rowCount
        for index in indices {
            precondition(index >= 0 && index < rowCount, "gather: index \(index) is out of range for shape \(shape)")
        }
        var resultShape = shape
        resultShape[0] = indices.count
        let result = Tensor(uninitializedShape: resultShape)
        for (row, index) in indices.enumerated() {
            (result.storage.base + row * rowSize).initialize(from: storage.base + index * rowSize, count: rowSize)
        }
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("gather", operands: [self], output: result) { g in
            let dx = Tensor(zeros: shape)
            for (row, index) in indices.enumerated() {
                ElementwiseKernels.add(g.storage.base + row * rowSize, into: dx.storage.base + index * rowSize, count: rowSize)
            }
            return [dx]
        }
    }

    /// One-hot rows: `result[i, labels[i]] == 1`, zeros elsewhere.
    ///
    /// - Precondition: each label is in `0..<depth`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(oneHot labels: [Int], depth: Int) {
        self.init(zeros: [labels.count, depth])
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < depth, "one_hot: label \(label) is outside 0..<\(depth)")
            storage.base[row * depth + label] = 1
        }
    }
}
