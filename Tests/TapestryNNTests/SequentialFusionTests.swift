import XCTest
import Tapestry
@testable import TapestryNN

/// `Sequential`'s inference fusion of a `Conv2D` followed by a `MaxPooling2D`: the same
/// predictions as evaluating the layers one by one, and no fusion where it would change
/// what is computed or recorded.
final class SequentialFusionTests: XCTestCase {
    /// The Fashion CNN of the README, seeded.
    static func fashionCNN(activation: Activation = .relu) -> Sequential<Float> {
        Sequential<Float>(inputShape: [28, 28]) {
            Reshape([28, 28, 1])
            Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: activation, seed: 1)
            MaxPooling2D(poolSize: (2, 2))
            Conv2D(inputChannels: 32, filters: 64, kernelSize: (3, 3), activation: activation, seed: 2)
            MaxPooling2D(poolSize: (2, 2))
            Flatten()
            Dense(inputSize: 1600, outputSize: 64, activation: .relu, seed: 3)
            Dense(inputSize: 64, outputSize: 10, seed: 4)
        }
    }

    private func images(_ count: Int, seed: UInt64) -> Tensor<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor<Float>(randomUniform: [count, 28, 28], in: 0..<1, using: &generator)
    }

    /// Each layer applied to the previous one's output, nothing fused.
    private func layerByLayer(_ model: Sequential<Float>, _ x: Tensor<Float>) -> Tensor<Float> {
        model.layers.reduce(x) { $1($0) }
    }

    func testFashionCNNPredictionEqualsLayerByLayerEvaluation() throws {
        let model = Self.fashionCNN()
        let x = images(7, seed: 81)
        let expected = layerByLayer(model, x)
        XCTAssertEqual(expected.shape, [7, 10])
        XCTAssertGreaterThan(expected.scalars.map { abs($0) }.max() ?? 0, 0)
        XCTAssertTrue(model(x).isApproximatelyEqual(to: expected, tolerance: 1e-5))
        for batchSize in [1, 3, 32] {
            let predicted = try model.predict(x, batchSize: batchSize)
            XCTAssertTrue(predicted.isApproximatelyEqual(to: expected, tolerance: 1e-5), "batch size \(batchSize)")
        }
    }

    func testTheFusedPairGivesTheLayersOutputsExactly() {
        let model = Self.fashionCNN()
        let x = images(4, seed: 82).reshaped(to: [4, 28, 28, 1])
        let (conv, pool) = (model.layers[1], model.layers[2])
        let fused = Sequential<Float>.convolvedAndPooled(x, conv, pool)
        XCTAssertNotNil(fused)
        XCTAssertEqual(fused?.scalars, pool(conv(x)).scalars)
        // Not a convolution then a pooling, or a mismatched input: no fusion.
        XCTAssertNil(Sequential<Float>.convolvedAndPooled(x, pool, conv))
        XCTAssertNil(Sequential<Float>.convolvedAndPooled(x, conv, model.layers[5]))
        XCTAssertNil(Sequential<Float>.convolvedAndPooled(x, model.layers[3], model.layers[4]))
    }

    func testOtherActivationsRunLayerByLayer() {
        let model = Self.fashionCNN(activation: .sigmoid)
        let x = images(3, seed: 83)
        let conv = model.layers[1]
        XCTAssertNil(Sequential<Float>.convolvedAndPooled(x.reshaped(to: [3, 28, 28, 1]), conv, model.layers[2]))
        XCTAssertTrue(model(x).isApproximatelyEqual(to: layerByLayer(model, x), tolerance: 1e-6))
        let linear = Self.fashionCNN(activation: .linear)
        XCTAssertNotNil(Sequential<Float>.convolvedAndPooled(x.reshaped(to: [3, 28, 28, 1]), linear.layers[1], linear.layers[2]))
        XCTAssertTrue(linear(x).isApproximatelyEqual(to: layerByLayer(linear, x), tolerance: 1e-5))
    }

    func testUnderATapeTheModelRecordsTheLayersAndItsGradientsFlow() throws {
        let model = Self.fashionCNN()
        let x = images(2, seed: 84)
        let (loss, gradients) = try model.valueWithGradient { model in model(x).squared().mean() }
        let expected = layerByLayer(model, x).squared().mean()
        XCTAssertEqual(loss.scalars[0], expected.scalars[0], accuracy: 1e-5 * abs(expected.scalars[0]))
        XCTAssertEqual(gradients.count, model.parameters.count)
        // Both convolutions' kernels get a gradient: the ops were recorded, not fused away.
        XCTAssertGreaterThan(gradients[0].scalars.map { abs($0) }.max() ?? 0, 0)
        XCTAssertGreaterThan(gradients[2].scalars.map { abs($0) }.max() ?? 0, 0)
    }
}
