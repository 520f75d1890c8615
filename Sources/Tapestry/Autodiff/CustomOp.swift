extension Tensor where Scalar: TensorScalar {
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
    ///   - isOnceDifferentiable: pass `true` when `pullback` does not compute with Tapestry's
    ///     ops (it reads scalars directly): a sweep with `createGraph: true` then still gives
    ///     first-order gradients, but differentiating through this op's gradient traps with
    ///     the op's name instead of returning a wrong number.
    ///   - pullback: maps the output's cotangent (with the operands and the output) to one
    ///     cotangent per operand, each of that operand's shape or of a shape the operand
    ///     broadcasts to (the tape sums it down). To skip operands that need no gradient,
    ///     use the overload whose pullback receives `NeededGradients`. Built from
    ///     Tapestry's ops, it is differentiable itself, so the op has derivatives of every
    ///     order: in a sweep that creates a graph it receives the tracked operands and
    ///     output.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func differentiable(
        _ name: String, operands: [Tensor], isOnceDifferentiable: Bool = false,
        forward: ([Tensor]) -> Tensor,
        pullback: @escaping (_ cotangent: Tensor, _ operands: [Tensor], _ output: Tensor) -> [Tensor]
    ) -> Tensor {
        differentiable(name, operands: operands, isOnceDifferentiable: isOnceDifferentiable,
                       forward: forward) { g, xs, y, _ in
            pullback(g, xs, y).map { Optional($0) }
        }
    }

    /// Applies an op you define from a forward function and a pullback that is told which
    /// operands need a cotangent, so it computes only those.
    ///
    /// ```swift
    /// let y = Tensor.differentiable("multiply", operands: [a, b]) { $0[0] * $0[1] }
    ///     pullback: { g, xs, _, needs in
    ///         [needs[0] ? g * xs[1] : nil, needs[1] ? g * xs[0] : nil]
    ///     }
    /// ```
    ///
    /// - Parameters:
    ///   - name: the op's name on the tape and in its pictures.
    ///   - operands: the inputs; `forward` receives them untracked.
    ///   - forward: computes the output.
    ///   - isOnceDifferentiable: pass `true` when `pullback` does not compute with Tapestry's
    ///     ops: differentiating through this op's gradient then traps with the op's name.
    ///   - pullback: maps the output's cotangent (with the operands and the output) to one
    ///     entry per operand: `nil` where `needs[i]` is false, else a cotangent of the
    ///     operand's shape or of a shape it broadcasts to (the tape sums it down). Called
    ///     only when some operand needs a cotangent. In a sweep that creates a graph it
    ///     receives the tracked operands and output, so a pullback built from Tapestry's
    ///     ops differentiates again.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func differentiable(
        _ name: String, operands: [Tensor], isOnceDifferentiable: Bool = false,
        forward: ([Tensor]) -> Tensor,
        pullback: @escaping (_ cotangent: Tensor, _ operands: [Tensor], _ output: Tensor, _ needs: NeededGradients) -> [Tensor?]
    ) -> Tensor {
        let values = operands.map { $0.detached() }
        let result = forward(values).detached()
        guard let tape = operands.lazy.compactMap({ $0.recordingTape }).first else { return result }
        if isOnceDifferentiable {
            let tracked = tape.record(name, operands: operands, output: result) { g, needs in
                pullback(g, values, result, needs)
            }
            if let index = tracked.node?.index { tape.markOnceDifferentiable(index) }
            return tracked
        }
        let index = tape.entries.count
        return tape.record(name, operands: operands, output: result) { g, needs in
            // A sweep that creates a graph records again: hand the pullback the tracked
            // operands and output, so what it computes from them is differentiable.
            guard let recording = operands.lazy.compactMap({ $0.recordingTape }).first else {
                return pullback(g, values, result, needs)
            }
            // (What comes back untracked bypassed the tape: the sweep puts it behind a barrier.)
            return pullback(g, operands, recording.tracked(result, asEntry: index), needs)
        }
    }
}
