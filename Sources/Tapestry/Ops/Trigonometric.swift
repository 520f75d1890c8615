// Sine and cosine element-wise; each pullback uses the other, so both differentiate
// again.

extension Tensor where Scalar: TensorScalar {
    /// `sin(x)` element-wise (radians). Differentiable: the derivative is `cos(x)`.
    ///
    /// ```swift
    /// Tensor<Double>([0, .pi / 2]).sin()   // [0, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sin() -> Tensor {
        let result = ScalarFunctionKernels.sin(self)
        guard let tape = recordingTape else { return result }
        let input = self
        return tape.record("sin", operands: [self], output: result) { g in [g * input.cos()] }
    }

    /// `cos(x)` element-wise (radians). Differentiable: the derivative is `−sin(x)`.
    ///
    /// ```swift
    /// Tensor<Double>([0, .pi]).cos()   // [1, -1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cos() -> Tensor {
        let result = ScalarFunctionKernels.cos(self)
        guard let tape = recordingTape else { return result }
        let input = self
        return tape.record("cos", operands: [self], output: result) { g in [-(g * input.sin())] }
    }
}
