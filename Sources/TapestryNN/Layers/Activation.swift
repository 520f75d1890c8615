import Tapestry

/// A function applied to a layer's output, as Keras's `activation=` argument: one of the
/// built-in ones (`.relu`, `.softmax`, …) or your own.
///
/// ```swift
/// /// x · sigmoid(x), also called SiLU.
/// struct Swish: ActivationFunction {
///     func callAsFunction<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x.sigmoid() }
/// }
/// let layer = Dense<Float>(inputSize: 4, outputSize: 8, activation: Activation("swish", Swish()))
/// ```
///
/// Two activations are equal when their names are.
public struct Activation: Sendable, Hashable, CustomStringConvertible {
    /// Keras's name for the activation (`relu`, `linear`, …), shown by summaries and diagrams.
    public let name: String
    private let function: Function

    private enum Function: Sendable {
        case linear, relu, sigmoid, tanh, softmax
        case leakyRelu(slope: Double)
        case custom(any ActivationFunction)
    }

    private init(name: String, function: Function) {
        self.name = name
        self.function = function
    }

    /// An activation of your own, shown as `name`.
    public init(_ name: String, _ function: some ActivationFunction) {
        self.init(name: name, function: .custom(function))
    }

    /// The identity (Keras's `None` / `"linear"`).
    public static let linear = Activation(name: "linear", function: .linear)
    /// `max(x, 0)`.
    public static let relu = Activation(name: "relu", function: .relu)
    /// The logistic function.
    public static let sigmoid = Activation(name: "sigmoid", function: .sigmoid)
    /// Hyperbolic tangent.
    public static let tanh = Activation(name: "tanh", function: .tanh)
    /// Softmax over the last axis.
    public static let softmax = Activation(name: "softmax", function: .softmax)
    /// `x` where positive, else `slope · x`.
    public static func leakyRelu(slope: Double) -> Activation {
        Activation(name: "leaky_relu(\(slope))", function: .leakyRelu(slope: slope))
    }

    /// The slope of a built-in leaky ReLU, `nil` for any other activation (for ONNX export).
    var leakyReluSlope: Double? { if case .leakyRelu(let slope) = function { slope } else { nil } }

    /// Whether this is a custom activation made with `init(_:_:)` (for ONNX export).
    var isCustom: Bool { if case .custom = function { true } else { false } }

    /// Whether this is the identity.
    public var isLinear: Bool { if case .linear = function { true } else { false } }

    /// How a planned training step applies this activation, or `nil` when it cannot (then
    /// the model trains on the tape).
    var planned: PlannedActivation? {
        switch function {
        case .linear: .linear
        case .relu: .relu
        case .softmax: .softmax
        default: nil
        }
    }

    /// Applies the activation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch function {
        case .linear: x
        case .relu: x.relu()
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .softmax: x.softmax()
        case .leakyRelu(let slope): x.leakyRelu(slope: Scalar(slope))
        case .custom(let function): function(x)
        }
    }

    /// The name.
    public var description: String { name }

    /// Equal names.
    public static func == (lhs: Activation, rhs: Activation) -> Bool { lhs.name == rhs.name }

    /// Hashes the name.
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A differentiable element-wise or row-wise function to use as an `Activation`.
///
/// Build it from Tapestry's ops and its gradient comes for free; check it with `gradcheck`.
public protocol ActivationFunction: Sendable {
    /// Applies the function to a batch.
    func callAsFunction<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar>
}

/// An activation a planned training step applies in place on a layer's output buffer.
enum PlannedActivation: Sendable {
    /// The identity.
    case linear
    /// `max(x, 0)`, its pullback masked by the output.
    case relu
    /// Softmax over each sample's outputs.
    case softmax
}
