// Ops whose pullback cannot be differentiated (PyTorch's `once_differentiable`): a sweep
// that creates a graph still computes their first-order cotangents, but records them
// behind a barrier entry that traps, naming the op, if a later sweep differentiates
// through it. A wrong number is never returned.

extension Tape where Scalar: TensorScalar {
    /// The cotangents of once-differentiable `entry` during a sweep that creates a graph:
    /// its pullback runs unrecorded, and each cotangent is recorded as the output of a
    /// barrier op `<op>_backward` over the cotangent and the op's operands, whose own
    /// pullback traps.
    func onceDifferentiableCotangents(
        _ entry: TapeEntry, _ pullback: SelectivePullback, _ cotangent: Tensor<Scalar>, _ needed: NeededGradients
    ) -> [Tensor<Scalar>?] {
        let cotangents = withoutRecording { pullback(cotangent.detached(), needed) }
        let cotangentIndex = cotangent.node.flatMap { $0.tape === self ? $0.index : nil } ?? -1
        let op = entry.op
        return cotangents.map { returned in
            returned.map { value in
                record("\(op)_backward", operandIndices: [cotangentIndex] + entry.operands, output: value) { _, _ in
                    preconditionFailure("""
                        \(op): this op's pullback is not differentiable (it is once-differentiable), so its \
                        gradient cannot be differentiated again; build the op's pullback from Tapestry's ops \
                        to get higher-order derivatives through it
                        """)
                }
            }
        }
    }

    /// Marks entry `index` as once-differentiable.
    func markOnceDifferentiable(_ index: Int) {
        onceDifferentiable.insert(index)
    }
}
