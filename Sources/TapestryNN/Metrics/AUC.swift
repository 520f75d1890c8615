import Tapestry
import TapestryData

/// The area under the ROC curve, as Keras's `AUC` with its defaults: the true- and
/// false-positive rates are counted at `thresholdCount` thresholds (`−ε`, `1/(n − 1)`, …,
/// `(n − 2)/(n − 1)`, `1 + ε`, with n = 200 by default) and the curve is integrated with
/// the trapezoid rule. Every output element is one binary decision against a target that
/// is positive when non-zero (labels for a multi-column output are read as one-hot rows).
///
/// It is therefore an approximation: scores of positives and negatives that fall between
/// the same two thresholds count as ties (half credit). With scores on distinct buckets
/// it equals the exact AUC.
public final class AUC: Metric {
    /// The number of thresholds.
    public let thresholdCount: Int
    /// Whether predictions are logits (a sigmoid is applied first).
    public let fromLogits: Bool
    /// The thresholds, increasing.
    public let thresholds: [Double]

    // Per bucket b (scores above thresholds[b - 1] and at most thresholds[b]), the
    // positives and negatives seen; bucket `thresholdCount` holds scores above all.
    private var positives: [Double]
    private var negatives: [Double]

    /// Creates the metric, reported as `name`.
    public init(thresholdCount: Int = 200, fromLogits: Bool = false, name: String = "auc") {
        if thresholdCount < 2 { fatalError("AUC: thresholdCount must be at least 2, got \(thresholdCount)") }
        self.thresholdCount = thresholdCount
        self.fromLogits = fromLogits
        let epsilon = 1e-7
        thresholds = [-epsilon] + (0..<(thresholdCount - 2)).map { Double($0 + 1) / Double(thresholdCount - 1) } + [1 + epsilon]
        positives = Array(repeating: 0, count: thresholdCount + 1)
        negatives = positives
        super.init(name: name)
    }

    /// Adds the batch's scores to the per-threshold counts.
    public override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        forEachDecision(predictions: fromLogits ? predictions.sigmoid() : predictions, targets: targets, classID: nil) { score, positive in
            let value = Double(score)
            // The number of thresholds strictly below the score: it is "above" exactly those.
            var low = 0, high = thresholds.count
            while low < high {
                let middle = (low + high) / 2
                if thresholds[middle] < value { low = middle + 1 } else { high = middle }
            }
            if positive { positives[low] += 1 } else { negatives[low] += 1 }
        }
    }

    /// The trapezoid area under the (false-positive rate, true-positive rate) points.
    public override func result() -> Double {
        // At threshold i, the predicted positives are the scores in buckets > i.
        var truePositives = Array(repeating: 0.0, count: thresholdCount)
        var falsePositives = truePositives
        var runningPositives = 0.0, runningNegatives = 0.0
        for index in stride(from: thresholdCount - 1, through: 0, by: -1) {
            runningPositives += positives[index + 1]
            runningNegatives += negatives[index + 1]
            truePositives[index] = runningPositives
            falsePositives[index] = runningNegatives
        }
        let allPositives = positives.reduce(0, +), allNegatives = negatives.reduce(0, +)
        let tpr = truePositives.map { allPositives == 0 ? 0 : $0 / allPositives }
        let fpr = falsePositives.map { allNegatives == 0 ? 0 : $0 / allNegatives }
        var area = 0.0
        for index in 0..<(thresholdCount - 1) {
            area += (fpr[index] - fpr[index + 1]) * (tpr[index] + tpr[index + 1]) / 2
        }
        return area
    }

    /// Forgets the counts.
    public override func reset() {
        positives = Array(repeating: 0, count: thresholdCount + 1)
        negatives = positives
    }
}

extension Metric {
    /// The area under the ROC curve over 200 thresholds.
    public static var auc: Metric { AUC() }
}
