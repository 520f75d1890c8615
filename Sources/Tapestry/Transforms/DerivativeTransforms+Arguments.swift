// The reverse-mode transforms for functions of several tensors: a pair, or an array.

/// The value of a scalar-valued `function` of several tensors and its gradient with
/// respect to each, from one forward and one backward pass.
///
/// ```swift
/// let (loss, grads) = valueWithGradient(at: [w, b]) { p in ((x.matmul(p[0]) + p[1]) - y).squared().mean() }
/// ```
///
/// - Precondition: `function` returns one scalar.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func valueWithGradient<Scalar: TensorScalar>(
    at points: [Tensor<Scalar>], of function: ([Tensor<Scalar>]) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, gradient: [Tensor<Scalar>]) {
    differentiating(points) { tape, watched, nested in
        let value = function(watched)
        precondition(value.scalarCount == 1,
                     "gradient(at:of:): the function must return one scalar, got shape \(value.shape); use pullback(at:of:) or jacobian(at:of:) for other outputs")
        guard value.isRecorded(on: tape) else {
            return (value.returned(nested: nested), points.map { Tensor(zeros: $0.shape) })
        }
        return (value.returned(nested: nested), tape.gradient(of: value, wrt: watched, createGraph: nested))
    }
}

/// The gradient of a scalar-valued `function` of several tensors with respect to each.
///
/// ```swift
/// gradient(at: [Tensor<Double>(3), Tensor(4)]) { $0[0] * $0[1] }   // [4, 3]
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gradient<Scalar: TensorScalar>(
    at points: [Tensor<Scalar>], of function: ([Tensor<Scalar>]) -> Tensor<Scalar>
) -> [Tensor<Scalar>] {
    valueWithGradient(at: points, of: function).gradient
}

/// The value of `function` of several tensors and its pullback, mapping a cotangent of the
/// output to one cotangent per argument.
///
/// ```swift
/// let (_, back) = pullback(at: [a, b]) { $0[0] * $0[1] }
/// let (da, db) = (back(v)[0], back(v)[1])   // v·b, v·a
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func pullback<Scalar: TensorScalar>(
    at points: [Tensor<Scalar>], of function: ([Tensor<Scalar>]) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, pullback: (Tensor<Scalar>) -> [Tensor<Scalar>]) {
    differentiating(points) { tape, watched, nested in
        let value = function(watched)
        let back: (Tensor<Scalar>) -> [Tensor<Scalar>] = { cotangent in
            precondition(cotangent.shape == value.shape,
                         "pullback: cotangent shape \(cotangent.shape) does not match output shape \(value.shape)")
            guard value.isRecorded(on: tape) else { return points.map { Tensor(zeros: $0.shape) } }
            return tape.gradient(of: value, wrt: watched, seed: cotangent,
                                 createGraph: nested || cotangent.requiresGradient)
        }
        return (value.returned(nested: nested), back)
    }
}

/// The value of a scalar-valued `function` of two tensors and its gradient with respect
/// to each.
///
/// ```swift
/// let (value, (dx, dy)) = valueWithGradient(at: (Tensor<Double>(3), Tensor(4))) { x, y in x * y }
/// // value 12, dx 4, dy 3
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func valueWithGradient<Scalar: TensorScalar>(
    at points: (Tensor<Scalar>, Tensor<Scalar>), of function: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, gradient: (Tensor<Scalar>, Tensor<Scalar>)) {
    let (value, gradients) = valueWithGradient(at: [points.0, points.1]) { function($0[0], $0[1]) }
    return (value, (gradients[0], gradients[1]))
}

/// The gradient of a scalar-valued `function` of two tensors with respect to each.
///
/// ```swift
/// let (dx, dy) = gradient(at: (Tensor<Double>(3), Tensor(4))) { x, y in x * y }   // (4, 3)
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func gradient<Scalar: TensorScalar>(
    at points: (Tensor<Scalar>, Tensor<Scalar>), of function: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>
) -> (Tensor<Scalar>, Tensor<Scalar>) {
    valueWithGradient(at: points, of: function).gradient
}

/// The value of `function` of two tensors and its pullback, mapping a cotangent of the
/// output to the pair of the arguments' cotangents.
///
/// ```swift
/// let (_, back) = pullback(at: (a, b)) { $0.matmul($1) }
/// let (da, db) = back(Tensor(ones: [2, 2]))
/// ```
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
public func pullback<Scalar: TensorScalar>(
    at points: (Tensor<Scalar>, Tensor<Scalar>), of function: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>
) -> (value: Tensor<Scalar>, pullback: (Tensor<Scalar>) -> (Tensor<Scalar>, Tensor<Scalar>)) {
    let (value, back) = pullback(at: [points.0, points.1]) { function($0[0], $0[1]) }
    return (value, { cotangent in
        let cotangents = back(cotangent)
        return (cotangents[0], cotangents[1])
    })
}
