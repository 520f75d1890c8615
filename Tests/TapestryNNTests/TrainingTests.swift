import XCTest
import Tapestry
@testable import TapestryNN

final class TrainingTests: XCTestCase {
    /// Two interleaved spirals, 2 × `perClass` points, labels 0 and 1.
    static func twoSpirals(perClass: Int) -> (x: Tensor<Float>, y: Tensor<Int32>) {
        var points: [Float] = [], labels: [Int32] = []
        for label in 0..<2 {
            for i in 0..<perClass {
                let t = Float(i) / Float(perClass) * 3 * .pi + 0.3
                let sign: Float = label == 0 ? 1 : -1
                points += [sign * t * Float.cos(t) / 10, sign * t * Float.sin(t) / 10]
                labels.append(Int32(label))
            }
        }
        return (Tensor(shape: [2 * perClass, 2], scalars: points), Tensor(labels))
    }

    static func spiralModel() -> Sequential<Float> {
        Sequential<Float>(inputShape: [2]) {
            Dense(inputSize: 2, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 2)
        }
    }

    func testTwoSpiralsAreLearnedToHighAccuracy() throws {
        setRandomSeed(1)
        let (x, y) = Self.twoSpirals(perClass: 100)
        let model = Self.spiralModel()
        // ReLU rather than tanh: a tanh net of this size sits on a plateau (loss ≈ 0.66) at
        // these learning rates, in PyTorch as here.
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let history = try model.fit(x, y, epochs: 300, batchSize: 32, verbose: 0)
        XCTAssertEqual(history.epochs.count, 300)
        XCTAssertLessThan(history["loss"].last!, history["loss"].first! / 5)
        let evaluation = try model.evaluate(x, y)
        XCTAssertGreaterThanOrEqual(evaluation.accuracy ?? 0, 0.97, "two spirals: \(evaluation)")
    }

    func testEvaluateAgreesWithHandComputation() throws {
        let dense = Dense<Double>(inputSize: 2, outputSize: 3)
        dense.kernel.value = Tensor([[1, -1, 0.5], [0, 2, -1]])
        dense.bias.value = Tensor([0.1, 0, -0.1])
        let model = Sequential<Double>(inputShape: [2], layers: [dense])
        model.compile(optimizer: SGD(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let x = Tensor<Double>([[1, 0], [0, 1], [1, 1]]), y = Tensor<Double>([0, 2, 1])
        // logits: [1.1, -1, 0.4], [0.1, 2, -1.1], [1.1, 1, -0.6]
        let logits: [[Double]] = [[1.1, -1, 0.4], [0.1, 2, -1.1], [1.1, 1, -0.6]]
        let labels = [0, 2, 1]
        var expectedLoss = 0.0
        for (row, label) in zip(logits, labels) {
            expectedLoss += Double.log(row.map { Double.exp($0) }.reduce(0, +)) - row[label]
        }
        expectedLoss /= 3
        // Predicted classes 0, 1, 0 against 0, 2, 1: one of three right.
        let evaluation = try model.evaluate(x, y, batchSize: 2)
        XCTAssertEqual(evaluation.loss, expectedLoss, accuracy: 1e-12)
        XCTAssertEqual(evaluation.accuracy ?? -1, 1.0 / 3, accuracy: 1e-12)
    }

    func testPredictEqualsForwardPassAndRecordsNothing() throws {
        setRandomSeed(3)
        let model = SequentialTests.fashionMLP()
        var generator = SeededRandomNumberGenerator(seed: 9)
        let x = Tensor<Float>(randomUniform: [70, 28, 28], using: &generator)
        let predictions = try model.predict(x, batchSize: 32)
        XCTAssertFalse(predictions.isTracked)
        XCTAssertEqual(predictions.shape, [70, 10])
        XCTAssertTrue(predictions.isApproximatelyEqual(to: model(x), tolerance: 1e-5))
        let tape = Tape<Float>()
        _ = tape.watch(Tensor(zeros: [1]))
        _ = try model.predict(x)
        XCTAssertEqual(tape.entries.count, 1)
    }

    func testSameSeedGivesSameHistoryBitForBit() throws {
        func run() throws -> History {
            setRandomSeed(42)
            let (x, y) = Self.twoSpirals(perClass: 40)
            let model = Self.spiralModel()
            model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
            var history = try model.fit(x, y, epochs: 5, validationSplit: 0.25, verbose: 0)
            for i in history.epochs.indices { history.epochs[i].seconds = 0 }
            return history
        }
        let (first, second) = (try run(), try run())
        XCTAssertEqual(first, second)
        XCTAssertEqual(first.metricNames, ["loss", "accuracy", "val_loss", "val_accuracy"])
        let json = String(decoding: try first.jsonData(), as: UTF8.self)
        XCTAssertTrue(json.contains("\"val_accuracy\""))
        XCTAssertEqual(try JSONDecoder().decode(History.self, from: first.jsonData()), first)
    }

    func testEarlyStoppingStopsAndRestoresBestWeights() throws {
        setRandomSeed(7)
        let (x, y) = Self.twoSpirals(perClass: 40)
        let model = Self.spiralModel()
        // A learning rate this large makes validation loss bounce, so patience runs out.
        model.compile(optimizer: SGD(learningRate: 5), loss: SparseCategoricalCrossentropy(fromLogits: true))
        let stopper = EarlyStopping<Float>(monitor: "val_loss", patience: 1, restoreBestWeights: true)
        let history = try model.fit(x, y, epochs: 50, validationSplit: 0.25, callbacks: [stopper], verbose: 0)
        XCTAssertLessThan(history.epochs.count, 50)
        XCTAssertNotNil(history.stopReason)
        let best = try XCTUnwrap(stopper.best)
        // The restored weights reproduce the best epoch's validation loss.
        let validationX = x.gathering(atIndices: Array(60..<80)), validationY = y.gathering(atIndices: Array(60..<80))
        let evaluation = try model.evaluate(validationX, validationY)
        XCTAssertEqual(evaluation.loss, best.value, accuracy: 1e-4)
    }

    func testTerminateOnNaNKeepsTheLastGoodWeights() throws {
        let model = Self.spiralModel()
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        model.checksInputsAreFinite = false  // NaN inputs on purpose: TerminateOnNaN is under test
        let before = model.parameters.map(\.value)
        let x = Tensor<Float>(repeating: .nan, shape: [64, 2]), y = Tensor<Float>(zeros: [64])
        let history = try model.fit(x, y, epochs: 3, callbacks: [TerminateOnNaN()], verbose: 0)
        XCTAssertTrue(history.stopReason?.contains("invalid loss") ?? false)
        XCTAssertEqual(history.epochs.count, 0)
        XCTAssertEqual(model.parameters.map(\.value), before)
    }

    func testBadInputThrowsErrorsThatSayWhatWasExpected() {
        let model = SequentialTests.fashionMLP()
        let x = Tensor<Float>(zeros: [4, 28, 28])
        XCTAssertThrowsError(try model.fit(x, Tensor<Int32>(zeros: [4]), verbose: 0)) {
            XCTAssertEqual($0 as? ModelError, .notCompiled(operation: "fit"))
            XCTAssertTrue("\($0)".contains("compile"))
        }
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        XCTAssertThrowsError(try model.fit(x, Tensor<Int32>(zeros: [3]), verbose: 0)) {
            XCTAssertEqual($0 as? ModelError, .sampleCountMismatch(inputs: 4, targets: 3))
            XCTAssertEqual("\($0)", "sample counts differ: 4 inputs but 3 targets")
        }
        XCTAssertThrowsError(try model.fit(x, Tensor<Int32>([0, 1, 11, 2]), verbose: 0)) {
            XCTAssertEqual($0 as? ModelError, .labelOutOfRange(label: 11, sample: 2, classCount: 10))
        }
        XCTAssertThrowsError(try model.fit(Tensor(zeros: [4, 27, 28]), Tensor<Int32>(zeros: [4]), verbose: 0)) {
            XCTAssertTrue("\($0)".contains("[28, 28]") && "\($0)".contains("[27, 28]"), "\($0)")
        }
        XCTAssertThrowsError(try model.fit(Tensor(zeros: [0, 28, 28]), Tensor<Int32>(zeros: [0]), verbose: 0)) {
            XCTAssertEqual($0 as? ModelError, .emptyDataset(operation: "fit"))
        }
        XCTAssertThrowsError(try model.fit(x, Tensor<Int32>(zeros: [4]), batchSize: 0, verbose: 0))
        let unshaped = Sequential<Float>(layers: [Dense(inputSize: 3, outputSize: 2)])
        XCTAssertThrowsError(try unshaped.predict(Tensor(zeros: [2, 4]))) {
            XCTAssertTrue("\($0)".contains("expects input samples of shape [3], got [4]"), "\($0)")
        }
    }
}

final class AnomalyDetectionTests: XCTestCase {
    func testFitReportsTheFirstBadOpWithItsLayerAndKeepsTheWeights() throws {
        let model = TrainingTests.spiralModel()
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        model.detectsAnomalies = true
        model.checksInputsAreFinite = false  // an infinite input on purpose: the anomaly detector is under test
        let before = model.parameters.map(\.value)
        var x = Tensor<Float>(zeros: [32, 2])
        x[5, 1] = .infinity     // ∞ · 0 weights → NaN in the first layer's linear op
        model.parameters[0].value[1, 0] = 0
        XCTAssertThrowsError(try model.fit(x, Tensor<Int32>(zeros: [32]), epochs: 1, verbose: 0)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("op 'linear'"), message)
            XCTAssertTrue(message.contains("layer dense"), message)
            XCTAssertTrue(message.contains("[32, 64]"), message)
        }
        var expected = before
        expected[0][1, 0] = 0
        XCTAssertEqual(model.parameters.map(\.value), expected, "no update after the anomaly")
    }
}
