// FiniteInputTests.swift: NaN or infinity in the data makes fit, evaluate and predict throw,
// naming the sample, before any weight changes (unless checksInputsAreFinite is off).

import XCTest
import Tapestry
import TapestryData
@testable import TapestryNN

final class FiniteInputTests: XCTestCase {
    private func model() -> Sequential<Float> {
        setRandomSeed(3)
        let model = Sequential<Float>(inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 8, activation: .relu)
            Dense(inputSize: 8, outputSize: 3)
        }
        model.compile(optimizer: SGD(learningRate: 0.1), loss: SparseCategoricalCrossentropy(fromLogits: true))
        return model
    }

    /// 40 samples of 4 features, one of them poisoned with `value` at element 2.
    private func data(poisoning sample: Int?, with value: Float) -> (x: Tensor<Float>, y: Tensor<Int32>) {
        var scalars = (0..<160).map { Float($0 % 7) / 7 }
        if let sample { scalars[sample * 4 + 2] = value }
        return (Tensor(shape: [40, 4], scalars: scalars), Tensor((0..<40).map { Int32($0 % 3) }))
    }

    private func assertNonFinite(
        _ body: @autoclosure () throws -> Any, operation: String, part: String = "input", sample: Int, value: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? ModelError,
                           .nonFiniteData(operation: operation, part: part, sample: sample, element: 2, value: value),
                           file: file, line: line)
            XCTAssertTrue("\(error)".contains("sample \(sample) holds \(value)"), "\(error)", file: file, line: line)
        }
    }

    func testFitThrowsNamingTheSampleBeforeAnyUpdate() throws {
        for value in [Float.nan, .infinity, -.infinity] {
            // Poisoned first sample, unshuffled: the first batch throws, nothing was updated.
            let model = model()
            let weights = model.parameters.map(\.value)
            let (poisonedFirst, labels) = data(poisoning: 0, with: value)
            assertNonFinite(try model.fit(poisonedFirst, labels, epochs: 1, batchSize: 8, shuffle: false, verbose: 0),
                            operation: "fit", sample: 0, value: "\(value)")
            XCTAssertEqual(model.parameters.map(\.value), weights, "the poisoned first batch changed the weights")

            // Shuffled, the sample is named in the dataset's numbering, not the batch's.
            let (x, y) = data(poisoning: 37, with: value)
            assertNonFinite(try self.model().fit(x, y, epochs: 1, batchSize: 8, shuffle: true, verbose: 0, seed: 1),
                            operation: "fit", sample: 37, value: "\(value)")
        }
    }

    func testEvaluatePredictAndTrainOnBatchThrowNamingTheSample() throws {
        let model = model()
        let (x, y) = data(poisoning: 21, with: .nan)
        assertNonFinite(try model.evaluate(x, y, batchSize: 16), operation: "evaluate", sample: 21, value: "nan")
        assertNonFinite(try model.predict(x, batchSize: 16), operation: "predict", sample: 21, value: "nan")
        assertNonFinite(try model.trainOnBatch(x, y), operation: "trainOnBatch", sample: 21, value: "nan")
    }

    func testFloatTargetsAreCheckedToo() throws {
        setRandomSeed(4)
        let model = Sequential<Float>(inputShape: [4]) { Dense(inputSize: 4, outputSize: 1) }
        model.compile(optimizer: SGD(learningRate: 0.1), loss: MeanSquaredError())
        let (x, _) = data(poisoning: nil, with: 0)
        var targets = [Float](repeating: 1, count: 40)
        targets[13] = .infinity
        let y = Tensor<Float>(shape: [40, 1], scalars: targets)
        XCTAssertThrowsError(try model.fit(x, y, epochs: 1, batchSize: 8, verbose: 0)) { error in
            guard case .nonFiniteData("fit", "target", 13, 0, "inf")? = error as? ModelError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertThrowsError(try model.evaluate(x, y)) { error in
            XCTAssertTrue("\(error)".hasPrefix("evaluate: the target of sample 13 holds inf"), "\(error)")
        }
    }

    func testAFunctionalModelWithSeveralInputsNamesTheSample() throws {
        setRandomSeed(5)
        let a = Input<Float>(shape: [3], name: "a"), b = Input<Float>(shape: [2], name: "b")
        let joined = try Concatenate<Float>()([a, b])
        let model = try Functional(inputs: [a, b], outputs: [try Dense<Float>(inputSize: 5, outputSize: 2)(joined)])
        model.compile(optimizer: SGD(learningRate: 0.1), loss: SparseCategoricalCrossentropy(fromLogits: true))
        var bScalars = [Float](repeating: 0.5, count: 20)
        bScalars[2 * 6 + 1] = .nan
        let xa = Tensor<Float>(zeros: [10, 3]), xb = Tensor<Float>(shape: [10, 2], scalars: bScalars)
        let labels = Tensor<Int32>((0..<10).map { Int32($0 % 2) })
        XCTAssertThrowsError(try model.fit(inputs: [xa, xb], targets: [.labels(labels)], epochs: 1, batchSize: 4, verbose: 0)) { error in
            guard case .nonFiniteData("fit", "input", 6, _, "nan")? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try model.predict(inputs: [xa, xb])) { error in
            guard case .nonFiniteData("predict", "input", 6, _, "nan")? = error as? ModelError else { return XCTFail("\(error)") }
        }
    }

    func testTurningTheCheckOffTrainsOnTheDataAsItIs() throws {
        let model = model()
        model.checksInputsAreFinite = false
        let (x, y) = data(poisoning: 5, with: .nan)
        let history = try model.fit(x, y, epochs: 1, batchSize: 8, verbose: 0)
        XCTAssertTrue(history["loss"].last?.isNaN ?? false, "the NaN reached the loss: \(history["loss"])")
        XCTAssertNoThrow(try model.predict(x))
    }

    func testTheScanAgreesWithIsFiniteForEveryKindOfScalar() {
        let specials: [Float] = [0, -0, 1, -1, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.nan, .signalingNaN,
                                 Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFFF_FFFF)]
        for special in specials {
            for position in [0, 1, 31, 63] {
                var floats = [Float](repeating: 0.25, count: 64)
                floats[position] = special
                XCTAssertEqual(floats.withUnsafeBufferPointer(FiniteScan.allFinite), special.isFinite, "\(special) at \(position)")
                let doubles = floats.map(Double.init)
                XCTAssertEqual(doubles.withUnsafeBufferPointer(FiniteScan.allFinite), special.isFinite, "\(special) at \(position)")
            }
        }
        XCTAssertTrue([Float]().withUnsafeBufferPointer(FiniteScan.allFinite))
        XCTAssertFalse([Double(bitPattern: 0x7FF0_0000_0000_0001)].withUnsafeBufferPointer(FiniteScan.allFinite))
        XCTAssertTrue([Double.greatestFiniteMagnitude].withUnsafeBufferPointer(FiniteScan.allFinite))
    }
}
