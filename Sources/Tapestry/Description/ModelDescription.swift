/// A model's structure as plain data: its inputs and layers as nodes, each naming the
/// nodes that feed it, in an order where every node comes after its inputs.
///
/// Models produce one (see ``ModelDescribing``) and tools draw or tabulate it without
/// knowing what kind of model made it: a chain (`Sequential`), a graph of layers with
/// branches and merges, or a user's own class.
///
/// ```swift
/// let description = ModelDescription(name: "mlp", nodes: [
///     .init(name: "input", typeName: "InputLayer", kind: .input, outputShape: [784]),
///     .init(name: "dense", typeName: "Dense", activationName: "relu", outputShape: [64],
///           parameterCount: 50_240, inputs: ["input"]),
/// ], outputs: ["dense"])
/// ```
public struct ModelDescription: Sendable, Hashable {
    /// One input or layer of the model.
    public struct Node: Sendable, Hashable {
        /// Whether a node is where data enters the model or a layer.
        public enum Kind: Sendable, Hashable {
            /// A model input (Keras's `InputLayer`).
            case input
            /// A layer applied to the outputs of other nodes.
            case layer
        }

        /// The node's name, unique within its description (`dense_1`).
        public var name: String
        /// The layer's type as summaries show it (`Dense`, `InputLayer`).
        public var typeName: String
        /// Input or layer.
        public var kind: Kind
        /// A short name of the layer's activation (`relu`), if it has one.
        public var activationName: String?
        /// The shape of one output sample, batch dimension excluded; `nil` when unknown.
        public var outputShape: [Int]?
        /// The number of scalars in the layer's parameters.
        public var parameterCount: Int
        /// How many of those scalars optimizers update.
        public var trainableParameterCount: Int
        /// The names of the nodes whose outputs this node takes, in operand order; a layer
        /// applied several times (shared) lists every node it was applied to.
        public var inputs: [String]
        /// The inner structure of a model used as a layer, if this node is one.
        public var nested: ModelDescription?
        /// The scalar type of the node's output as Keras names it (`float32`), if known.
        public var dtypeName: String?

        /// Creates a node.
        public init(
            name: String, typeName: String, kind: Kind = .layer, activationName: String? = nil,
            outputShape: [Int]? = nil, parameterCount: Int = 0, trainableParameterCount: Int? = nil,
            inputs: [String] = [], nested: ModelDescription? = nil, dtypeName: String? = nil
        ) {
            self.name = name
            self.typeName = typeName
            self.kind = kind
            self.activationName = activationName
            self.outputShape = outputShape
            self.parameterCount = parameterCount
            self.trainableParameterCount = trainableParameterCount ?? parameterCount
            self.inputs = inputs
            self.nested = nested
            self.dtypeName = dtypeName
        }
    }

    /// The model's name (`sequential`).
    public var name: String
    /// The inputs and layers, every node after the nodes it takes.
    public var nodes: [Node]
    /// The names of the nodes whose outputs are the model's outputs.
    public var outputs: [String]

    /// Creates a description.
    public init(name: String, nodes: [Node], outputs: [String]) {
        self.name = name
        self.nodes = nodes
        self.outputs = outputs
    }

    /// The number of parameter scalars in all layers.
    public var parameterCount: Int { nodes.reduce(0) { $0 + $1.parameterCount } }

    /// The number of parameter scalars optimizers update.
    public var trainableParameterCount: Int { nodes.reduce(0) { $0 + $1.trainableParameterCount } }

    /// The node named `name`, if there is one.
    public subscript(name: String) -> Node? { nodes.first { $0.name == name } }
}

/// A model that can describe its structure for diagrams and summaries.
public protocol ModelDescribing {
    /// The model's structure now (layer names, output shapes, parameter counts).
    var modelDescription: ModelDescription { get }
}
