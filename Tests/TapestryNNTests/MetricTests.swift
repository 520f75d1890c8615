import XCTest
import Tapestry
import TapestryData
@testable import TapestryNN

/// Stateful metrics against hand-computed numbers.
final class MetricTests: XCTestCase {
    func testTopKCategoricalAccuracyWithLabelsAndOneHotRows() {
        let scores = Tensor<Double>([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
        let labels = Tensor<Int32>([2, 1, 0, 0, 0])
        // Classes scored above the true one: 1, 1, 1 (the tie does not count), 0, 2.
        let top2 = TopKCategoricalAccuracy(k: 2)
        top2.update(predictions: scores, targets: .labels(labels))
        XCTAssertEqual(top2.result(), 4.0 / 5)
        let top1 = TopKCategoricalAccuracy(k: 1)
        top1.update(predictions: scores, targets: .values(Tensor(oneHot: labels, depth: 3)))
        XCTAssertEqual(top1.result(), 1.0 / 5)
        XCTAssertEqual(Metric.topKCategoricalAccuracy.name, "top_k_categorical_accuracy")
        top1.reset()
        XCTAssertEqual(top1.result(), 0)
    }

    func testPrecisionAndRecallCountThresholdedDecisions() {
        let scores = Tensor<Double>([[0.9], [0.2], [0.6], [0.4], [0.3]])
        let targets = Targets<Double>.values(Tensor([[1], [0], [0], [1], [1]]))
        let precision = Precision(), recall = Recall()
        // At 0.5: TP = 1 (0.9), FP = 1 (0.6), FN = 2 (0.4, 0.3).
        precision.update(predictions: scores, targets: targets)
        recall.update(predictions: scores, targets: targets)
        XCTAssertEqual(precision.result(), 1.0 / 2)
        XCTAssertEqual(recall.result(), 1.0 / 3)
        XCTAssertEqual([precision.truePositives, precision.falsePositives, precision.falseNegatives, precision.trueNegatives], [1, 1, 2, 1])
        // At 0.35: TP = 2, FP = 1, FN = 1.
        let lower = Precision(threshold: 0.35), lowerRecall = Recall(threshold: 0.35)
        lower.update(predictions: scores, targets: targets)
        lowerRecall.update(predictions: scores, targets: targets)
        XCTAssertEqual(lower.result(), 2.0 / 3)
        XCTAssertEqual(lowerRecall.result(), 2.0 / 3)
        // Accumulates across batches; resets.
        precision.update(predictions: Tensor([[0.8]]), targets: .values(Tensor([[1]])))
        XCTAssertEqual(precision.result(), 2.0 / 3)
        precision.reset()
        XCTAssertEqual(precision.result(), 0)
        XCTAssertEqual([Metric.precision.name, Metric.recall.name], ["precision", "recall"])
    }

    func testPrecisionOfOneClassFromLabels() {
        let scores = Tensor<Double>([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
        let precision = Precision(classID: 1), recall = Recall(classID: 1)
        // Column 1 positive for samples 1 and 3; labels say class 1 for samples 1 and 2.
        precision.update(predictions: scores, targets: .labels(Tensor([0, 1, 1, 0])))
        recall.update(predictions: scores, targets: .labels(Tensor([0, 1, 1, 0])))
        XCTAssertEqual(precision.result(), 1.0 / 2)
        XCTAssertEqual(recall.result(), 1.0 / 2)
    }

    func testF1ScorePerClassAndAveraged() {
        let scores = Tensor<Double>([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])
        let labels = Targets<Double>.labels(Tensor([0, 1, 1, 2, 2]))
        // Argmax: 0, 1, 0, 2, 1. Class 0: TP 1, FP 1; class 1: TP 1, FP 1, FN 1; class 2: TP 1, FN 1.
        let macro = F1Score(), micro = F1Score(average: .micro), weighted = F1Score(average: .weighted)
        for metric in [macro, micro, weighted] { metric.update(predictions: scores, targets: labels) }
        XCTAssertEqual(macro.classScores.count, 3)
        for (score, expected) in zip(macro.classScores, [2.0 / 3, 0.5, 2.0 / 3]) { XCTAssertEqual(score, expected, accuracy: 1e-6) }
        XCTAssertEqual(macro.result(), 11.0 / 18, accuracy: 1e-6)
        XCTAssertEqual(micro.result(), 0.6, accuracy: 1e-6)
        XCTAssertEqual(weighted.result(), (2.0 / 3 + 0.5 * 2 + 2.0 / 3 * 2) / 5, accuracy: 1e-6)
        XCTAssertEqual(Metric.f1Score.name, "f1_score")

        // Thresholded (multi-label): outputs above 0.5 are positive.
        let thresholded = F1Score(threshold: 0.5)
        thresholded.update(predictions: Tensor<Double>([[0.9, 0.6], [0.2, 0.7]]), targets: .values(Tensor([[1, 0], [1, 1]])))
        // Class 0: TP 1, FN 1 → 2/3; class 1: TP 1, FP 1 → 2/3.
        XCTAssertEqual(thresholded.result(), 2.0 / 3, accuracy: 1e-6)
        thresholded.reset()
        XCTAssertEqual(thresholded.classScores, [])
    }

    func testAUCOfTheROCCurve() {
        // Positives 0.9, 0.7, 0.4; negatives 0.8, 0.3, 0.1, 0.05: 10 of the 12 pairs are ordered.
        let scores = Tensor<Double>([[0.9], [0.8], [0.7], [0.4], [0.3], [0.1], [0.05]])
        let targets = Targets<Double>.values(Tensor([[1], [0], [1], [1], [0], [0], [0]]))
        let auc = AUC()
        auc.update(predictions: scores.gathering(atIndices: Array(0..<3)), targets: .values(Tensor([[1], [0], [1]])))
        auc.update(predictions: scores.gathering(atIndices: Array(3..<7)), targets: .values(Tensor([[1], [0], [0], [0]])))
        XCTAssertEqual(auc.result(), 10.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(auc.thresholds.count, 200)
        XCTAssertEqual(auc.thresholds[1], 1.0 / 199)

        let logits = AUC(fromLogits: true)
        logits.update(predictions: (scores / (1 - scores)).log(), targets: targets)   // sigmoid⁻¹ of the scores
        XCTAssertEqual(logits.result(), 10.0 / 12, accuracy: 1e-12)

        // A tie is half a pair; perfect separation is 1; a reset forgets.
        let tie = AUC()
        tie.update(predictions: Tensor<Double>([[0.5], [0.5]]), targets: .values(Tensor([[1], [0]])))
        XCTAssertEqual(tie.result(), 0.5, accuracy: 1e-12)
        tie.reset()
        tie.update(predictions: Tensor<Double>([[0.6], [0.2]]), targets: .values(Tensor([[1], [0]])))
        XCTAssertEqual(tie.result(), 1, accuracy: 1e-12)
        XCTAssertEqual(Metric.auc.name, "auc")
    }

    func testMeanAbsoluteErrorMetric() {
        let metric = MeanAbsoluteErrorMetric()
        metric.update(predictions: Tensor<Double>([[1, 2], [3, 5]]), targets: .values(Tensor([[1.5, 2], [2, 2]])))
        XCTAssertEqual(metric.result(), (0.25 + 2) / 2)
        metric.update(predictions: Tensor<Double>([[0, 0]]), targets: .values(Tensor([[1, 1]])))
        XCTAssertEqual(metric.result(), (0.25 + 2 + 1) / 3)
        XCTAssertEqual(Metric.meanAbsoluteError.name, "mean_absolute_error")
    }

    /// A metric written by a user: only `update`, `result` and `reset`.
    private final class LargestError: Metric {
        private var largest = 0.0
        init() { super.init(name: "largest_error") }
        override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
            for (p, t) in zip(predictions.scalars, targets.scalars.scalars) { largest = max(largest, Double(abs(p - t))) }
        }
        override func result() -> Double { largest }
        override func reset() { largest = 0 }
    }

    func testUserWrittenStatefulMetric() {
        let metric = LargestError()
        metric.update(predictions: Tensor<Float>([1, 4]), targets: .values(Tensor([2, 1])))
        metric.update(predictions: Tensor<Float>([0]), targets: .values(Tensor([1])))
        XCTAssertEqual(metric.result(), 3)
        metric.reset()
        XCTAssertEqual(metric.result(), 0)
    }
}
