import Tapestry
import TapestryData

/// The mean of absolute differences, as Keras's `MeanAbsoluteError`.
public struct MeanAbsoluteError: Loss {
    /// Creates the loss.
    public init() {}

    /// `mean_absolute_error`.
    public var name: String { "mean_absolute_error" }

    /// `mean(|predictions − targets|)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        (predictions - targets.scalars.reshaped(to: predictions.shape)).abs().mean()
    }

    /// Each sample's mean absolute difference.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        meanPerSample((predictions - targets.scalars.reshaped(to: predictions.shape)).abs())
    }
}

/// The Huber loss, as Keras's `Huber`: for each error `e = prediction − target`,
/// `½e²` where `|e| ≤ δ` and `δ·|e| − ½δ²` beyond, averaged — quadratic near the target,
/// linear (and so robust to outliers) far from it.
public struct Huber: Loss {
    /// Where the loss turns from quadratic to linear.
    public let delta: Double

    /// Creates the loss; `delta` must be positive.
    public init(delta: Double = 1) {
        if !(delta > 0 && delta.isFinite) { fatalError("Huber: delta must be positive and finite, got \(delta)") }
        self.delta = delta
    }

    /// `huber_loss`.
    public var name: String { "huber_loss" }

    /// The mean Huber loss over all outputs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        elementLosses(predictions: predictions, targets: targets).mean()
    }

    /// Each sample's mean Huber loss.
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        meanPerSample(elementLosses(predictions: predictions, targets: targets))
    }

    /// The Huber loss of each output.
    private func elementLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        let error = predictions - targets.scalars.reshaped(to: predictions.shape)
        let magnitude = error.abs(), delta = Scalar(delta)
        let quadratic = error.squared() * Scalar(0.5)
        let linear = magnitude * delta - Scalar(0.5) * delta * delta
        return Tensor(selecting: quadratic, where: magnitude.elementsLessOrEqual(to: delta), otherwise: linear)
    }
}

/// The Kullback–Leibler divergence of predicted from target distributions, as Keras's
/// `KLDivergence`: per sample `Σ t · log(t / p)` over the last axis, with both clipped
/// to `[1e-7, 1]`, averaged over the samples.
public struct KLDivergence: Loss {
    /// Creates the loss.
    public init() {}

    /// `kl_divergence`.
    public var name: String { "kl_divergence" }

    /// Non-negative targets of the outputs' shape (probability distributions).
    ///
    /// - Throws: `ModelError.incompatibleTargets` for the wrong shape,
    ///   `ModelError.invalidArgument` naming the first sample with a negative target.
    public func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
        let prepared = try valueTargets(targets, outputShape: outputShape)
        try checkEveryTarget(prepared, loss: name, outputShape: outputShape, in: "[0, ∞) (a probability)") { $0 >= 0 }
        return prepared
    }

    /// The mean over samples of `Σ t · log(t / p)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        let terms = divergenceTerms(predictions: predictions, targets: targets)
        let distributions = predictions.scalarCount / max(predictions.shape.last ?? 1, 1)
        return terms.sum() / Scalar(max(distributions, 1))
    }

    /// Each sample's divergence (the mean over its distributions when it holds several).
    public func sampleLosses<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar>? {
        // The mean over a sample's elements, times the classes: the sum per distribution.
        meanPerSample(divergenceTerms(predictions: predictions, targets: targets)) * Scalar(predictions.shape.last ?? 1)
    }

    /// `t · log(t / p)` of each output, both clipped to `[1e-7, 1]`.
    private func divergenceTerms<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        let range = Scalar(1e-7)...Scalar(1)
        let t = targets.scalars.reshaped(to: predictions.shape).clipped(to: range)
        let p = predictions.clipped(to: range)
        return t * (t.log() - p.log())
    }
}
