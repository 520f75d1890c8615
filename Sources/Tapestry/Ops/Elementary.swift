// Elementary functions applied element by element, each with its pullback.

extension Tensor {
    /// `eˣ` element-wise.
    public func exp() -> Tensor { unary(.exp, "exp") { g, _, y in g * y } }

    /// Natural logarithm element-wise.
    public func log() -> Tensor { unary(.log, "log") { g, x, _ in g / x } }

    /// Square root element-wise.
    public func sqrt() -> Tensor { unary(.sqrt, "sqrt") { g, _, y in g / (y * 2) } }

    /// `x²` element-wise.
    public func squared() -> Tensor { unary(.square, "square") { g, x, _ in g * x * 2 } }

    /// `xᵖ` element-wise for a scalar exponent.
    public func raised(toPower exponent: Scalar) -> Tensor {
        unary(.power(exponent), "pow") { g, x, _ in
            ElementwiseKernels.apply(.powerGradient(exponent), g, x, name: "pow")
        }
    }
}
