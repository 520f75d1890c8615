// Matrix products through BLAS.

extension Tensor where Scalar: TensorScalar {
    /// The matrix product `self · other` of `[m, k]` and `[k, n]` matrices.
    ///
    /// Its pullback calls BLAS with transpose flags (`g · otherᵀ`, `selfᵀ · g`) and skips
    /// the product for an operand that needs no gradient (an input batch).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                     "matmul: shapes \(shape) and \(other.shape) are not [m, k] and [k, n]")
        let result = MatrixKernels.matmul(self, other)
        guard let tape = Self.recordingTape(self, other) else { return result }
        return tape.record("matmul", operands: [self, other], output: result) { [self] g, needs in
            if Self.recordingTape(self, other) != nil {
                // Building a graph: the same products, recorded.
                return [needs[0] ? g.matmul(other.transposed()) : nil, needs[1] ? self.transposed().matmul(g) : nil]
            }
            return [needs[0] ? MatrixKernels.matmul(g, other, transposingB: true) : nil,
             needs[1] ? MatrixKernels.matmul(self, g, transposingA: true) : nil]
        }
    }

    /// The affine map `self · weight + bias` of a `[batch, in]` input, a `[in, out]` weight
    /// and an `[out]` bias, fused: one BLAS call accumulates into rows pre-filled with the
    /// bias, and one tape entry (`linear`) holds the three pullbacks.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func linear(weight: Tensor, bias: Tensor) -> Tensor {
        precondition(rank == 2 && weight.rank == 2 && shape[1] == weight.shape[0],
                     "linear: shapes \(shape) and \(weight.shape) are not [batch, in] and [in, out]")
        precondition(bias.shape == [weight.shape[1]],
                     "linear: bias shape \(bias.shape) does not match weight shape \(weight.shape); expected [\(weight.shape[1])]")
        let result = MatrixKernels.affine(self, weight, bias: bias)
        guard let tape = recordingTape ?? weight.recordingTape ?? bias.recordingTape else { return result }
        return tape.record("linear", operands: [self, weight, bias], output: result) { [self] g, needs in
            if Self.recordingTape(self, weight) ?? bias.recordingTape != nil {
                // Building a graph: the same products and bias sum, recorded.
                return [needs[0] ? g.matmul(weight.transposed()) : nil,
                        needs[1] ? self.transposed().matmul(g) : nil,
                        needs[2] ? g.sum(alongAxis: 0) : nil]
            }
            return [needs[0] ? MatrixKernels.matmul(g, weight, transposingB: true) : nil,
             needs[1] ? MatrixKernels.matmul(self, g, transposingA: true) : nil,
             needs[2] ? ReductionKernels.reduce(.sum, g, axis: 0, keepingDimension: false) : nil]
        }
    }
}
