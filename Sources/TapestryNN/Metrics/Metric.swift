import Tapestry
import TapestryData

/// A quantity `fit` and `evaluate` report besides the loss, accumulated batch by batch
/// like a Keras metric: `update` with each batch, `result` for the value so far, `reset`
/// between epochs.
///
/// Subclass it for your own metric; `MeanMetric` does the bookkeeping of an average over
/// samples:
///
/// ```swift
/// /// The fraction of samples whose prediction is within 0.5 of the target.
/// final class WithinHalf: MeanMetric {
///     init() { super.init(name: "within_half") }
///     override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
///         let close = zip(predictions.scalars, targets.scalars.scalars).filter { abs($0 - $1) < 0.5 }.count
///         add(total: Double(close), count: predictions.shape[0])
///     }
/// }
/// ```
open class Metric {
    /// The name in logs and `History` (`accuracy`; validation adds `val_`).
    public let name: String

    /// Creates a metric reported as `name`.
    public init(name: String) { self.name = name }

    /// Accumulates one batch: the model's (untracked) outputs and the batch's targets.
    open func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        fatalError("\(type(of: self)) (\(name)): a Metric subclass must override update(predictions:targets:)")
    }

    /// Accumulates one batch of a planned training step from its buffers, without making
    /// tensors; returns false when this metric cannot (then `update(predictions:targets:)`
    /// is called with tensors made from the buffers).
    func update<Scalar: TensorScalar>(planned batch: PlannedBatch<Scalar>) -> Bool { false }

    /// The value over the batches since the last reset.
    open func result() -> Double {
        fatalError("\(type(of: self)) (\(name)): a Metric subclass must override result()")
    }

    /// Forgets the batches seen.
    open func reset() {
        fatalError("\(type(of: self)) (\(name)): a Metric subclass must override reset()")
    }
}

extension Metric {
    /// Accumulates a planned step's batch: from the buffers when the metric can, else
    /// through tensors made from them.
    func accumulate<Scalar: TensorScalar>(_ batch: PlannedBatch<Scalar>) {
        if !update(planned: batch) { update(predictions: batch.predictionTensor, targets: batch.targets) }
    }
}

/// A metric that averages a per-sample quantity: subclasses call `add(total:count:)`.
open class MeanMetric: Metric {
    /// The sum of the per-sample values so far.
    public private(set) var total = 0.0
    /// The number of samples so far.
    public private(set) var count = 0

    /// Adds `count` samples whose values sum to `total`.
    public func add(total: Double, count: Int) {
        self.total += total
        self.count += count
    }

    /// `total / count`, or 0 before any sample.
    open override func result() -> Double { count == 0 ? 0 : total / Double(count) }

    /// Sets the sums to zero.
    open override func reset() {
        total = 0
        count = 0
    }
}

extension Metric {
    /// Keras's `"accuracy"`: the metric chosen from the outputs and targets — binary
    /// accuracy for one output, sparse categorical accuracy for labels, categorical for
    /// one-hot rows.
    public static var accuracy: Metric { Accuracy() }
    /// Accuracy against integer labels.
    public static var sparseCategoricalAccuracy: Metric { SparseCategoricalAccuracy() }
    /// Accuracy against one-hot rows.
    public static var categoricalAccuracy: Metric { CategoricalAccuracy() }
    /// Accuracy of one output against 0/1 targets, at a threshold of 0.5.
    public static var binaryAccuracy: Metric { BinaryAccuracy() }
}
