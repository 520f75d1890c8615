import Tapestry

/// A model that applies its layers one after another, Keras's `Sequential`.
///
/// ```swift
/// let model = Sequential<Float>(inputShape: [28, 28]) {
///     Flatten()
///     Dense(inputSize: 784, outputSize: 64, activation: .relu)
///     Dense(inputSize: 64, outputSize: 64, activation: .relu)
///     Dense(inputSize: 64, outputSize: 10)
/// }
/// ```
///
/// Layers without a name get Keras-style ones (`flatten`, `dense`, `dense_1`, …), and
/// every parameter is named after its layer and the property that holds it
/// (`dense_1.kernel`). A `Sequential` is itself a layer, so models nest (the tutorial
/// wraps a trained model with `Softmax`).
public final class Sequential<Scalar: TensorScalar>: Model<Scalar> {
    /// The layers, in order.
    public let layers: [any Layer<Scalar>]

    /// Creates a model from layers.
    ///
    /// - Precondition: explicit layer names are unique.
    public init(name: String = "sequential", inputShape: [Int]? = nil, layers: [any Layer<Scalar>]) {
        self.layers = layers
        var used = Set(layers.map { $0.name }.filter { !$0.isEmpty })
        if used.count != layers.filter({ !$0.name.isEmpty }).count {
            fatalError("Sequential: layer names must be unique, got \(layers.map { $0.name })")
        }
        var counters: [String: Int] = [:]
        for layer in layers where layer.name.isEmpty {
            let base = Self.snakeCase(layer.typeName)
            var candidate: String
            repeat {
                let count = counters[base, default: 0]
                counters[base] = count + 1
                candidate = count == 0 ? base : "\(base)_\(count)"
            } while used.contains(candidate)
            used.insert(candidate)
            layer.name = candidate
        }
        super.init(name: name, inputShape: inputShape)
    }

    /// Creates a model from layers listed in a builder block.
    public convenience init(
        name: String = "sequential", inputShape: [Int]? = nil,
        @LayerBuilder<Scalar> _ build: () -> [any Layer<Scalar>]
    ) {
        self.init(name: name, inputShape: inputShape, layers: build())
    }

    /// Every layer's parameters, in layer order, each once.
    public override var parameters: [Parameter<Scalar>] {
        var seen = Set<ObjectIdentifier>()
        return layers.flatMap { $0.parameters }.filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// Each layer's parameters under the layer's name: `dense_1.kernel`,
    /// `residual.first.bias`.
    public override var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var seen = Set<ObjectIdentifier>()
        return layers.flatMap { layer in
            layer.namedParameters.compactMap { named in
                seen.insert(ObjectIdentifier(named.parameter)).inserted ? (layer.name + "." + named.name, named.parameter) : nil
            }
        }
    }

    /// Applies the layers in order, each labelled with its name on the tape.
    ///
    /// In inference (not training, nothing tracked), a `Conv2D` with a ReLU or linear
    /// activation immediately followed by a `MaxPooling2D` runs as one op
    /// (`convolvedAndMaxPooled2D`), which pools the convolution while it is in cache; the
    /// result is the same.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public override func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard !LearningPhase.isTraining, !input.isTracked else {
            return layers.reduce(input) { x, layer in layer.applyLabelled(to: x) }
        }
        var x = input, index = layers.startIndex
        while index < layers.endIndex {
            if index + 1 < layers.endIndex, let fused = Self.convolvedAndPooled(x, layers[index], layers[index + 1]) {
                x = fused
                index += 2
            } else {
                x = layers[index].applyLabelled(to: x)
                index += 1
            }
        }
        return x
    }

    /// `pool(conv(x))` as one fused op when `first` is an untracked `Conv2D` with a ReLU
    /// or linear activation, `second` a `MaxPooling2D`, and `x` fits the convolution;
    /// otherwise `nil` (the layers then run one by one, with their own checks).
    static func convolvedAndPooled(_ x: Tensor<Scalar>, _ first: any Layer<Scalar>, _ second: any Layer<Scalar>) -> Tensor<Scalar>? {
        guard let conv = first as? Conv2D<Scalar>, let pool = second as? MaxPooling2D<Scalar>,
              !conv.activation.isCustom, !conv.kernel.value.isTracked, !conv.bias.value.isTracked,
              x.rank == 4, x.shape[3] == conv.inputChannels else { return nil }
        let rectified = conv.activation.name == Activation.relu.name
        guard rectified || conv.activation.isLinear else { return nil }
        return x.convolvedAndMaxPooled2D(
            with: conv.kernel.value, bias: conv.bias.value, strides: conv.strides, padding: conv.padding,
            dilation: conv.dilation, rectified: rectified,
            poolSize: pool.poolSize, poolStrides: pool.strides, poolPadding: pool.padding)
    }

    /// The output shape of the last layer.
    public override func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        try layers.reduce(shape) { try $1.outputShape(forInputShape: $0) }
    }

    /// Each layer's output shape for the model's `inputShape`, or `nil` without one.
    public func layerOutputShapes() throws -> [[Int]]? {
        guard let inputShape else { return nil }
        var shape = inputShape
        return try layers.map { layer in
            shape = try layer.outputShape(forInputShape: shape)
            return shape
        }
    }

    /// An input node (when the input shape is known) and the layers in a chain; a model
    /// used as a layer carries its own description as `nested`.
    public override var modelDescription: ModelDescription {
        var nodes: [ModelDescription.Node] = []
        var previous: [String] = []
        if let inputShape {
            nodes.append(.init(name: "input", typeName: "InputLayer", kind: .input, outputShape: inputShape,
                               dtypeName: Self.dtypeName))
            previous = ["input"]
        }
        var shape = inputShape
        for layer in layers {
            shape = shape.flatMap { try? layer.outputShape(forInputShape: $0) }
            nodes.append(layer.description(outputShape: shape, inputs: previous))
            previous = [layer.name]
        }
        return ModelDescription(name: name, nodes: nodes, outputs: previous)
    }
}

/// Builds the layer list of a `Sequential` from a block of layer expressions.
@resultBuilder
public enum LayerBuilder<Scalar: TensorScalar> {
    /// One layer.
    public static func buildExpression(_ layer: any Layer<Scalar>) -> [any Layer<Scalar>] { [layer] }
    /// Several layers.
    public static func buildExpression(_ layers: [any Layer<Scalar>]) -> [any Layer<Scalar>] { layers }
    /// The layers of a block, in order.
    public static func buildBlock(_ parts: [any Layer<Scalar>]...) -> [any Layer<Scalar>] { parts.flatMap { $0 } }
    /// An `if` without `else`.
    public static func buildOptional(_ part: [any Layer<Scalar>]?) -> [any Layer<Scalar>] { part ?? [] }
    /// The taken branch of an `if`/`else`.
    public static func buildEither(first part: [any Layer<Scalar>]) -> [any Layer<Scalar>] { part }
    /// The taken branch of an `if`/`else`.
    public static func buildEither(second part: [any Layer<Scalar>]) -> [any Layer<Scalar>] { part }
    /// A `for` loop.
    public static func buildArray(_ parts: [[any Layer<Scalar>]]) -> [any Layer<Scalar>] { parts.flatMap { $0 } }
}
