// Ops whose pullback cannot be differentiated (PyTorch's `once_differentiable`): ops
// declared so, and any op whose pullback returns an untracked cotangent while a sweep
// builds a graph (it computed with kernels the tape does not record). Such a sweep still
// gives their first-order cotangents, but records each behind a barrier entry,
// `<op>_backward`, whose pullback traps naming the op if a later sweep differentiates
// through it. A wrong number is never returned.

extension Tape where Scalar: TensorScalar {
    /// The cotangents of once-differentiable `entry` during a sweep that creates a graph:
    /// its pullback runs unrecorded on untracked values, and each cotangent is put behind a
    /// barrier.
    func onceDifferentiableCotangents(
        _ entry: TapeEntry, _ pullback: SelectivePullback, _ cotangent: Tensor<Scalar>, _ needed: NeededGradients
    ) -> [Tensor<Scalar>?] {
        let cotangents = withoutRecording { pullback(cotangent.detached(), needed) }
        return cotangents.map { returned in returned.map { behindBarrier($0, of: entry, cotangent: cotangent) } }
    }

    /// `value`, a cotangent `entry`'s pullback computed without recording, as the output of
    /// a barrier op over the entry's cotangent and operands: differentiating through it
    /// traps, naming the op.
    func behindBarrier(_ value: Tensor<Scalar>, of entry: TapeEntry, cotangent: Tensor<Scalar>) -> Tensor<Scalar> {
        let cotangentIndex = cotangent.node.flatMap { $0.tape === self ? $0.index : nil } ?? -1
        let op = entry.op
        if !onceDifferentiableOps.contains(op) { onceDifferentiableOps.append(op) }
        return record("\(op)_backward", operandIndices: [cotangentIndex] + entry.operands, output: value.detached()) { _, _ in
            preconditionFailure("""
                \(op): this op's pullback is not differentiable (it is once-differentiable: it computes with \
                kernels the tape does not record, or was declared isOnceDifferentiable: true), so its gradient \
                cannot be differentiated again; build the pullback from Tapestry's ops to get higher-order \
                derivatives through it
                """)
        }
    }

    /// Marks entry `index` as once-differentiable.
    func markOnceDifferentiable(_ index: Int) {
        onceDifferentiable.insert(index)
    }
}
