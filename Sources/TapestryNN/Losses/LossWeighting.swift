import Tapestry
import TapestryData

extension Loss {
    /// The batch loss with each sample's loss weighted, as Keras does for `sample_weight`
    /// and `class_weight`: `Σ wᵢ·lossᵢ / batch`. `nil` when the loss has no
    /// `sampleLosses` (it cannot be weighted).
    ///
    /// - Precondition: one weight per sample.
    public func callAsFunction<Scalar: TensorScalar>(
        predictions: Tensor<Scalar>, targets: Targets<Scalar>, sampleWeights: Tensor<Scalar>
    ) -> Tensor<Scalar>? {
        guard let losses = sampleLosses(predictions: predictions, targets: targets) else { return nil }
        checkPrecondition(sampleWeights.scalarCount == losses.scalarCount,
                          "\(name): \(sampleWeights.shape) sample weights for a batch of \(losses.shape)")
        return (losses * sampleWeights.reshaped(to: losses.shape)).mean()
    }
}

extension Targets {
    /// Each sample's weight from per-class weights, as Keras's `class_weight`: the class of
    /// a sample is its label, the argmax of its target row, or its single target rounded
    /// (binary); classes missing from `classWeights` weigh 1.
    public func sampleWeights(classWeights: [Int: Double]) -> Tensor<Scalar> {
        let classes: [Int]
        switch self {
        case .labels(let labels):
            classes = labels.scalars.map { Int($0) }
        case .values(let values) where values.scalarCount == sampleCount:
            classes = values.scalars.map { Int($0.rounded()) }
        case .values(let values):
            classes = values.reshaped(to: [sampleCount, values.scalarCount / Swift.max(sampleCount, 1)])
                .argmax(alongAxis: -1).scalars.map { Int($0) }
        }
        return Tensor(classes.map { Scalar(classWeights[$0] ?? 1) })
    }
}
