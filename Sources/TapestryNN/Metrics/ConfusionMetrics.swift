import Tapestry
import TapestryData

/// A metric counted from binary decisions: every output element (or, with `classID`,
/// only that column) is a prediction of "positive" when above `threshold`, against a
/// target that is positive when non-zero — Keras's `Precision` and `Recall` semantics.
/// Class labels given for a multi-column output are read as one-hot rows.
open class ConfusionMetric: Metric {
    /// The decision threshold (0.5 for probabilities, 0 for logits).
    public let threshold: Double
    /// The one column to count, or `nil` for all.
    public let classID: Int?
    /// The counts so far.
    public private(set) var truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0

    /// Creates the metric, reported as `name`.
    public init(name: String, threshold: Double = 0.5, classID: Int? = nil) {
        self.threshold = threshold
        self.classID = classID
        super.init(name: name)
    }

    /// Adds the batch's decisions to the counts.
    open override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let threshold = Scalar(self.threshold)
        forEachDecision(predictions: predictions, targets: targets, classID: classID) { score, positive in
            switch (score > threshold, positive) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, true): falseNegatives += 1
            case (false, false): trueNegatives += 1
            }
        }
    }

    /// Sets the counts to zero.
    open override func reset() {
        truePositives = 0
        falsePositives = 0
        falseNegatives = 0
        trueNegatives = 0
    }
}

/// `TP / (TP + FP)`: the fraction of positive predictions that are right (0 before any),
/// as Keras's `Precision`.
public final class Precision: ConfusionMetric {
    /// Creates the metric, reported as `name`.
    public init(threshold: Double = 0.5, classID: Int? = nil, name: String = "precision") {
        super.init(name: name, threshold: threshold, classID: classID)
    }

    /// `TP / (TP + FP)`, or 0.
    public override func result() -> Double { ratio(truePositives, truePositives + falsePositives) }
}

/// `TP / (TP + FN)`: the fraction of positives found (0 before any), as Keras's `Recall`.
public final class Recall: ConfusionMetric {
    /// Creates the metric, reported as `name`.
    public init(threshold: Double = 0.5, classID: Int? = nil, name: String = "recall") {
        super.init(name: name, threshold: threshold, classID: classID)
    }

    /// `TP / (TP + FN)`, or 0.
    public override func result() -> Double { ratio(truePositives, truePositives + falseNegatives) }
}

extension Metric {
    /// Precision at a threshold of 0.5.
    public static var precision: Metric { Precision() }
    /// Recall at a threshold of 0.5.
    public static var recall: Metric { Recall() }
}

/// `a / b`, or 0 when `b` is 0 (Keras's `divide_no_nan`).
func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

/// Calls `body` with each counted output and whether its target is positive. Targets are
/// read as one value per output; labels for a multi-column output as one-hot rows.
func forEachDecision<Scalar: TensorScalar>(
    predictions: Tensor<Scalar>, targets: Targets<Scalar>, classID: Int?, _ body: (Scalar, Bool) -> Void
) {
    let samples = predictions.shape.first ?? 0
    guard samples > 0 else { return }
    let columns = predictions.scalarCount / samples
    let expected: Tensor<Scalar> = switch targets {
    case .labels(let labels) where columns > 1: Tensor(oneHot: labels.reshaped(to: [samples]), depth: columns)
    default: targets.scalars
    }
    checkPrecondition(expected.scalarCount == predictions.scalarCount,
                      "metric: targets of shape \(expected.shape) for predictions of shape \(predictions.shape)")
    if let classID {
        checkPrecondition(classID >= 0 && classID < columns, "metric: classID \(classID) for predictions of shape \(predictions.shape)")
    }
    predictions.withUnsafeScalars { scores in
        expected.withUnsafeScalars { truth in
            if let classID {
                for sample in 0..<samples { body(scores[sample * columns + classID], truth[sample * columns + classID] != 0) }
            } else {
                for index in 0..<scores.count { body(scores[index], truth[index] != 0) }
            }
        }
    }
}
