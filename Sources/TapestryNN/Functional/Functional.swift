import Tapestry

/// A model whose layers are wired as a graph, Keras's functional API: symbolic inputs,
/// layers applied to symbolic tensors, merges, several inputs and outputs, layers shared by
/// several paths and models used as layers.
///
/// ```swift
/// let input = Input<Float>(shape: [28, 28], name: "image")
/// var x = try Dense<Float>(inputSize: 784, outputSize: 64, activation: .relu)(Flatten()(input))
/// for _ in 0..<2 {
///     let inner = try Dense<Float>(inputSize: 64, outputSize: 64, activation: .relu)(x)
///     x = try Add()([x, inner])
/// }
/// let logits = try Dense<Float>(inputSize: 64, outputSize: 10)(x)
/// let model = try Functional(name: "residual", inputs: [input], outputs: [logits])
/// model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
/// ```
///
/// With one input and one output it is a model like `Sequential` — `fit`, `evaluate`,
/// `predict`, `summary()` (with Keras's "Connected to" column), callbacks, checkpoints — and a
/// layer inside another model. With several, `callAsFunction(_:)` on a list maps inputs to
/// outputs, and `compile(optimizer:losses:lossWeights:metrics:)` with
/// `fit(inputs:targets:…)` trains it with a loss per output.
///
/// Construction checks the graph: an output that needs an input the model was not given
/// (`ModelError.graphDisconnected`), a cycle (`ModelError.cycle`; symbolic tensors are
/// immutable, so one cannot be built, but the traversal guards anyway), and two layers
/// sharing a name. Shape mismatches are reported earlier, when a layer is applied.
public final class Functional<Scalar: TensorScalar>: Model<Scalar> {
    /// The model's inputs, in the order `callAsFunction(_:)` takes them.
    public let inputs: [SymbolicTensor<Scalar>]
    /// The model's outputs, in the order `callAsFunction(_:)` returns them.
    public let outputs: [SymbolicTensor<Scalar>]
    /// Every layer of the graph once (a shared layer too), in the order they first run.
    public let layers: [any Layer<Scalar>]
    /// The graph's nodes, each after its operands.
    let graph: Graph<Scalar>
    /// Per-output losses and weights set by `compile(optimizer:losses:lossWeights:metrics:)`.
    var outputLosses: OutputLosses<Scalar>?

    /// Creates a model computing `outputs` from `inputs`, naming unnamed inputs (`input`,
    /// `input_1`, …) and layers (`dense`, `dense_1`, …) as Keras does.
    ///
    /// - Throws: `ModelError.graphDisconnected` when an output needs an input not listed,
    ///   `ModelError.cycle`, or `ModelError.invalidArgument` for duplicate layer names, no
    ///   inputs or outputs, or an input listed twice.
    public init(name: String = "functional", inputs: [SymbolicTensor<Scalar>], outputs: [SymbolicTensor<Scalar>]) throws {
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw ModelError.invalidArgument("Functional \(name): a model needs at least one input and one output")
        }
        self.graph = try Graph(inputs: inputs, outputs: outputs)
        self.inputs = inputs
        self.outputs = outputs
        self.layers = graph.layers
        // One input and one output: the input as it is; otherwise the packed rows (see
        // `callAsFunction(_:)`), whose size `outputShape(forInputShape:)` checks.
        super.init(name: name, inputShape: inputs.count == 1 && outputs.count == 1 ? inputs[0].shape : nil)
    }

    /// Creates a model with one input and one output.
    public convenience init(name: String = "functional", input: SymbolicTensor<Scalar>, output: SymbolicTensor<Scalar>) throws {
        try self.init(name: name, inputs: [input], outputs: [output])
    }

    /// The names of the inputs (`image`), in order.
    public var inputNames: [String] { inputs.map(\.sourceName) }

    /// The names of the layers producing the outputs (`digit`), in order.
    public var outputNames: [String] { outputs.map(\.sourceName) }

    /// Applies the graph to a batch of each input, in order, and returns a batch of each
    /// output; every layer labels what it records on the tape with its name.
    ///
    /// - Precondition: one tensor per input, each with the input's sample shape.
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> [Tensor<Scalar>] {
        checkPrecondition(inputs.count == self.inputs.count,
                          "\(name) (Functional): expected \(self.inputs.count) inputs, got \(inputs.count)")
        for (tensor, input) in zip(inputs, self.inputs) {
            checkPrecondition(tensor.rank == input.shape.count + 1 && Array(tensor.shape.dropFirst()) == input.shape,
                              "\(name) (Functional): input \(input.sourceName) expects [batch] + \(input.shape), got \(tensor.shape)")
        }
        return graph.run(inputs)
    }

    /// Applies the model to a batch. With one input and one output, that input; with
    /// several, every input flattened and concatenated along axis 1 (in input order), and
    /// the outputs are returned flattened and concatenated the same way.
    public override func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        if inputs.count == 1 && outputs.count == 1 { return self([input])[0] }
        return Self.packed(self(unpacked(input)))
    }

    /// One output sample's shape for one input sample of `shape`: the graph's, for the
    /// shape of its input (the packed sizes for several inputs or outputs).
    public override func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        if inputs.count == 1 && outputs.count == 1 {
            guard shape == inputs[0].shape else {
                throw ModelError.incompatibleInputShape(layer: inputs[0].sourceName, expected: "\(inputs[0].shape)", got: shape)
            }
            return outputs[0].shape
        }
        let size = inputs.reduce(0) { $0 + $1.shape.reduce(1, *) }
        guard shape == [size] else {
            throw ModelError.incompatibleInputShape(
                layer: name, expected: "[\(size)] (inputs \(inputNames.joined(separator: ", ")) flattened and concatenated)", got: shape)
        }
        return [outputs.reduce(0) { $0 + $1.shape.reduce(1, *) }]
    }

    /// Every layer's parameters, in layer order, each once (a shared layer's once).
    public override var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// Each layer's parameters under the layer's name: `dense_1.kernel`, `encoder.dense.bias`.
    public override var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var seen = Set<ObjectIdentifier>()
        return layers.flatMap { layer in
            layer.namedParameters.compactMap { named in
                seen.insert(ObjectIdentifier(named.parameter)).inserted ? (layer.name + "." + named.name, named.parameter) : nil
            }
        }
    }

    /// The inputs, then each layer once with the names of every node it takes (operand
    /// order, every application of a shared layer), each after its inputs where the graph
    /// allows; models used as layers carry their own description as `nested`.
    public override var modelDescription: ModelDescription {
        graph.description(name: name)
    }

    /// A batch of each input, cut from a packed batch.
    func unpacked(_ input: Tensor<Scalar>) -> [Tensor<Scalar>] {
        let sizes = inputs.map { $0.shape.reduce(1, *) }
        checkPrecondition(input.rank == 2 && input.shape[1] == sizes.reduce(0, +),
                          "\(name) (Functional): expected packed inputs [batch, \(sizes.reduce(0, +))], got \(input.shape)")
        let batch = input.shape[0]
        let parts = sizes.count == 1 ? [input] : input.split(sizes: sizes, alongAxis: 1)
        return zip(parts, inputs).map { $0.reshaped(to: [batch] + $1.shape) }
    }

    /// Batches flattened per sample and joined along axis 1.
    static func packed(_ tensors: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let flat = tensors.map { $0.reshaped(to: [$0.shape[0], $0.shape.dropFirst().reduce(1, *)]) }
        return flat.count == 1 ? flat[0] : Tensor(concatenating: flat, alongAxis: 1)
    }
}

extension Functional {
    /// The rows of `summaryText`: each input and each layer once, with the cells' lines
    /// (Keras's "Connected to" lists the tensors a layer takes, one a line, `-` for an input).
    var summaryRows: [[[String]]] {
        let description = modelDescription
        let applications = graph.applications
        return description.nodes.map { node in
            var connected = ["-"]
            if node.kind == .layer, let layer = layers.first(where: { $0.name == node.name }) {
                let names = (applications[ObjectIdentifier(layer)] ?? []).flatMap { graph.operands[$0] }.map(graph.tensorName)
                connected = names.enumerated().map { $0.offset < names.count - 1 ? $0.element + "," : $0.element }
            }
            return [["\(node.name) (\(node.typeName))"], [ModelDescription.batchShapeText(node.outputShape)],
                    [node.parameterCount.groupedByThousands], connected]
        }
    }
}
