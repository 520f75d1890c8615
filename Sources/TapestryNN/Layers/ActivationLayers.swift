import Tapestry

/// Applies `max(x, 0)` as a layer of its own.
public final class ReLU<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String
    /// Creates a ReLU layer.
    public init(name: String = "") { self.name = name }
    /// `relu`.
    public var activationName: String? { "relu" }
    /// `max(input, 0)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.relu() }
    /// The input's shape.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}

/// Turns logits into probabilities over the last axis, as a layer of its own (the
/// tutorial wraps a trained model with it to predict).
public final class Softmax<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String
    /// Creates a softmax layer.
    public init(name: String = "") { self.name = name }
    /// `softmax`.
    public var activationName: String? { "softmax" }
    /// Softmax over the last axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.softmax() }
    /// The input's shape.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}

extension ReLU: PlannableLayer {
    /// A plan applying `max(x, 0)` into a buffer of its own.
    public func makeStepPlan(sampleShape: [Int], maximumBatchSize: Int) -> (any LayerStepPlan<Scalar>)? {
        ReLUStepPlan(sampleShape: sampleShape, maximumBatchSize: maximumBatchSize)
    }
}
