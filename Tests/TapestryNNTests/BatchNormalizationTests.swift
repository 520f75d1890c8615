import Foundation
import XCTest
import Tapestry
@testable import TapestryNN

/// BatchNormalization's two modes, its moving statistics, and their checkpoints.
final class BatchNormalizationTests: XCTestCase {
    func testTrainingUsesBatchStatisticsAndMovesTheAverages() {
        let layer = BatchNormalization<Double>(featureCount: 2)
        let x = Tensor<Double>(shape: [4, 2], scalars: [1, 10, 2, 10, 3, 10, 4, 30])
        let y = LearningPhase.training { layer(x) }
        XCTAssertEqual(y.mean(alongAxis: 0).scalars[0], 0, accuracy: 1e-12)
        XCTAssertEqual(y[0, 0], -1.5 / (1.25 + 1e-3).squareRoot(), accuracy: 1e-12)
        // moving = 0.99 · moving + 0.01 · batch, from mean 0 and variance 1.
        XCTAssertEqual(layer.movingMean.value.scalars[0], 0.025, accuracy: 1e-12)
        XCTAssertEqual(layer.movingMean.value.scalars[1], 0.15, accuracy: 1e-12)
        XCTAssertEqual(layer.movingVariance.value.scalars[0], 0.99 + 0.0125, accuracy: 1e-12)
        XCTAssertFalse(layer.movingMean.value.isTracked)
    }

    func testInferenceUsesTheMovingStatisticsAndLeavesThemAlone() {
        let layer = BatchNormalization<Double>(featureCount: 2, epsilon: 1e-3)
        layer.movingMean.value = Tensor([1, -1])
        layer.movingVariance.value = Tensor([4, 0.25])
        layer.gamma.value = Tensor([2, 1])
        let x = Tensor<Double>([[3, 0], [1, -1]])
        let y = layer(x)
        XCTAssertEqual(y[0, 0], 2 * 2 / (4 + 1e-3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(y[1, 1], 0, accuracy: 1e-12)
        XCTAssertEqual(layer.movingMean.value, Tensor([1, -1]))
    }

    func testFitTrainsGammaAndBetaButNotTheMovingStatisticsWhichCheckpointsCarry() throws {
        setRandomSeed(4)
        let norm = BatchNormalization<Float>(featureCount: 3)
        let model = Sequential<Float>(inputShape: [2, 2, 3]) {
            norm
            GlobalAveragePooling2D()
            Dense(inputSize: 3, outputSize: 2)
        }
        XCTAssertEqual(model.trainableParameters.count, 4)
        XCTAssertTrue(model.summaryText.contains("Non-trainable params: 6"), model.summaryText)
        model.compile(optimizer: Adam(learningRate: 0.05), loss: SparseCategoricalCrossentropy(fromLogits: true))
        var generator = SeededRandomNumberGenerator(seed: 2)
        let x = Tensor<Float>(randomNormal: [16, 2, 2, 3], mean: 5, standardDeviation: 2, using: &generator)
        let y = Tensor<Int32>((0..<16).map { Int32($0 % 2) })
        _ = try model.fit(x, y, epochs: 3, batchSize: 8, verbose: 0)
        XCTAssertNotEqual(norm.gamma.value, Tensor(ones: [3]))
        // Six batches moved the mean a little toward ≈ 5.
        XCTAssertGreaterThan(norm.movingMean.value.scalars.min() ?? 0, 0.1)
        XCTAssertLessThan(norm.movingMean.value.scalars.max() ?? 9, 1)

        let names = model.namedParameters.map(\.name)
        XCTAssertTrue(names.contains("batch_normalization.moving_mean") && names.contains("batch_normalization.moving_variance"), "\(names)")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bn-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(weightsTo: url)
        let predictions = try model.predict(x)
        let saved = norm.movingMean.value
        norm.movingMean.value = Tensor(zeros: [3])
        XCTAssertNotEqual(try model.predict(x), predictions)
        try model.load(weightsFrom: url)
        XCTAssertEqual(norm.movingMean.value, saved)
        XCTAssertEqual(try model.predict(x), predictions)
    }
}
