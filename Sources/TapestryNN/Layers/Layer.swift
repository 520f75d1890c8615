import Tapestry

/// A building block of a model: a differentiable function of its input and its
/// parameters.
///
/// Layers are reference types, like Keras layers and PyTorch modules: a model, its
/// optimizer and its callbacks share them. Write your own by conforming a final class;
/// its parameters — its own `Parameter`s and those of the layers it holds — are found
/// through its stored properties and named after them (`residual.first.kernel`), like
/// PyTorch's `named_parameters`:
///
/// ```swift
/// final class Residual: Layer {
///     var name = "residual"
///     let inner = Dense<Float>(inputSize: 16, outputSize: 16, activation: .relu)
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

    /// The layer's parameters, in a stable order, each once; by default every `Parameter`
    /// reachable through the stored properties, in declaration order.
    var parameters: [Parameter<Scalar>] { get }

    /// The parameters with dotted names relative to the layer (`kernel`, `first.kernel`);
    /// by default derived from the property paths that hold them.
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }

    /// Applies the layer to a batch (the first dimension is the batch).
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar>

    /// The shape of one output sample for one input sample of `shape` (batch dimension
    /// excluded), or an error saying why the layer cannot take that shape.
    func outputShape(forInputShape shape: [Int]) throws -> [Int]
}

extension Layer {
    /// The class name without generic arguments (`Dense`).
    public var typeName: String { String(describing: type(of: self)).components(separatedBy: "<").first ?? "Layer" }

    /// No activation.
    public var activationName: String? { nil }

    /// Every parameter reachable through stored properties, in declaration order.
    public var parameters: [Parameter<Scalar>] { ParameterPaths.collect(in: self).map(\.parameter) }

    /// Each of `parameters` named by the property path that reaches it (`first.kernel`),
    /// or by its own `localName` when no stored property does.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        ParameterPaths.name(parameters, foundIn: self)
    }

    /// The parameters optimizers update.
    public var trainableParameters: [Parameter<Scalar>] { parameters.filter(\.isTrainable) }

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
}
