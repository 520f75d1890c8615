// Absolute value and element-wise minimum / maximum: piecewise-linear ops whose pullbacks
// route the cotangent through constant masks.

extension Tensor where Scalar: TensorScalar {
    /// `|x|` element-wise. Differentiable; the derivative at `0` is taken as `0`.
    ///
    /// ```swift
    /// Tensor<Float>([-2, 0, 3]).abs()   // [2, 0, 3]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func abs() -> Tensor {
        let result = ScalarFunctionKernels.abs(self)
        guard let tape = recordingTape else { return result }
        let input = self.detached()
        return tape.record("abs", operands: [self], output: result) { g in
            [g * ScalarFunctionKernels.sign(input)]
        }
    }
}

/// The smaller of `a` and `b` element by element, broadcasting. Differentiable in both;
/// at a tie the result is `a` and the whole gradient goes to `a`.
///
/// ```swift
/// minimum(Tensor<Float>([1, 5, 3]), Tensor([2, 2, 2]))   // [1, 2, 2]
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func minimum<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    Tensor.choosing(a, b, where: a.elementsLessOrEqual(to: b), op: "minimum")
}

/// The larger of `a` and `b` element by element, broadcasting. Differentiable in both;
/// at a tie the result is `a` and the whole gradient goes to `a`.
///
/// ```swift
/// maximum(Tensor<Float>([1, 5, 3]), Tensor([2, 2, 2]))   // [2, 5, 3]
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func maximum<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    Tensor.choosing(a, b, where: a.elementsGreaterOrEqual(to: b), op: "maximum")
}

extension Tensor where Scalar: TensorScalar {
    /// `a` where `mask` (of the broadcast shape) is `1`, else `b`, recorded as `op`; the
    /// pullback multiplies the cotangent by the constant mask or its complement.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func choosing(_ a: Tensor, _ b: Tensor, where mask: Tensor, op: String) -> Tensor {
        let result = SelectionKernels.select(a, where: mask, otherwise: b, name: op)
        guard let tape = recordingTape(a, b) else { return result }
        return tape.record(op, operands: [a, b], output: result) { g in
            [a.requiresGradient ? (g * mask).summed(toShape: a.shape) : nil,
             b.requiresGradient ? (g * (1 - mask)).summed(toShape: b.shape) : nil]
        }
    }
}
