import Tapestry

/// A layer that combines several tensors into one (Keras's merge layers: `Add`,
/// `Concatenate`, …). It is applied to a list, of tensors or of symbolic tensors.
public protocol MergeLayer<Scalar>: Layer {
    /// Combines a batch of each operand, in order.
    func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar>

    /// The shape of one output sample for operands of `shapes` (batch excluded), or an
    /// error naming the layer and the shapes when they do not meet.
    func outputShape(forInputShapes shapes: [[Int]]) throws -> [Int]
}

extension MergeLayer {
    /// A merge takes a list; applied to one tensor it returns it unchanged.
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { self([input]) }

    /// The output shape for one operand of `shape`.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] { try outputShape(forInputShapes: [shape]) }

    /// Applies the merge to symbolic tensors, in operand order.
    ///
    /// - Throws: `ModelError.incompatibleMergeShapes` naming the layer, its operands and
    ///   their shapes when they do not meet.
    public func callAsFunction(_ inputs: [SymbolicTensor<Scalar>]) throws -> SymbolicTensor<Scalar> {
        let shape = try outputShape(forInputShapes: inputs.map(\.shape))
        return SymbolicTensor(node: SymbolicNode(operation: .merge(self), inputs: inputs, shape: shape))
    }

    /// Applies the merge to the tensors labelled with its name on the tape.
    func applyLabelled(to inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        if let tape = inputs.lazy.compactMap(\.tape).first {
            return tape.withLabel(name) { self(inputs) }
        }
        return self(inputs)
    }

    /// Throws unless there are at least two operands of equal shape.
    func requireEqualShapes(_ shapes: [[Int]]) throws -> [Int] {
        guard shapes.count >= 2, let first = shapes.first, shapes.allSatisfy({ $0 == first }) else {
            throw ModelError.incompatibleMergeShapes(
                layer: displayName, shapes: shapes,
                reason: shapes.count < 2 ? "it needs at least two operands" : "the operands must have the same shape")
        }
        return first
    }
}
