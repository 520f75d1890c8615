import Tapestry

/// Gives each sample another shape with the same number of scalars, such as grayscale
/// images `[28, 28]` → `[28, 28, 1]` for a convolution (Keras's `Reshape`). One dimension
/// may be `-1`, inferred from the others.
public final class Reshape<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String
    /// The shape of one output sample (batch dimension excluded), possibly with one `-1`.
    public let targetShape: [Int]

    /// Creates a reshaping layer.
    ///
    /// - Precondition: positive dimensions, except for at most one `-1`.
    public init(_ targetShape: [Int], name: String = "") {
        checkPrecondition(targetShape.allSatisfy { $0 > 0 || $0 == -1 } && targetShape.filter { $0 == -1 }.count <= 1,
                          "Reshape: target shape \(targetShape) needs positive dimensions and at most one -1")
        self.targetShape = targetShape
        self.name = name
    }

    /// The batch with each sample reshaped.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let sample = input.shape.dropFirst().reduce(1, *)
        let resolved = try? outputShape(forInputShape: Array(input.shape.dropFirst()))
        checkPrecondition(input.rank >= 1 && resolved != nil,
                          "\(name) (Reshape): cannot reshape input \(input.shape) (\(sample) scalars a sample) to [batch] + \(targetShape)")
        return input.reshaped(to: [input.shape[0]] + (resolved ?? targetShape))
    }

    /// `targetShape` with its `-1` resolved.
    ///
    /// - Throws: `ModelError.incompatibleInputShape` when the scalar counts differ.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        let count = shape.reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        guard let inferred = targetShape.firstIndex(of: -1) else {
            guard known == count else {
                throw ModelError.incompatibleInputShape(layer: name, expected: "\(known) scalars (to reshape to \(targetShape))", got: shape)
            }
            return targetShape
        }
        guard known > 0, count % known == 0, count > 0 else {
            throw ModelError.incompatibleInputShape(layer: name, expected: "a multiple of \(known) scalars (to reshape to \(targetShape))", got: shape)
        }
        var resolved = targetShape
        resolved[inferred] = count / known
        return resolved
    }
}

extension Reshape: PlannableLayer {
    /// A plan that hands the buffers on, or `nil` when the shape does not fit.
    public func makeStepPlan(sampleShape: [Int], maximumBatchSize: Int) -> (any LayerStepPlan<Scalar>)? {
        guard let shape = try? outputShape(forInputShape: sampleShape) else { return nil }
        return ReshapingStepPlan(outputSampleShape: shape)
    }
}
