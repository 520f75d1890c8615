import Tapestry

/// A placeholder for the tensor a model input or a layer will produce, used to wire layers
/// into a graph (Keras's `KerasTensor`): it knows its sample shape and where it comes from,
/// and holds no values.
///
/// Apply layers to symbolic tensors to build a graph, then make a ``Functional`` model from
/// its inputs and outputs:
///
/// ```swift
/// let input = Input<Float>(shape: [16], name: "features")
/// let hidden = try Dense<Float>(inputSize: 16, outputSize: 16, activation: .relu)(input)
/// let output = try Dense<Float>(inputSize: 16, outputSize: 3)(Add()([input, hidden]))
/// let model = try Functional(inputs: [input], outputs: [output])
/// ```
///
/// Symbolic tensors are immutable values and each one is made from tensors that already
/// exist, so a graph built from them cannot contain a cycle; ``Functional`` checks anyway.
public struct SymbolicTensor<Scalar: TensorScalar>: CustomStringConvertible {
    let node: SymbolicNode<Scalar>

    init(node: SymbolicNode<Scalar>) { self.node = node }

    /// A model input (Keras's `Input`) for samples of `shape`, batch dimension excluded.
    /// Without a name the model calls it `input`, `input_1`, …
    ///
    /// - Precondition: every dimension is positive.
    public init(shape: [Int], name: String? = nil) {
        checkPrecondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 },
                          "Input: the sample shape must have positive dimensions, got \(shape)")
        self.node = SymbolicNode(operation: .input(name: name ?? ""), inputs: [], shape: shape)
    }

    /// The shape of one sample, batch dimension excluded.
    public var shape: [Int] { node.shape }

    /// The name of the input or layer that produces the tensor (empty until named).
    public var sourceName: String { node.name }

    /// `features: [16]`, `dense_1: [64]`.
    public var description: String { "\(node.name.isEmpty ? node.typeName : node.name): \(shape)" }
}

/// Keras's `Input`: `Input<Float>(shape: [28, 28])` makes a symbolic model input.
public typealias Input<Scalar: TensorScalar> = SymbolicTensor<Scalar>

/// One input or one application of a layer in a graph of layers.
final class SymbolicNode<Scalar: TensorScalar> {
    enum Operation {
        /// A model input; its name is fixed when the model is made.
        case input(name: String)
        /// A layer applied to one tensor.
        case layer(any Layer<Scalar>)
        /// A layer applied to a list of tensors (a merge).
        case merge(any MergeLayer<Scalar>)
    }

    var operation: Operation
    let inputs: [SymbolicTensor<Scalar>]
    let shape: [Int]

    init(operation: Operation, inputs: [SymbolicTensor<Scalar>], shape: [Int]) {
        self.operation = operation
        self.inputs = inputs
        self.shape = shape
    }

    /// The layer this node applies (`nil` for an input).
    var layer: (any Layer<Scalar>)? {
        switch operation {
        case .input: nil
        case .layer(let layer): layer
        case .merge(let merge): merge
        }
    }

    /// The input's or the layer's name.
    var name: String {
        if case .input(let name) = operation { return name }
        return layer?.name ?? ""
    }

    /// `InputLayer`, or the layer's type name.
    var typeName: String { layer?.typeName ?? "InputLayer" }
}

extension Layer {
    /// Applies the layer to a symbolic tensor: the symbolic tensor of its output, for
    /// building a ``Functional`` model. Applying one layer to several tensors shares its
    /// parameters between those paths.
    ///
    /// - Throws: `ModelError.incompatibleInputShape` naming the layer and both shapes when
    ///   the layer cannot take samples of the input's shape.
    public func callAsFunction(_ input: SymbolicTensor<Scalar>) throws -> SymbolicTensor<Scalar> {
        let shape: [Int]
        do {
            shape = try outputShape(forInputShape: input.shape)
        } catch ModelError.incompatibleInputShape(_, let expected, let got) {
            throw ModelError.incompatibleInputShape(layer: displayName + " (applied to \(input))", expected: expected, got: got)
        }
        return SymbolicTensor(node: SymbolicNode(operation: .layer(self), inputs: [input], shape: shape))
    }

    /// The name, or the type name while the layer has none.
    var displayName: String { name.isEmpty ? typeName : name }
}

extension SymbolicNode {
    /// The name, or the type name while there is none.
    var displayName: String { name.isEmpty ? typeName : name }
}
