// Explicit broadcasting and tiling. Both repeat scalars, so both pullbacks sum the
// cotangent over the repeats, with differentiable sums.

extension Tensor where Scalar: TensorScalar {
    /// The tensor repeated to `shape` by NumPy's broadcasting rules: dimensions are aligned
    /// at the end, and each must equal the target's or be 1 (missing leading dimensions
    /// count as 1). Differentiable: the gradient is summed over the repeats.
    ///
    /// ```swift
    /// Tensor<Float>([1, 2]).broadcast(to: [2, 2])   // [[1, 2], [1, 2]]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func broadcast(to shape: [Int]) -> Tensor {
        precondition(shape.count >= rank && Broadcasting.shape(self.shape, shape, op: "broadcast") == shape,
                     "broadcast: shape \(self.shape) cannot be broadcast to \(shape)")
        if shape == self.shape { return self }   // tracked as it is
        let result = StridedCopyKernels.broadcast(self, to: shape)
        guard let tape = recordingTape else { return result }
        let original = self.shape
        return tape.record("broadcast", operands: [self], output: result) { g in
            [g.summedOverBroadcast(toShape: original)]
        }
    }

    /// The tensor repeated `multiples[k]` times along each axis `k`, whole copies end to
    /// end (NumPy's `tile`). Differentiable: the gradient is summed over the copies.
    ///
    /// ```swift
    /// Tensor<Float>([[1, 2]]).tiled(multiples: [2, 2])   // [[1, 2, 1, 2], [1, 2, 1, 2]]
    /// ```
    ///
    /// - Precondition: one non-negative multiple per axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tiled(multiples: [Int]) -> Tensor {
        precondition(multiples.count == rank && multiples.allSatisfy { $0 >= 0 },
                     "tile: multiples \(multiples) do not fit shape \(shape)")
        // [d0, d1] → [1, d0, 1, d1] → [m0, d0, m1, d1] → [m0·d0, m1·d1]: each copy is a
        // broadcast along a new axis ahead of the one it repeats.
        let interleaved = shape.flatMap { [1, $0] }
        let repeated = zip(multiples, shape).flatMap { [$0, $1] }
        return reshaped(to: interleaved).broadcast(to: repeated)
            .reshaped(to: zip(multiples, shape).map { $0 * $1 })
    }

    /// The cotangent of a broadcast result summed back to the operand's `shape`, with
    /// recorded (differentiable) sums, so higher-order gradients can flow through it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func summedOverBroadcast(toShape target: [Int]) -> Tensor {
        var result = self
        while result.rank > target.count { result = result.sum(alongAxis: 0) }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(alongAxis: axis, keepingDimension: true)
        }
        return result
    }
}
