// Reductions over all scalars or along one axis, each with its pullback (which broadcasts
// the cotangent back over the reduced axis).

extension Tensor where Scalar: TensorScalar {
    /// The sum of all scalars, as a rank-0 tensor.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum() -> Tensor {
        let result = Tensor(withUnsafeScalars { ReductionKernels.sum($0) })
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("sum", operands: [self], output: result) { g, _ in
            [g.recordingTape != nil ? g.broadcast(to: shape) : Tensor(repeating: g.scalar, shape: shape)]
        }
    }

    /// The sum along `axis` (negative counts from the end), dropping that axis unless
    /// `keepingDimension` is true.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let axis = normalized(axis: axis, op: "sum")
        let result = ReductionKernels.reduce(.sum, self, axis: axis, keepingDimension: keepingDimension)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("sum", operands: [self], output: result) { g, _ in
            var kept = shape
            kept[axis] = 1
            return [g.reshaped(to: kept) + Tensor(zeros: shape)]
        }
    }

    /// The mean of all scalars, as a rank-0 tensor.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean() -> Tensor { sum() / Scalar(Swift.max(scalarCount, 1)) }

    /// The mean along `axis`, dropping it unless `keepingDimension` is true.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func mean(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let size = shape[normalized(axis: axis, op: "mean")]
        return sum(alongAxis: axis, keepingDimension: keepingDimension) / Scalar(Swift.max(size, 1))
    }

    /// The largest scalar, as a rank-0 tensor; the gradient goes to its first occurrence.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max() -> Tensor {
        reshaped(to: [scalarCount]).max(alongAxis: 0)
    }

    /// The largest scalar along `axis`; the gradient goes to the first maximum of each slice.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func max(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let axis = normalized(axis: axis, op: "max")
        let result = ReductionKernels.reduce(.max, self, axis: axis, keepingDimension: keepingDimension)
        guard let tape = recordingTape else { return result }
        let input = self
        return tape.record("max", operands: [self], output: result) { g, _ in
            let (outer, size, inner) = ReductionKernels.split(input.shape, axis: axis)
            let winners = ReductionKernels.argmax(input, axis: axis)
            var dx = Tensor(zeros: input.shape)
            let building = g.recordingTape != nil
            // Building a graph: a constant one-hot mask of the winners times the recorded,
            // broadcast cotangent.
            let routed = building ? Tensor(ones: g.shape) : g
            routed.withUnsafeScalars { cotangent in
                winners.withUnsafeScalars { winners in
                    dx.withUnsafeMutableScalars { dx in
                        for o in 0..<outer {
                            for i in 0..<inner {
                                dx[(o * size + Int(winners[o * inner + i])) * inner + i] = cotangent[o * inner + i]
                            }
                        }
                    }
                }
            }
            if building {
                var kept = input.shape
                kept[axis] = 1
                return [g.reshaped(to: kept) * dx]
            }
            return [dx]
        }
    }

    /// The index of the largest scalar along `axis` (the first on ties), with the shape of
    /// `self` without that axis; not differentiable. For logits of shape
    /// `[batch, classes]`, `argmax(alongAxis: 1)` gives the predicted classes, shape `[batch]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func argmax(alongAxis axis: Int = -1) -> Tensor<Int32> {
        ReductionKernels.argmax(self, axis: normalized(axis: axis, op: "argmax"))
    }

    /// The scalars as class indices of the same shape, or `nil` if any is not a whole
    /// number in `0...Int32.max`; for labels stored in a float tensor. Not differentiable.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func classIndices() -> Tensor<Int32>? { LabelKernels.classIndices(self) }

    /// The cotangent `self` (of a broadcast result) summed over the axes along which an
    /// operand of `shape` was broadcast, so that it has the operand's shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        if recordingTape != nil { return summedOverBroadcast(toShape: target).reshaped(to: target) }
        var result = self
        // Leading axes the operand did not have.
        while result.rank > target.count {
            result = ReductionKernels.reduce(.sum, result, axis: 0, keepingDimension: false)
        }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = ReductionKernels.reduce(.sum, result, axis: axis, keepingDimension: true)
        }
        return result.reshaped(to: target)
    }

    /// `axis` in `0..<rank`, counting negative axes from the end.
    func normalized(axis: Int, op: String) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "\(op): axis \(axis) is out of range for shape \(shape)")
        return resolved
    }
}
