import Tapestry
import TapestryData

/// The fraction of samples whose true class is among the `k` highest predictions, as
/// Keras's `TopKCategoricalAccuracy` (and `SparseTopKCategoricalAccuracy`: targets may be
/// one-hot rows or class labels). A true class tied with the `k`-th highest score counts
/// as a hit.
public final class TopKCategoricalAccuracy: MeanMetric {
    /// How many of the highest predictions may hold the true class.
    public let k: Int

    /// Creates the metric, reported as `name`.
    public init(k: Int = 5, name: String = "top_k_categorical_accuracy") {
        if k < 1 { fatalError("TopKCategoricalAccuracy: k must be at least 1, got \(k)") }
        self.k = k
        super.init(name: name)
    }

    /// Counts the samples whose true class has fewer than `k` classes scored above it.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let samples = predictions.shape.first ?? 0
        guard samples > 0 else { return }
        let classes = predictions.scalarCount / samples
        let expected: Tensor<Int32> = switch targets {
        case .labels(let labels): labels.reshaped(to: [samples])
        case .values(let values) where values.scalarCount == samples:
            values.classIndices()?.reshaped(to: [samples]) ?? Tensor(repeating: -1, shape: [samples])
        case .values(let values): values.reshaped(to: [samples, classes]).argmax(alongAxis: -1)
        }
        var hits = 0
        predictions.withUnsafeScalars { scores in
            expected.withUnsafeScalars { labels in
                for sample in 0..<samples {
                    let label = Int(labels[sample])
                    guard label >= 0 && label < classes else { continue }
                    let row = scores[(sample * classes)..<((sample + 1) * classes)]
                    let target = row[row.startIndex + label]
                    if row.lazy.filter({ $0 > target }).count < k { hits += 1 }
                }
            }
        }
        add(total: Double(hits), count: samples)
    }
}

/// The mean over samples of the mean absolute difference between outputs and targets,
/// as Keras's `MeanAbsoluteError` metric.
public final class MeanAbsoluteErrorMetric: MeanMetric {
    /// Creates the metric, reported as `name`.
    public override init(name: String = "mean_absolute_error") { super.init(name: name) }

    /// Adds each sample's mean absolute error.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let samples = predictions.shape.first ?? 0
        guard samples > 0 else { return }
        let expected = targets.scalars
        let sum = predictions.withUnsafeScalars { p in
            expected.withUnsafeScalars { t in zip(p, t).reduce(0.0) { $0 + Double(Swift.abs($1.0 - $1.1)) } }
        }
        add(total: sum / Double(predictions.scalarCount / samples), count: samples)
    }
}

extension Metric {
    /// Whether the true class is among the five highest predictions.
    public static var topKCategoricalAccuracy: Metric { TopKCategoricalAccuracy() }
    /// Whether the true class is among the `k` highest predictions.
    public static func topKCategoricalAccuracy(k: Int) -> Metric { TopKCategoricalAccuracy(k: k) }
    /// The mean absolute error.
    public static var meanAbsoluteError: Metric { MeanAbsoluteErrorMetric() }
}
