// Matrix products through BLAS.

extension Tensor {
    /// The matrix product `self · other` of `[m, k]` and `[k, n]` matrices.
    ///
    /// Its pullback calls BLAS with transpose flags (`g · otherᵀ`, `selfᵀ · g`) and skips
    /// the product for an operand that needs no gradient (an input batch).
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0],
                     "matmul: shapes \(shape) and \(other.shape) are not [m, k] and [k, n]")
        let result = MatrixKernels.matmul(self, other)
        guard let tape = Self.recordingTape(self, other) else { return result }
        return tape.record("matmul", operands: [self, other], output: result) { [self] g in
            [requiresGradient ? MatrixKernels.matmul(g, other, transposingB: true) : nil,
             other.requiresGradient ? MatrixKernels.matmul(self, g, transposingA: true) : nil]
        }
    }
}
