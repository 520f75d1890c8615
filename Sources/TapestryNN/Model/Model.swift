import Tapestry

/// A layer that can be trained: the home of `compile`, `fit`, `evaluate`, `predict`,
/// `summary()`, checkpoints, callbacks and diagrams, as Keras's `Model`.
///
/// `Sequential` is a model; so is your own subclass. Override `callAsFunction(_:)`; the
/// layers and parameters you keep in stored properties are found and named after those
/// properties (`encoder.kernel`), so the whole workflow works without more code:
///
/// ```swift
/// final class TwoTower: Model<Float> {
///     let left = Dense<Float>(inputSize: 4, outputSize: 8, activation: .relu)
///     let right = Dense<Float>(inputSize: 4, outputSize: 8, activation: .tanh)
///     let head = Dense<Float>(inputSize: 8, outputSize: 3)
///
///     init() { super.init(name: "two_tower", inputShape: [4]) }
///
///     override func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
///         head(left(x) + right(x))
///     }
/// }
/// ```
///
/// A custom training loop uses the same step `fit` uses: `valueWithGradient(of:)` and an
/// optimizer.
open class Model<Scalar: TensorScalar>: Layer, ModelDescribing {
    /// The model's name (`sequential`, or the class name in snake case).
    public var name: String
    /// The shape of one input sample (batch dimension excluded), if known; `summary()`,
    /// diagrams and input validation need it.
    public let inputShape: [Int]?

    /// What `compile` configured.
    var trainingConfiguration: TrainingConfiguration<Scalar>?

    /// When true, every training step checks each op's output and each pullback's
    /// cotangents for NaN and infinity (like `torch.autograd.detect_anomaly`), and `fit`
    /// throws `ModelError.anomaly` naming the first offending op, its layer and its shape,
    /// before the optimizer touches the weights. Off by default: it costs a pass over
    /// every intermediate tensor.
    public var detectsAnomalies = false

    /// When true (the default), `fit`, `evaluate` and `predict` check every batch's inputs
    /// (and float targets) for NaN and infinity as it is gathered, and throw
    /// `ModelError.nonFiniteData` naming the sample instead of training to NaN weights. The
    /// check is one vectorised pass over each batch; turn it off for data known to be clean.
    public var checksInputsAreFinite = true

    /// Creates a model; without a name, the class name in snake case (`TwoTower` →
    /// `two_tower`).
    public init(name: String? = nil, inputShape: [Int]? = nil) {
        self.inputShape = inputShape
        self.name = ""
        self.name = name ?? Self.snakeCase(typeName)
        // A subclass's stored properties are set before this runs: layers it holds without
        // a name take the property's (`encoder`), as PyTorch names modules by attribute.
        for (property, layer) in ParameterPaths.layers(in: self) as [(property: String, layer: any Layer<Scalar>)]
        where layer.name.isEmpty {
            layer.name = property
        }
    }

    /// Applies the model to a batch. Subclasses override it.
    open func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        fatalError("\(typeName) (\(name)): a Model subclass must override callAsFunction(_:)")
    }

    /// Applies the model to a batch after checking that its samples have the model's
    /// `inputShape`, like calling a Keras model: a wrong shape throws instead of trapping.
    ///
    /// ```swift
    /// let logits = try model(checking: batch)
    /// ```
    ///
    /// - Throws: `ModelError.incompatibleInputShape` naming the first layer and both shapes.
    public func callAsFunction(checking input: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard input.rank >= 1 else {
            throw ModelError.incompatibleInputShape(layer: name, expected: "a batch dimension first", got: input.shape)
        }
        _ = try validate(sampleShape: Array(input.shape.dropFirst()), operation: "call")
        return self(input)
    }

    /// Every parameter reachable through the model's stored properties, each once.
    open var parameters: [Parameter<Scalar>] { namedParameters.map(\.parameter) }

    /// The parameters named by the property paths that hold them (`encoder.kernel`).
    open var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { ParameterPaths.collect(in: self) }

    /// The output shape for one sample of `shape`, found by running the model on one
    /// sample of zeros without recording; `Sequential` asks its layers instead.
    open func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        guard !shape.contains(where: { $0 <= 0 }) else {
            throw ModelError.incompatibleInputShape(layer: name, expected: "positive dimensions", got: shape)
        }
        return Array(self(Tensor(zeros: [1] + shape)).shape.dropFirst())
    }

    /// The model as one layer over its input, with the layers it holds as the nested
    /// structure (connections are known only to its `callAsFunction`).
    open var modelDescription: ModelDescription {
        let layers: [(property: String, layer: any Layer<Scalar>)] = ParameterPaths.layers(in: self)
        let inner = ModelDescription(
            name: name,
            nodes: layers.map { $0.layer.description(outputShape: nil, inputs: []) },
            outputs: [])
        let outputShape = inputShape.flatMap { try? self.outputShape(forInputShape: $0) }
        var nodes: [ModelDescription.Node] = []
        if let inputShape {
            nodes.append(.init(name: "input", typeName: "InputLayer", kind: .input, outputShape: inputShape,
                               dtypeName: Self.dtypeName))
        }
        var node = description(outputShape: outputShape, inputs: inputShape == nil ? [] : ["input"], nesting: false)
        node.nested = inner
        nodes.append(node)
        return ModelDescription(name: name, nodes: nodes, outputs: [name])
    }

    /// Keras's name of the scalar type: `float32`, `float64`.
    static var dtypeName: String {
        let name = Scalar.dtypeName
        return (name.hasPrefix("F") ? "float" : name.hasPrefix("I") ? "int" : name.lowercased()) + name.dropFirst()
    }

    /// `DenseBlock` → `dense_block`, `ReLU` → `re_lu` (Keras's rule).
    static func snakeCase(_ typeName: String) -> String {
        var result = ""
        let characters = Array(typeName)
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0,
               characters[index - 1].isLowercase || (index + 1 < characters.count && characters[index + 1].isLowercase) {
                result.append("_")
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }
}

extension Layer {
    /// This layer as a node of a model description; a model used as a layer shows its own
    /// description nested unless `nesting` is false.
    func description(outputShape: [Int]?, inputs: [String], nesting: Bool = true) -> ModelDescription.Node {
        let parameters = self.parameters
        return ModelDescription.Node(
            name: name, typeName: typeName, kind: .layer,
            activationName: activationName.flatMap { $0 == "linear" ? nil : $0 },
            outputShape: outputShape,
            parameterCount: parameters.reduce(0) { $0 + $1.value.scalarCount },
            trainableParameterCount: parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.scalarCount },
            inputs: inputs,
            nested: nesting ? (self as? any ModelDescribing)?.modelDescription : nil,
            dtypeName: Model<Scalar>.dtypeName)
    }
}
