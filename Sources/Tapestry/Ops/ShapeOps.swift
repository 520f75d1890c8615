// Ops that change a tensor's shape or pick parts of it. Floating-point tensors record them
// on the tape; integer tensors (Ops/IntegerTensorOps.swift) share the same kernels.

extension Tensor where Scalar: TensorScalar {
    /// The same scalars viewed with another shape of the same count; one dimension may be
    /// `-1` and is then inferred.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func reshaped(to newShape: [Int]) -> Tensor {
        let result = Tensor(shape: resolved(newShape, op: "reshape"), storage: storage)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("reshape", operands: [self], output: result) { g, _ in [g.reshaped(to: shape)] }
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
        return tape.record("transpose", operands: [self], output: result) { g, _ in [g.transposed()] }
    }

    /// The axes reordered: `result.shape[i] == shape[permutation[i]]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed(permutation: [Int]) -> Tensor {
        let result = MatrixKernels.permute(self, checked(permutation))
        guard let tape = recordingTape else { return result }
        var inverse = permutation
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return tape.record("transpose", operands: [self], output: result) { g, _ in
            [g.transposed(permutation: inverse)]
        }
    }

    /// The slices along the first axis at `indices`, in that order (rows of a matrix,
    /// images of a batch); repeated indices are allowed, and their gradients add up.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gathering(atIndices indices: [Int]) -> Tensor {
        let result = IndexKernels.gather(self, indices)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("gather", operands: [self], output: result) { g, _ in
            [g.scatteringAdd(atIndices: indices, intoShape: shape)]
        }
    }

    /// Zeros of `shape` with the slices of `self` along the first axis added at `indices`
    /// (gather's pullback); recorded as `scatter_add`, whose pullback is the gather.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func scatteringAdd(atIndices indices: [Int], intoShape shape: [Int]) -> Tensor {
        let result = IndexKernels.scatterAdd(self, indices, into: shape)
        guard let tape = recordingTape else { return result }
        return tape.record("scatter_add", operands: [self], output: result) { g, _ in [g.gathering(atIndices: indices)] }
    }

    /// One-hot rows: `result[i, labels[i]] == 1`, zeros elsewhere; in general the shape is
    /// `labels.shape + [depth]`.
    ///
    /// - Precondition: each label is in `0..<depth`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(oneHot labels: Tensor<Int32>, depth: Int) {
        self.init(zeros: labels.shape + [depth])
        let output = storage.base
        labels.withUnsafeScalars { scalars in
            if let position = LabelKernels.firstLabel(outside: depth, in: scalars) {
                preconditionFailure("one_hot: label \(scalars[position]) at offset \(position) of shape \(labels.shape) is outside 0..<\(depth)")
            }
            for (row, label) in scalars.enumerated() { output[row * depth + Int(label)] = 1 }
        }
    }

    /// One-hot rows from an array of labels: `result[i, labels[i]] == 1`.
    ///
    /// - Precondition: each label is in `0..<depth`.
    public init(oneHot labels: [Int], depth: Int) {
        for label in labels {
            precondition(label >= 0 && label < depth, "one_hot: label \(label) is outside 0..<\(depth)")
        }
        self.init(oneHot: Tensor<Int32>(shape: [labels.count], scalars: labels.lazy.map { Int32($0) }), depth: depth)
    }
}

extension Tensor {
    /// `newShape` with its `-1` inferred, checked to hold exactly `scalarCount` scalars.
    func resolved(_ newShape: [Int], op: String) -> [Int] {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().reduce(1) { $1.offset == inferred ? $0 : $0 * $1.element }
            precondition(known > 0 && scalarCount % known == 0,
                         "\(op): cannot reshape shape \(shape) to \(newShape)")
            resolved[inferred] = scalarCount / known
        }
        precondition(Self.count(of: resolved) == scalarCount,
                     "\(op): cannot reshape shape \(shape) (\(scalarCount) scalars) to \(newShape)")
        return resolved
    }

    /// `permutation`, checked to reorder this tensor's axes.
    func checked(_ permutation: [Int]) -> [Int] {
        precondition(permutation.sorted() == Array(0..<rank),
                     "transpose: permutation \(permutation) does not fit shape \(shape)")
        return permutation
    }
}
