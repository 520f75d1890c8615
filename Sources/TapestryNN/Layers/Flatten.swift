import Tapestry

/// Flattens each sample to a vector: `[batch, d1, d2, …]` → `[batch, d1·d2·…]`.
public final class Flatten<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String

    /// Creates a flattening layer.
    public init(name: String = "") { self.name = name }

    /// The batch, flattened.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input.flattened() }

    /// The product of the sample's dimensions.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] { [shape.reduce(1, *)] }
}

extension Flatten: PlannableLayer {
    /// A plan that hands the buffers on: flattening moves no scalar.
    public func makeStepPlan(sampleShape: [Int], maximumBatchSize: Int) -> (any LayerStepPlan<Scalar>)? {
        ReshapingStepPlan(outputSampleShape: [sampleShape.reduce(1, *)])
    }
}
