import Tapestry
import TapestryData

/// Cross-entropy between predicted probabilities (or logits) of class 1 and 0/1 (or soft)
/// targets, as Keras's `BinaryCrossentropy`: the mean over all outputs of
/// `−(t·log p + (1 − t)·log(1 − p))`.
///
/// From logits it uses the stable form `max(x, 0) − x·t + log(1 + e^−|x|)`, whose
/// gradient `sigmoid(x) − t` is exact everywhere (no clipping, no overflow); from
/// probabilities `p` is clipped to `[1e-7, 1 − 1e-7]` first, as Keras does.
public struct BinaryCrossentropy: Loss {
    /// Whether predictions are logits (a linear last layer) rather than probabilities.
    public let fromLogits: Bool
    /// The weight ε moved toward ½: targets become `t·(1 − ε) + ε/2`.
    public let labelSmoothing: Double

    /// Creates the loss.
    public init(fromLogits: Bool = false, labelSmoothing: Double = 0) {
        checkLabelSmoothing(labelSmoothing, "BinaryCrossentropy")
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    /// `binary_crossentropy`.
    public var name: String { "binary_crossentropy" }

    /// One target in `[0, 1]` per output (class labels 0 and 1 are accepted as numbers).
    ///
    /// - Throws: `ModelError.incompatibleTargets` for the wrong shape,
    ///   `ModelError.invalidArgument` naming the first sample with a target outside `[0, 1]`.
    public func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
        let prepared = try valueTargets(targets, outputShape: outputShape)
        try checkEveryTarget(prepared, loss: name, outputShape: outputShape, in: "[0, 1]") { $0 >= 0 && $0 <= 1 }
        return prepared
    }

    /// The mean binary cross-entropy over all outputs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        elementLosses(predictions: predictions, targets: targets).mean()
    }

    /// Each sample's mean binary cross-entropy.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        meanPerSample(elementLosses(predictions: predictions, targets: targets))
    }

    /// The binary cross-entropy of each output.
    private func elementLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        var expected = targets.scalars.reshaped(to: predictions.shape)
        if labelSmoothing > 0 { expected = expected * Scalar(1 - labelSmoothing) + Scalar(0.5 * labelSmoothing) }
        if fromLogits { return Tensor.sigmoidCrossEntropy(logits: predictions, targets: expected) }
        let p = predictions.clipped(to: Scalar(1e-7)...Scalar(1 - 1e-7))
        return -(expected * p.log() + (1 - expected) * (1 - p).log())
    }
}

extension Tensor where Scalar: TensorScalar {
    /// `max(x, 0) − x·t + log(1 + e^−|x|)` element-wise: the binary cross-entropy of
    /// logits `x` against targets `t`, without overflow. Differentiable in the logits,
    /// with the exact pullback `g·(sigmoid(x) − t)`; the targets are constants.
    static func sigmoidCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
        let constantTargets = targets.detached()
        return differentiable("sigmoid_cross_entropy", operands: [logits]) { xs in
            xs[0].relu() - xs[0] * constantTargets + ((-xs[0].abs()).exp() + 1).log()
        } pullback: { g, xs, _ in
            [g * (xs[0].sigmoid() - constantTargets)]
        }
    }
}

/// Throws `ModelError.invalidArgument` naming the first sample with a target for which
/// `isValid` fails.
func checkEveryTarget<Scalar: TensorScalar>(
    _ targets: Targets<Scalar>, loss: String, outputShape: [Int], in range: String, where isValid: (Scalar) -> Bool
) throws {
    let values = targets.scalars
    let perSample = max(outputShape.reduce(1, *), 1)
    let invalid = values.withUnsafeScalars { scalars in scalars.firstIndex { !isValid($0) } }
    if let invalid {
        let value = values.withUnsafeScalars { $0[invalid] }
        throw ModelError.invalidArgument("\(loss): target \(value) of sample \(invalid / perSample) is outside \(range)")
    }
}
