// Elementary functions applied element by element, each with its pullback.

extension Tensor where Scalar: TensorScalar {
    /// `eˣ` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func exp() -> Tensor {
        unary(.exp, "exp", differentiablePullback: { g, x in g * x.exp() }) { g, _, y in g * y }
    }

    /// Natural logarithm element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func log() -> Tensor { unary(.log, "log") { g, x, _ in g / x } }

    /// Square root element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sqrt() -> Tensor {
        unary(.sqrt, "sqrt", differentiablePullback: { g, x in g / (x.sqrt() * 2) }) { g, _, y in g / (y * 2) }
    }

    /// `x²` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func squared() -> Tensor { unary(.square, "square") { g, x, _ in g * x * 2 } }

    /// Each scalar limited to `range`; the gradient passes where the input is inside it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func clipped(to range: ClosedRange<Scalar>) -> Tensor {
        let (lower, upper) = (range.lowerBound, range.upperBound)
        return unary(.clip(lower: lower, upper: upper), "clip", differentiablePullback: { g, x in
            let inside = x.detached()   // a constant mask: the second derivative is 0
            return g * (inside.elementsGreaterOrEqual(to: lower) * inside.elementsLessOrEqual(to: upper))
        }) { g, x, _ in
            ElementwiseKernels.apply(.clipGradient(lower: lower, upper: upper), g, x, name: "clip")
        }
    }

    /// `xᵖ` element-wise for a scalar exponent.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func raised(toPower exponent: Scalar) -> Tensor {
        unary(.power(exponent), "pow", differentiablePullback: { g, x in
            g * (x.raised(toPower: exponent - 1) * exponent)
        }) { g, x, _ in
            ElementwiseKernels.apply(.powerGradient(exponent), g, x, name: "pow")
        }
    }
}
