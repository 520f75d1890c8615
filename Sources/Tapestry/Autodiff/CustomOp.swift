extension Tensor {
    /// Applies an op you define from a forward function and its pullback, recorded on the
    /// tape like the built-in ops (and checkable with `gradcheck`).
    ///
    /// ```swift
    /// // softplus(x) = log(1 + eˣ), whose derivative is sigmoid(x)
    /// let y = Tensor.differentiable("softplus", operands: [x]) { xs in
    ///     (xs[0].exp() + 1).log()
    /// } pullback: { g, xs, _ in
    ///     [g * xs[0].sigmoid()]
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - name: the op's name on the tape and in its pictures.
    ///   - operands: the inputs; `forward` receives them untracked.
    ///   - forward: computes the output.
    ///   - pullback: maps the output's cotangent (with the operands and the output) to one
    ///     cotangent per operand, each of that operand's shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func differentiable(
        _ name: String, operands: [Tensor],
        forward: ([Tensor]) -> Tensor,
        pullback: @escaping (_ cotangent: Tensor, _ operands: [Tensor], _ output: Tensor) -> [Tensor]
    ) -> Tensor {
        let values = operands.map { $0.detached() }
        let result = forward(values).detached()
        guard let tape = operands.lazy.compactMap({ $0.recordingTape }).first else { return result }
        return tape.record(name, operands: operands, output: result) { g in
            let cotangents = pullback(g, values, result)
            precondition(cotangents.count == operands.count,
                         "\(name): pullback returned \(cotangents.count) cotangents for \(operands.count) operands")
            return cotangents.map { Optional($0) }
        }
    }
}
