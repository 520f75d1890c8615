import Tapestry

/// An element-wise or row-wise activation function, as Keras's `activation=` argument.
public enum Activation: Sendable, Hashable, CustomStringConvertible {
    /// The identity (Keras's `None` / `"linear"`).
    case linear
    /// `max(x, 0)`.
    case relu
    /// `x` where positive, else `slope · x`.
    case leakyRelu(slope: Double)
    /// The logistic function.
    case sigmoid
    /// Hyperbolic tangent.
    case tanh
    /// Softmax over the last axis.
    case softmax

    /// Applies the activation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch self {
        case .linear: x
        case .relu: x.relu()
        case .leakyRelu(let slope): x.leakyRelu(slope: Scalar(slope))
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .softmax: x.softmax()
        }
    }

    /// Keras's name for it (`relu`, `linear`, …).
    public var description: String {
        switch self {
        case .linear: "linear"
        case .relu: "relu"
        case .leakyRelu(let slope): "leaky_relu(\(slope))"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .softmax: "softmax"
        }
    }
}
