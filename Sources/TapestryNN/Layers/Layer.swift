import Tapestry

/// A building block of a model: a differentiable function of its input and its
/// parameters.
///
/// Layers are reference types, like Keras layers and PyTorch modules: a model, its
/// optimizer and its callbacks share them. Write your own by conforming a final class:
///
/// ```swift
/// final class Residual: Layer {
///     var name = "residual"
///     let inner = Dense<Float>(inputSize: 16, outputSize: 16, activation: .relu)
///     var parameters: [Parameter<Float>] { inner.parameters }
///     func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { x + inner(x) }
///     func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
/// }
/// ```
public protocol Layer<Scalar>: AnyObject {
    /// The scalar type of the layer's parameters and activations.
    associatedtype Scalar: TensorScalar

    /// The layer's name, unique within its model (`dense`, `dense_1`, …).
    var name: String { get set }

    /// The layer's type as `summary()` shows it (`Dense`); defaults to the class name.
    var typeName: String { get }

    /// A short description of the activation, for diagrams (`relu`), if the layer has one.
    var activationName: String? { get }

    /// The layer's parameters, in a stable order; empty for layers without weights.
    var parameters: [Parameter<Scalar>] { get }

    /// Applies the layer to a batch (the first dimension is the batch).
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>

    /// The shape of one output sample for one input sample of `shape` (batch dimension
    /// excluded), or an error saying why the layer cannot take that shape.
    func outputShape(forInputShape shape: [Int]) throws -> [Int]
}

extension Layer {
    /// The class name.
    public var typeName: String { String(describing: type(of: self)).components(separatedBy: "<").first ?? "Layer" }

    /// No activation.
    public var activationName: String? { nil }

    /// No parameters.
    public var parameters: [Parameter<Scalar>] { [] }

    /// The number of scalars in all parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.scalarCount } }

    /// Applies the layer with its name as the label of everything it records on the tape
    /// (so the recorded tape groups ops by layer).
    public func applyLabelled(to input: Tensor<Scalar>) -> Tensor<Scalar> {
        if let tape = input.tape ?? parameters.lazy.compactMap({ $0.value.tape }).first {
            return tape.withLabel(name) { self(input) }
        }
        return self(input)
    }

    /// Gives the parameters dotted names from the layer's name and the property path that
    /// holds them, found by reflection like PyTorch's `named_parameters`: `dense.kernel`,
    /// and for a custom block with `first` and `second` dense layers
    /// `residual.first.kernel`. A parameter not reachable through stored properties is
    /// named `layer.localName`.
    func assignParameterNames() {
        var names: [ObjectIdentifier: String] = [:]
        collectParameterNames(of: self, prefix: name, depth: 0, into: &names)
        for parameter in parameters {
            parameter.name = names[ObjectIdentifier(parameter)] ?? "\(name).\(parameter.localName)"
        }
    }

    private func collectParameterNames(of value: Any, prefix: String, depth: Int, into names: inout [ObjectIdentifier: String]) {
        guard depth < 8 else { return }
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            let path = prefix + "." + label
            if let parameter = child.value as? Parameter<Scalar> {
                names[ObjectIdentifier(parameter)] = names[ObjectIdentifier(parameter)] ?? path
            } else if let layer = child.value as? any Layer {
                collectParameterNames(of: layer, prefix: path, depth: depth + 1, into: &names)
            } else if let layers = child.value as? [any Layer] {
                for (index, layer) in layers.enumerated() {
                    collectParameterNames(of: layer, prefix: "\(path).\(index)", depth: depth + 1, into: &names)
                }
            }
        }
    }
}
