// Where the functional transforms (`gradient(at:of:)`, `hessian(at:of:)`, …) record. Each
// call records on a fresh tape, unless it runs inside another transform or its input is
// already tracked: then it records on that tape and builds a graph, so the outer
// transform can differentiate what the inner one computed (any depth of nesting).

/// The tape of the innermost transform running on this task, if any.
enum TransformContext {
    /// A tape, type-erased so that one task-local serves `Tape<Float>` and `Tape<Double>`.
    struct ActiveTape: @unchecked Sendable {
        let tape: AnyObject
    }

    /// The tape the innermost running transform records on.
    @TaskLocal static var active: ActiveTape?
}

/// Runs `body` with a tape and tracked stand-ins for `points`, as every transform does.
///
/// The tape is the one `points` are already recorded on, else the innermost running
/// transform's, else a fresh one. On a reused tape (`nested` is true) each point gets a
/// new entry (`watch`, an identity op on a tracked point) so that gradients with respect to
/// it count only the paths through the transform's function, not through other uses of
/// the point; the transform then sweeps with `createGraph: true` so its results stay
/// differentiable for the enclosing computation.
func differentiating<Scalar: TensorScalar, Result>(
    _ points: [Tensor<Scalar>], _ body: (_ tape: Tape<Scalar>, _ watched: [Tensor<Scalar>], _ nested: Bool) -> Result
) -> Result {
    let enclosing = points.lazy.compactMap { $0.recordingTape }.first
        ?? (TransformContext.active?.tape as? Tape<Scalar>).flatMap { $0.isRecording ? $0 : nil }
    let tape = enclosing ?? Tape<Scalar>()
    let watched = points.map { tape.watchingAgain($0) }
    return TransformContext.$active.withValue(.init(tape: tape)) {
        body(tape, watched, enclosing != nil)
    }
}

extension Tape where Scalar: TensorScalar {
    /// Runs `body` with this tape as the one the functional transforms called in it
    /// (`gradient(at:of:)`, `hessian(at:of:)`, …) record on: they sweep with
    /// `createGraph: true`, so what they return stays differentiable on this tape — a
    /// gradient penalty in a loss, for example. TapestryNN's `valueWithGradient` runs its
    /// body so.
    ///
    /// ```swift
    /// let tape = Tape<Double>()
    /// let w = tape.watch(Tensor([0.5, -1]), name: "w")
    /// let penalty = tape.enclosingTransforms {
    ///     gradient(at: Tensor<Double>([1, 2])) { x in (x * w).sum().squared() }.squared().sum()
    /// }
    /// let dw = tape.gradient(of: penalty, wrt: w)   // through the inner gradient
    /// ```
    public func enclosingTransforms<Result>(_ body: () throws -> Result) rethrows -> Result {
        try TransformContext.$active.withValue(.init(tape: self)) { try body() }
    }

    /// `point` as a new variable of this tape: a leaf if it is not recorded here, else an
    /// identity op (`watch`) over its entry, through which gradients flow on.
    func watchingAgain(_ point: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let node = point.node, node.tape === self else { return watch(point.detached()) }
        return record("watch", operandIndices: [node.index], output: point.detached()) { g, _ in [g] }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Whether this tensor was recorded on `tape` (so a sweep of it can start here).
    func isRecorded(on tape: Tape<Scalar>) -> Bool { node?.tape === tape }

    /// The tensor as a transform returns it: still tracked when the transform is nested
    /// (the enclosing computation differentiates it), else detached from the transform's
    /// private tape.
    func returned(nested: Bool) -> Tensor { nested ? self : detached() }
}
