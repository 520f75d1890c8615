import Foundation
import XCTest
import Tapestry
import TapestryData
@testable import TapestryNN

/// Losses against `Reference/losses.json` (a NumPy transcription of Keras 3's losses,
/// written by `Reference/losses.py`), gradient checks in `Double`, and target validation.
final class LossTests: XCTestCase {
    private struct Fixture: Decodable {
        let probabilities, logits, binary, oneHot, distributions, softmaxed: [[Double]]
        let values: [String: Double]
    }

    private static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/losses.json")
        do {
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("LossTests: cannot read \(url.path): \(error)")
        }
    }()

    private func value(_ loss: some Loss, _ predictions: [[Double]], _ targets: [[Double]]) -> Double {
        loss(predictions: Tensor(predictions), targets: .values(Tensor(targets))).scalar
    }

    private func reference(_ name: String) -> Double {
        guard let value = Self.fixture.values[name] else {
            XCTFail("no reference \(name)")
            return .nan
        }
        return value
    }

    /// Checks the loss's gradient with respect to the predictions.
    private func assertGradientChecks(_ loss: some Loss, _ predictions: [[Double]], _ targets: [[Double]],
                                      file: StaticString = #filePath, line: UInt = #line) {
        let report = gradcheck({ xs in loss(predictions: xs[0], targets: .values(Tensor(targets))) }, at: [Tensor(predictions)])
        XCTAssertTrue(report.passed, report.description, file: file, line: line)
    }

    func testBinaryCrossentropyMatchesReference() {
        let f = Self.fixture
        XCTAssertEqual(value(BinaryCrossentropy(), f.probabilities, f.binary), reference("binary_probabilities"), accuracy: 1e-12)
        XCTAssertEqual(value(BinaryCrossentropy(labelSmoothing: 0.2), f.probabilities, f.binary),
                       reference("binary_probabilities_smoothed"), accuracy: 1e-12)
        XCTAssertEqual(value(BinaryCrossentropy(fromLogits: true), f.logits, f.binary), reference("binary_logits"), accuracy: 1e-12)
        XCTAssertEqual(value(BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1), f.logits, f.binary),
                       reference("binary_logits_smoothed"), accuracy: 1e-12)
        XCTAssertEqual(BinaryCrossentropy().name, "binary_crossentropy")
    }

    func testBinaryCrossentropyFromLogitsIsStableAndExactlyDifferentiable() {
        // Huge logits neither overflow nor lose the gradient; at 0 the gradient is ½ − t.
        let loss = BinaryCrossentropy(fromLogits: true)
        XCTAssertEqual(value(loss, [[1000, -1000]], [[1, 0]]), 0, accuracy: 1e-12)
        XCTAssertEqual(value(loss, [[-1000]], [[1]]), 1000, accuracy: 1e-9)
        let tape = Tape<Double>()
        let logits = tape.watch(Tensor<Double>([[0, 0]]))
        let gradient = tape.gradient(of: loss(predictions: logits, targets: .values(Tensor([[1, 0]]))), wrt: [logits])[0]
        XCTAssertEqual(gradient.scalars, [-0.25, 0.25])
        assertGradientChecks(loss, Self.fixture.logits, Self.fixture.binary)
        assertGradientChecks(BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1), [[0, 1.5, -2]], [[1, 0, 1]])
        assertGradientChecks(BinaryCrossentropy(labelSmoothing: 0.1), [[0.3, 0.8, 0.5]], [[1, 0, 1]])
    }

    func testCategoricalLabelSmoothingMatchesReference() {
        let f = Self.fixture
        XCTAssertEqual(value(CategoricalCrossentropy(labelSmoothing: 0.1), f.softmaxed, f.oneHot),
                       reference("categorical_probabilities_smoothed"), accuracy: 1e-12)
        XCTAssertEqual(value(CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), f.logits, f.oneHot),
                       reference("categorical_logits_smoothed"), accuracy: 1e-12)
        // The sparse loss smooths the same way.
        let sparse = SparseCategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1)
        XCTAssertEqual(sparse(predictions: Tensor(f.logits), targets: .labels(Tensor([2, 1]))).scalar,
                       reference("categorical_logits_smoothed"), accuracy: 1e-12)
        assertGradientChecks(CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.2), f.logits.map { $0.map { $0 / 10 } }, f.oneHot)
    }

    func testHuberMeanAbsoluteErrorAndKLDivergenceMatchReference() {
        let f = Self.fixture
        XCTAssertEqual(value(Huber(), f.logits, f.binary), reference("huber_1"), accuracy: 1e-12)
        XCTAssertEqual(value(Huber(delta: 0.5), f.logits, f.binary), reference("huber_0.5"), accuracy: 1e-12)
        XCTAssertEqual(value(MeanAbsoluteError(), f.logits, f.binary), reference("mean_absolute_error"), accuracy: 1e-12)
        XCTAssertEqual(value(KLDivergence(), f.softmaxed, f.distributions), reference("kl_divergence"), accuracy: 1e-12)
        XCTAssertEqual(value(KLDivergence(), f.softmaxed, f.softmaxed), 0, accuracy: 1e-15)
        assertGradientChecks(Huber(delta: 0.5), [[0.2, -1.3, 2.9], [0.45, -0.1, 0.7]], f.binary)
        assertGradientChecks(MeanAbsoluteError(), [[0.2, -1.3, 2.9], [0.45, -0.1, 0.7]], f.binary)
        assertGradientChecks(KLDivergence(), f.softmaxed, f.distributions)
        XCTAssertEqual([Huber().name, MeanAbsoluteError().name, KLDivergence().name], ["huber_loss", "mean_absolute_error", "kl_divergence"])
    }

    func testPrepareRejectsTargetsThatDoNotFit() throws {
        XCTAssertThrowsError(try BinaryCrossentropy().prepare(Targets<Double>.values(Tensor([[0], [2]])), outputShape: [1])) { error in
            XCTAssertEqual(error as? ModelError, .invalidArgument("binary_crossentropy: target 2.0 of sample 1 is outside [0, 1]"))
        }
        XCTAssertThrowsError(try BinaryCrossentropy().prepare(Targets<Double>.values(Tensor([[0, 1]])), outputShape: [1])) { error in
            XCTAssertEqual(error as? ModelError, .incompatibleTargets(expected: "[1]", got: [2]))
        }
        XCTAssertThrowsError(try KLDivergence().prepare(Targets<Double>.values(Tensor([[0.5, 0.5], [1.5, -0.5]])), outputShape: [2])) { error in
            XCTAssertEqual((error as? ModelError)?.description, "kl_divergence: target -0.5 of sample 1 is outside [0, ∞) (a probability)")
        }
        // Labels 0/1 for a single output become values.
        let prepared = try BinaryCrossentropy().prepare(Targets<Double>.labels(Tensor([0, 1, 1])), outputShape: [1])
        XCTAssertEqual(prepared.scalars.shape, [3, 1])
        XCTAssertEqual(prepared.scalars.scalars, [0, 1, 1])
        XCTAssertNoThrow(try Huber().prepare(Targets<Double>.values(Tensor([1.5, -2])), outputShape: [1]))
    }
}

extension LossTests {
    func testSampleLossesAverageToTheLossAndWeightLikeKeras() throws {
        let f = Self.fixture
        let logits = Tensor(f.logits), binary = Targets<Double>.values(Tensor(f.binary))
        let cases: [(any Loss, Tensor<Double>, Targets<Double>)] = [
            (BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1), logits, binary),
            (BinaryCrossentropy(), Tensor(f.softmaxed), binary),
            (CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1), logits, .values(Tensor(f.oneHot))),
            (SparseCategoricalCrossentropy(fromLogits: true), logits, .labels(Tensor([2, 1]))),
            (SparseCategoricalCrossentropy(labelSmoothing: 0.2), Tensor(f.softmaxed), .labels(Tensor([2, 1]))),
            (MeanSquaredError(), logits, binary), (MeanAbsoluteError(), logits, binary), (Huber(delta: 0.5), logits, binary),
            (KLDivergence(), Tensor(f.softmaxed), .values(Tensor(f.distributions))),
        ]
        for (loss, predictions, targets) in cases {
            let perSample = try XCTUnwrap(loss.sampleLosses(predictions: predictions, targets: targets), loss.name)
            XCTAssertEqual(perSample.shape, [2], loss.name)
            XCTAssertEqual(perSample.mean().scalar, loss(predictions: predictions, targets: targets).scalar, accuracy: 1e-12, loss.name)
        }
        // Keras's sample-weighted loss, Σ wᵢ·lossᵢ / batch, by hand for the second sample only.
        let huber = Huber()
        let weighted = (try XCTUnwrap(huber.sampleLosses(predictions: logits, targets: binary)) * Tensor([0, 2])).mean().scalar
        let second = huber(predictions: Tensor([f.logits[1]]), targets: .values(Tensor([f.binary[1]]))).scalar
        XCTAssertEqual(weighted, second, accuracy: 1e-12)
        let report = gradcheck({ xs in (BinaryCrossentropy(fromLogits: true).sampleLosses(predictions: xs[0], targets: binary) ?? Tensor(0)) * Tensor([0.3, 1.7]) },
                               at: [logits])
        XCTAssertTrue(report.passed, report.description)
    }
}

extension LossTests {
    func testClassWeightsBecomeSampleWeightsAndWeightTheLoss() throws {
        let weights: [Int: Double] = [0: 0.5, 2: 3]
        XCTAssertEqual(Targets<Double>.labels(Tensor([0, 1, 2])).sampleWeights(classWeights: weights).scalars, [0.5, 1, 3])
        XCTAssertEqual(Targets<Double>.values(Tensor([[0, 0, 1], [1, 0, 0]])).sampleWeights(classWeights: weights).scalars, [3, 0.5])
        XCTAssertEqual(Targets<Double>.values(Tensor([[0.9], [0.2]])).sampleWeights(classWeights: [1: 4]).scalars, [4, 1])

        let predictions = Tensor<Double>([[2, 0.5], [0.1, 0.3], [1, 1]]), targets = Targets<Double>.labels(Tensor([0, 1, 1]))
        let loss = SparseCategoricalCrossentropy(fromLogits: true)
        let perSample = try XCTUnwrap(loss.sampleLosses(predictions: predictions, targets: targets)).scalars
        let weighted = try XCTUnwrap(loss(predictions: predictions, targets: targets, sampleWeights: Tensor([1, 0, 2]))).scalar
        XCTAssertEqual(weighted, (perSample[0] + 2 * perSample[2]) / 3, accuracy: 1e-12)
    }
}
