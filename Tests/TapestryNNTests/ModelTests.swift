import Foundation
import XCTest
import Tapestry
import TapestryData
import TapestryNN

// README: custom model begin
/// A model of my own: two towers over the same input, added, then a linear head.
final class TwoTower: Model<Float> {
    let left = Dense<Float>(inputSize: 1, outputSize: 16, activation: .tanh)
    let right = Dense<Float>(inputSize: 1, outputSize: 16, activation: .relu)
    let head = Dense<Float>(inputSize: 16, outputSize: 1)

    init() { super.init(inputShape: [1]) }

    override func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
        head(left(x) + right(x))
    }
}
// README: custom model end

final class ModelTests: XCTestCase {
    /// 64 points of y = x² on [-1, 1).
    private func parabola() -> (x: Tensor<Float>, y: Tensor<Float>) {
        let x = Tensor<Float>(shape: [64, 1], scalars: (0..<64).map { Float($0) / 32 - 1 })
        return (x, x * x)
    }

    func testCustomTrainingLoopOverAUserModel() throws {
        let (x, y) = parabola()
        // README: custom loop begin
        setRandomSeed(0)
        let model = TwoTower()
        let optimizer = Adam<Float>(learningRate: 0.01)
        var losses: [Float] = []
        for _ in 1...300 {
            let (loss, gradients) = try model.valueWithGradient { model in
                (model(x) - y).squared().mean()
            }
            optimizer.update(model.trainableParameters, with: gradients)
            losses.append(loss.scalar)
        }
        print(model.namedParameters.map(\.name))   // ["left.kernel", "left.bias", "right.kernel", …]
        // README: custom loop end

        XCTAssertEqual(model.namedParameters.map(\.name), [
            "left.kernel", "left.bias", "right.kernel", "right.bias", "head.kernel", "head.bias"])
        XCTAssertEqual(model.name, "two_tower")
        XCTAssertLessThan(losses.last ?? .infinity, 0.01 * losses[0], "the loss falls by 100×: \(losses.first ?? 0) → \(losses.last ?? 0)")
        XCTAssertFalse(model.parameters.contains { $0.value.isTracked }, "the step leaves the parameters untracked")
    }

    func testUserModelGetsTheWholeKerasWorkflow() throws {
        let (x, y) = parabola()
        setRandomSeed(1)
        let model = TwoTower()
        model.compile(optimizer: Adam(learningRate: 0.01), loss: MeanSquaredError())
        let history = try model.fit(x, y, epochs: 60, batchSize: 16, verbose: 0)
        XCTAssertLessThan(history["loss"].last ?? .infinity, history["loss"][0] * 0.2)
        let evaluation = try model.evaluate(x, y)
        XCTAssertEqual(evaluation.loss, Double((model(x) - y).squared().mean().scalar), accuracy: 1e-6)
        let predictions = try model.predict(x, batchSize: 10)
        XCTAssertTrue(predictions.isApproximatelyEqual(to: model(x), tolerance: 1e-6))
        XCTAssertEqual(try model.outputShape(forInputShape: [1]), [1])
        XCTAssertTrue(model.summaryText.contains("left (Dense)"), model.summaryText)
        XCTAssertTrue(model.summaryText.contains("Total params: 81 "), model.summaryText)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("two-tower-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(weightsTo: url)
        let restored = TwoTower()
        try restored.load(weightsFrom: url)
        XCTAssertEqual(restored(x), model(x))

        let description = model.modelDescription
        XCTAssertEqual(description.nodes.map(\.name), ["input", "two_tower"])
        XCTAssertEqual(description.nodes[1].nested?.nodes.map(\.name), ["left", "right", "head"])
        XCTAssertEqual(description.parameterCount, 81)
    }

    func testWrongInputShapeThrowsWhenCalledChecked() {
        let model = TwoTower()
        XCTAssertThrowsError(try model(checking: Tensor(zeros: [4, 3]))) { error in
            XCTAssertEqual(error as? ModelError, .incompatibleInputShape(layer: "two_tower", expected: "[1]", got: [3]))
        }
        XCTAssertEqual(try model(checking: Tensor(zeros: [4, 1])).shape, [4, 1])
    }

    func testValueWithGradientMatchesTheTape() throws {
        let layer = Dense<Double>(inputSize: 3, outputSize: 2, seed: 4)
        let x = Tensor<Double>([[1, 2, 3], [-1, 0, 2]])
        let (value, gradients) = try valueWithGradient(at: layer.parameters) { layer(x).squared().sum() }
        // d/dW Σ (xW + b)² = xᵀ · 2(xW + b); d/db = Σ_rows 2(xW + b).
        let z = x.matmul(layer.kernel.value) + layer.bias.value
        XCTAssertEqual(value.scalar, z.squared().sum().scalar, accuracy: 1e-12)
        XCTAssertTrue(gradients[0].isApproximatelyEqual(to: x.transposed().matmul(z * 2), tolerance: 1e-12))
        XCTAssertTrue(gradients[1].isApproximatelyEqual(to: (z * 2).sum(alongAxis: 0), tolerance: 1e-12))
        XCTAssertThrowsError(try valueWithGradient(at: layer.parameters) { x.sum() }, "a value that ignores the parameters")
    }

    func testParameterNamesFollowPropertyPathsWithoutInternals() {
        final class Block: Layer {
            var name = "block"
            lazy var inner = Dense<Float>(inputSize: 2, outputSize: 2, seed: 1)
            let stack = [Dense<Float>(inputSize: 2, outputSize: 2, seed: 2), Dense<Float>(inputSize: 2, outputSize: 2, seed: 3)]
            let scale = Parameter<Float>("scale", value: Tensor(ones: [2]))
            func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { stack[1](stack[0](inner(x))) * scale.value }
            func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
        }
        let block = Block()
        _ = block.inner
        XCTAssertEqual(block.namedParameters.map(\.name), [
            "inner.kernel", "inner.bias", "stack.0.kernel", "stack.0.bias", "stack.1.kernel", "stack.1.bias", "scale"])
        let model = Sequential<Float>(layers: [block, Dense(inputSize: 2, outputSize: 1)])
        XCTAssertEqual(model.namedParameters.first?.name, "block.inner.kernel")
        XCTAssertEqual(model.namedParameters.last?.name, "dense.bias")
    }
}

final class AccuracyTests: XCTestCase {
    func testAccuracyOnOneOutputIsBinaryAccuracy() {
        let metric = Metric.accuracy
        metric.update(predictions: Tensor<Float>([[0.9], [0.2], [0.7], [0.4]]), targets: .values(Tensor([1, 0, 0, 0])))
        XCTAssertEqual(metric.result(), 0.75, accuracy: 1e-12)
        metric.reset()
        XCTAssertEqual(metric.result(), 0)
    }

    func testAccuracyPicksSparseOrCategorical() {
        let logits = Tensor<Float>([[0.1, 2, 0.3], [3, 0, 1], [0, 0, 5]])
        let sparse = Metric.accuracy
        sparse.update(predictions: logits, targets: .labels(Tensor<Int32>([1, 2, 2])))
        XCTAssertEqual(sparse.result(), 2.0 / 3, accuracy: 1e-12)
        let categorical = Metric.accuracy
        categorical.update(predictions: logits, targets: .values(Tensor([[0, 1, 0], [1, 0, 0], [0, 1, 0]])))
        XCTAssertEqual(categorical.result(), 2.0 / 3, accuracy: 1e-12)
    }

    func testSigmoidClassifierReportsItsRealAccuracy() throws {
        // Points labelled by the side of the line x₀ + x₁ = 0: a one-output model whose
        // accuracy must be the binary one (argmax over one column would say 0.5).
        var generator = SeededRandomNumberGenerator(seed: 3)
        let x = Tensor<Float>(randomUniform: [200, 2], in: -1..<1, using: &generator)
        let y = Tensor<Float>(shape: [200], scalars: (0..<200).map { x[$0, 0] + x[$0, 1] > 0 ? 1 : 0 })
        setRandomSeed(2)
        let model = Sequential<Float>(inputShape: [2]) { Dense(inputSize: 2, outputSize: 1, activation: .sigmoid) }
        model.compile(optimizer: Adam(learningRate: 0.05), loss: MeanSquaredError(), metrics: [.accuracy])
        let history = try model.fit(x, y, epochs: 40, verbose: 0)
        XCTAssertGreaterThan(history["accuracy"].last ?? 0, 0.95)
        XCTAssertGreaterThan(try model.evaluate(x, y).accuracy ?? 0, 0.95)
    }

    func testUserMetricIsReported() throws {
        final class MeanOutput: MeanMetric {
            init() { super.init(name: "mean_output") }
            override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
                add(total: Double(predictions.sum().scalar), count: predictions.scalarCount)
            }
        }
        let model = Sequential<Float>(inputShape: [1]) { Dense(inputSize: 1, outputSize: 1, seed: 1) }
        model.compile(optimizer: SGD(learningRate: 0), loss: MeanSquaredError(), metrics: [MeanOutput()])
        let x = Tensor<Float>([[1], [2], [3]])
        let evaluation = try model.evaluate(x, Tensor<Float>([0, 0, 0]))
        XCTAssertEqual(evaluation.metrics["mean_output"] ?? .nan, Double(model(x).mean().scalar), accuracy: 1e-6)
    }
}
