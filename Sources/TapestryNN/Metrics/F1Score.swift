import Tapestry
import TapestryData

/// The F1 score (harmonic mean of precision and recall) per class and averaged, as
/// Keras 3's `F1Score`.
///
/// Each prediction row becomes 0/1 decisions: with a `threshold`, outputs above it are
/// positive (multi-label); without one, the row's highest output is the one positive
/// (single-label). Targets are one-hot (or multi-hot) rows, or class labels. Per class,
/// with ε = 1e-7: `p = TP/(TP + FP + ε)`, `r = TP/(TP + FN + ε)`, `F1 = 2pr/(p + r + ε)`.
///
/// `classScores` holds the per-class scores (Keras's `average=None`); `result()` is the
/// average chosen (a log holds one number per metric).
public final class F1Score: Metric {
    /// How per-class scores become one number.
    public enum Average: Sendable {
        /// The unweighted mean of the classes' scores.
        case macro
        /// The score of the counts summed over classes.
        case micro
        /// The mean of the classes' scores weighted by their number of true instances.
        case weighted
    }

    /// The averaging `result()` reports.
    public let average: Average
    /// The decision threshold, or `nil` to take each row's argmax.
    public let threshold: Double?

    private var truePositives: [Double] = []
    private var falsePositives: [Double] = []
    private var falseNegatives: [Double] = []

    /// Creates the metric, reported as `name`.
    public init(average: Average = .macro, threshold: Double? = nil, name: String = "f1_score") {
        self.average = average
        self.threshold = threshold
        super.init(name: name)
    }

    /// Adds the batch's per-class counts.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let samples = predictions.shape.first ?? 0
        guard samples > 0 else { return }
        let classes = predictions.scalarCount / samples
        if truePositives.count != classes {
            checkPrecondition(truePositives.isEmpty, "F1Score: predictions with \(classes) classes after \(truePositives.count)")
            truePositives = Array(repeating: 0, count: classes)
            falsePositives = truePositives
            falseNegatives = truePositives
        }
        let expected: Tensor<Scalar> = switch targets {
        case .labels(let labels): Tensor(oneHot: labels.reshaped(to: [samples]), depth: classes)
        case .values(let values): values
        }
        checkPrecondition(expected.scalarCount == predictions.scalarCount,
                          "F1Score: targets of shape \(expected.shape) for predictions of shape \(predictions.shape)")
        predictions.withUnsafeScalars { scores in
            expected.withUnsafeScalars { truth in
                for sample in 0..<samples {
                    let row = sample * classes
                    let best = (row..<(row + classes)).max { scores[$0] < scores[$1] } ?? row
                    for column in 0..<classes {
                        let predicted = threshold.map { Double(scores[row + column]) > $0 } ?? (row + column == best)
                        let actual = truth[row + column] != 0
                        if predicted && actual { truePositives[column] += 1 }
                        if predicted && !actual { falsePositives[column] += 1 }
                        if !predicted && actual { falseNegatives[column] += 1 }
                    }
                }
            }
        }
    }

    /// The score of each class (empty before any update).
    public var classScores: [Double] {
        zip(truePositives, zip(falsePositives, falseNegatives)).map { Self.score($0, $1.0, $1.1) }
    }

    /// The `average` of the classes' scores.
    public override func result() -> Double {
        guard !truePositives.isEmpty else { return 0 }
        switch average {
        case .macro:
            return classScores.reduce(0, +) / Double(classScores.count)
        case .micro:
            return Self.score(truePositives.reduce(0, +), falsePositives.reduce(0, +), falseNegatives.reduce(0, +))
        case .weighted:
            let support = zip(truePositives, falseNegatives).map { $0 + $1 }
            let total = support.reduce(0, +)
            return total == 0 ? 0 : zip(classScores, support).reduce(0) { $0 + $1.0 * $1.1 } / total
        }
    }

    /// Forgets the counts (and the number of classes).
    public override func reset() {
        truePositives = []
        falsePositives = []
        falseNegatives = []
    }

    private static func score(_ tp: Double, _ fp: Double, _ fn: Double) -> Double {
        let epsilon = 1e-7
        let precision = tp / (tp + fp + epsilon), recall = tp / (tp + fn + epsilon)
        return 2 * (precision * recall) / (precision + recall + epsilon)
    }
}

extension Metric {
    /// The macro-averaged F1 score of each row's argmax.
    public static var f1Score: Metric { F1Score() }
}
