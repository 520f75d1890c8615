// Reverse-mode transforms of functions of one tensor, named as in Swift's
// differentiable-programming manifesto and JAX. Each records on a fresh tape, or on the
// enclosing one when nested, so they compose to any order:
// `gradient(at: x) { gradient(at: $0) { gradient(at: $0, of: f) } }` is f‴(x).

/// The gradient of a scalar-valued `function` at `point`: `∂f/∂x`, of `point`'s shape.
///
/// ```swift
/// let x = Tensor<Double>(2)
/// gradient(at: x) { x in x * x * x }                                  // 3x² = 12
/// gradient(at: x) { x in gradient(at: x) { x in x * x * x } }         // 6x = 12
/// gradient(at: x) { gradient(at: $0) { gradient(at: $0) { x in x * x * x } } }   // 6
/// ```
///
/// - Precondition: `function` returns one scalar (any shape of one element).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gradient<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> Tensor<Scalar> {
    valueWithGradient(at: [point]) { function($0[0]) }.gradient[0]
}

/// The value of a scalar-valued `function` at `point` and its gradient there, from one
/// forward and one backward pass.
///
/// ```swift
/// let (value, slope) = valueWithGradient(at: Tensor<Double>([1, 2])) { ($0 * $0).sum() }
/// // value 5, slope [2, 4]
/// ```
///
/// - Precondition: `function` returns one scalar.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func valueWithGradient<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, gradient: Tensor<Scalar>) {
    let (value, gradients) = valueWithGradient(at: [point]) { function($0[0]) }
    return (value, gradients[0])
}

/// The value of `function` at `point` and its pullback there: the vector–Jacobian product
/// `v ↦ vᵀ·∂f/∂x`, which takes a cotangent of the output's shape to one of `point`'s. The
/// pullback may be called many times (it keeps the recorded computation alive).
///
/// ```swift
/// let (y, back) = pullback(at: Tensor<Double>([1, 2, 3])) { $0 * $0 }
/// back(Tensor([1, 0, 1]))   // [2, 0, 6]
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func pullback<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, pullback: (Tensor<Scalar>) -> Tensor<Scalar>) {
    let (value, back) = pullback(at: [point]) { function($0[0]) }
    return (value, { back($0)[0] })
}

/// The value of `function` at `point` and its Jacobian–vector product along `direction`:
/// `∂f/∂x · v`, of the output's shape (JAX's `jvp`, the manifesto's differential).
///
/// Computed by two reverse sweeps ("double vjp"): the first, which builds a graph, gives
/// `u ↦ Jᵀu` for a tracked dummy cotangent `u`; that map is linear in `u`, and the second
/// sweep pulls `v` back through it to `(Jᵀ)ᵀv = Jv`. Reverse mode twice rather than a
/// separate forward mode keeps one derivative rule per op — every op's differentiable
/// pullback, already gradgradchecked — instead of a second, tangent rule per op that
/// could drift from it; the cost is about two backward passes instead of one forward.
/// The first sweep builds a graph, so an op declared once-differentiable on the path traps
/// (naming it) when the second sweep reaches it.
///
/// ```swift
/// let (y, tangent) = jvp(at: Tensor<Double>([1, 2]), along: Tensor([1, 0])) { $0 * $0 }
/// // y [1, 4], tangent [2, 0]
/// ```
///
/// - Precondition: `direction` has `point`'s shape.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func jvp<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, along direction: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, differential: Tensor<Scalar>) {
    precondition(direction.shape == point.shape,
                 "jvp: direction shape \(direction.shape) does not match point shape \(point.shape)")
    return differentiating([point]) { tape, watched, nested in
        let value = function(watched[0])
        guard value.isRecorded(on: tape) else { return (value.returned(nested: nested), Tensor(zeros: value.shape)) }
        let dummy = tape.watch(Tensor(zeros: value.shape), name: "jvp cotangent")
        let transposed = tape.gradient(of: value, wrt: watched[0], seed: dummy, createGraph: true)
        guard transposed.isRecorded(on: tape) else { return (value.returned(nested: nested), Tensor(zeros: value.shape)) }
        let tangent = tape.gradient(of: transposed, wrt: dummy, seed: direction, createGraph: nested)
        return (value.returned(nested: nested), tangent)
    }
}

/// The Jacobian of `function` at `point`: `J[i…, j…] = ∂fᵢ/∂xⱼ`, of shape
/// `output.shape + point.shape`, one reverse sweep per output element.
///
/// ```swift
/// let s = Tensor<Double>([1, 2, 3])
/// jacobian(at: s) { $0.softmax() }   // diag(softmax) − softmax·softmaxᵀ, shape [3, 3]
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func jacobian<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> Tensor<Scalar> {
    differentiating([point]) { tape, watched, nested in
        let value = function(watched[0])
        let shape = value.shape + point.shape
        guard value.isRecorded(on: tape), value.scalarCount > 0 else { return Tensor(zeros: shape) }
        let rows = (0..<value.scalarCount).map { element -> Tensor<Scalar> in
            var seed = Tensor<Scalar>(zeros: value.shape)
            seed.withUnsafeMutableScalars { $0[element] = 1 }
            return tape.gradient(of: value, wrt: watched[0], seed: seed, createGraph: nested)
        }
        return Tensor(stacking: rows, alongAxis: 0).reshaped(to: shape)
    }
}

/// The Hessian of a scalar-valued `function` at `point`: `H[i…, j…] = ∂²f/∂xᵢ∂xⱼ`, of
/// shape `point.shape + point.shape` — the Jacobian of the gradient.
///
/// ```swift
/// // Rosenbrock: (1 − x)² + 100 (y − x²)², whose Hessian at (1, 1) is [[802, −400], [−400, 200]].
/// hessian(at: Tensor<Double>([1, 1])) { p in
///     let x = p[0], y = p[1]
///     return (1 - x).squared() + 100 * (y - x.squared()).squared()
/// }
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func hessian<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> Tensor<Scalar> {
    jacobian(at: point) { gradient(at: $0, of: function) }
}

/// The product of the Hessian of a scalar-valued `function` at `point` with `direction`,
/// `H·v`, without forming `H`: the gradient of `⟨∇f(x), v⟩` (reverse over reverse), about
/// the cost of two gradients.
///
/// ```swift
/// hessianVectorProduct(at: Tensor<Double>([1, 2]), along: Tensor([1, 0])) { ($0 * $0 * $0).sum() }
/// // H = diag(6x) = diag(6, 12), so H·v = [6, 0]
/// ```
///
/// - Precondition: `direction` has `point`'s shape.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func hessianVectorProduct<Scalar: TensorScalar>(
    at point: Tensor<Scalar>, along direction: Tensor<Scalar>, of function: (Tensor<Scalar>) -> Tensor<Scalar>
) -> Tensor<Scalar> {
    precondition(direction.shape == point.shape,
                 "hessianVectorProduct: direction shape \(direction.shape) does not match point shape \(point.shape)")
    return gradient(at: point) { x in (gradient(at: x, of: function) * direction).sum() }
}
