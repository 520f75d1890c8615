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
/// Layers without a name get Keras-style ones (`flatten`, `dense`, `dense_1`, …), so every
/// parameter has a stable dotted name (`dense_1.kernel`). A `Sequential` is itself a
/// `Layer`, so models nest (the tutorial wraps a trained model with `Softmax`).
public final class Sequential<Scalar: TensorScalar>: Layer {
    /// The model's name (`sequential` by default).
    public var name: String
    /// The layers, in order.
    public let layers: [any Layer<Scalar>]
    /// The shape of one input sample (batch dimension excluded), if given; `summary()` and
    /// input validation need it.
    public let inputShape: [Int]?

    /// What `compile` configured.
    var configuration: TrainingConfiguration<Scalar>?

    /// When true, every training step checks each op's output and each pullback's
    /// cotangents for NaN and infinity (like `torch.autograd.detect_anomaly`), and `fit`
    /// throws `ModelError.anomaly` naming the first offending op, its layer and its shape,
    /// before the optimizer touches the weights. Off by default: it costs a pass over
    /// every intermediate tensor.
    public var detectsAnomalies = false

    /// Creates a model from layers.
    ///
    /// - Precondition: explicit layer names are unique.
    public init(name: String = "sequential", inputShape: [Int]? = nil, layers: [any Layer<Scalar>]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        var used = Set(layers.map { $0.name }.filter { !$0.isEmpty })
        precondition(used.count == layers.filter { !$0.name.isEmpty }.count,
                     "Sequential: layer names must be unique, got \(layers.map { $0.name })")
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
        // A nested model has named its own parameters already; keeping those names lets its
        // checkpoints load either way.
        for layer in layers where !(layer is Sequential<Scalar>) { layer.assignParameterNames() }
    }

    /// Creates a model from layers listed in a builder block.
    public convenience init(
        name: String = "sequential", inputShape: [Int]? = nil,
        @LayerBuilder<Scalar> _ build: () -> [any Layer<Scalar>]
    ) {
        self.init(name: name, inputShape: inputShape, layers: build())
    }

    /// Every layer's parameters, in layer order.
    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }

    /// The parameters optimizers update.
    public var trainableParameters: [Parameter<Scalar>] { parameters.filter { $0.isTrainable } }

    /// Applies the layers in order, each labelled with its name on the tape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        layers.reduce(input) { x, layer in layer.applyLabelled(to: x) }
    }

    /// The output shape of the last layer.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
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
