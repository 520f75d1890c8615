// Arithmetic ops with NumPy broadcasting. Each pullback returns cotangents of the broadcast
// shape; the tape sums each over the axes its operand was broadcast along.

extension Tensor where Scalar: TensorScalar {
    /// Element-wise sum, broadcasting.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernels.apply(.add, lhs, rhs, name: "add")
        guard let tape = recordingTape(lhs, rhs) else { return result }
        return tape.record("add", operands: [lhs, rhs], output: result) { g, needs in
            [needs[0] ? g : nil, needs[1] ? g : nil]
        }
    }

    /// Element-wise difference, broadcasting.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernels.apply(.subtract, lhs, rhs, name: "subtract")
        guard let tape = recordingTape(lhs, rhs) else { return result }
        return tape.record("subtract", operands: [lhs, rhs], output: result) { g, needs in
            [needs[0] ? g : nil, needs[1] ? -g : nil]
        }
    }

    /// Element-wise product, broadcasting.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernels.apply(.multiply, lhs, rhs, name: "multiply")
        guard let tape = recordingTape(lhs, rhs) else { return result }
        return tape.record("multiply", operands: [lhs, rhs], output: result) { g, needs in
            [needs[0] ? g * rhs : nil, needs[1] ? g * lhs : nil]
        }
    }

    /// Element-wise quotient, broadcasting.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        let result = ElementwiseKernels.apply(.divide, lhs, rhs, name: "divide")
        guard let tape = recordingTape(lhs, rhs) else { return result }
        return tape.record("divide", operands: [lhs, rhs], output: result) { g, needs in
            if recordingTape(lhs, rhs) != nil {
                // Building a graph: the quotient recomputed from tracked operands.
                return [needs[0] ? g / rhs : nil, needs[1] ? -(g * lhs) / (rhs * rhs) : nil]
            }
            return [needs[0] ? g / rhs : nil, needs[1] ? -(g * result) / rhs : nil]
        }
    }

    /// Element-wise negation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static prefix func - (x: Tensor) -> Tensor {
        x.unary(.negate, "negate") { g, _, _ in -g }
    }

    /// Adds a scalar to every element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Tensor, rhs: Scalar) -> Tensor {
        lhs.unary(.addScalar(rhs), "add") { g, _, _ in g }
    }

    /// Adds a scalar to every element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func + (lhs: Scalar, rhs: Tensor) -> Tensor { rhs + lhs }

    /// Subtracts a scalar from every element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Tensor, rhs: Scalar) -> Tensor { lhs + (-rhs) }

    /// Subtracts every element from a scalar.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func - (lhs: Scalar, rhs: Tensor) -> Tensor { -rhs + lhs }

    /// Multiplies every element by a scalar.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Tensor, rhs: Scalar) -> Tensor {
        lhs.unary(.scale(rhs), "multiply") { g, _, _ in g * rhs }
    }

    /// Multiplies every element by a scalar.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func * (lhs: Scalar, rhs: Tensor) -> Tensor { rhs * lhs }

    /// Divides every element by a scalar.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Tensor, rhs: Scalar) -> Tensor { lhs * (1 / rhs) }

    /// Divides a scalar by every element.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func / (lhs: Scalar, rhs: Tensor) -> Tensor { Tensor(lhs) / rhs }

    /// Adds `rhs` into `lhs` (a new value; recorded like `+`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }

    /// Subtracts `rhs` from `lhs` (a new value; recorded like `-`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }

    /// Multiplies `lhs` by `rhs` (a new value; recorded like `*`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }

    /// `1` where the elements are equal, else `0`, broadcasting (not differentiable: the
    /// result is never tracked). The mean of it is an accuracy.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsEqual(_ other: Tensor) -> Tensor {
        ElementwiseKernels.apply(.equal, self, other, name: "equal")
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Applies a unary kernel and records it with a pullback computed from the cotangent,
    /// the input and the output.
    ///
    /// `pullback` is the first-order form (it may use fused kernels and the untracked
    /// output). When it is not differentiable in the input, pass `differentiablePullback`,
    /// built from recorded ops on the tracked input: a sweep that creates a graph (the
    /// input's tape records) uses it instead.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    func unary(
        _ op: UnaryOperator<Scalar>, _ name: String,
        differentiablePullback: ((_ cotangent: Tensor, _ input: Tensor) -> Tensor)? = nil,
        pullback: @escaping (_ cotangent: Tensor, _ input: Tensor, _ output: Tensor) -> Tensor
    ) -> Tensor {
        let result = ElementwiseKernels.apply(op, self)
        guard let tape = recordingTape else { return result }
        let input = self
        guard let differentiable = differentiablePullback else {
            return tape.record(name, operands: [self], output: result) { g, _ in [pullback(g, input, result)] }
        }
        return tape.record(name, operands: [self], output: result) { g, _ in
            [input.recordingTape == nil ? pullback(g, input, result) : differentiable(g, input)]
        }
    }
}
