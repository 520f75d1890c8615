import XCTest
import Tapestry
import TapestryNN

// README: custom layer begin
/// A residual block: `x + dense₂(relu(dense₁(x)))`.
final class Residual<Scalar: TensorScalar>: Layer {
    var name = ""
    let first: Dense<Scalar>
    let second: Dense<Scalar>

    init(size: Int) {
        first = Dense(inputSize: size, outputSize: size, activation: .tanh)
        second = Dense(inputSize: size, outputSize: size)
    }

    var parameters: [Parameter<Scalar>] { first.parameters + second.parameters }

    func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x + second(first(x)) }

    func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}
// README: custom layer end

final class CustomLayerTests: XCTestCase {
    func testResidualBlockTrainsWithFitAndPassesGradcheck() throws {
        // README: custom training begin
        setRandomSeed(0)
        let model = Sequential<Float>(inputShape: [2]) {
            Dense(inputSize: 2, outputSize: 32, activation: .relu)
            Residual(size: 32)
            Dense(inputSize: 32, outputSize: 2)
        }
        model.compile(optimizer: Adam(learningRate: 0.01),
                      loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let (x, y) = TrainingTests.twoSpirals(perClass: 100)   // 200 points on two interleaved spirals, labels 0/1
        let history = try model.fit(x, y, epochs: 300, verbose: 0)

        var generator = SeededRandomNumberGenerator(seed: 1)
        let block = Residual<Double>(size: 4)
        let report = gradcheck(block, input: Tensor(randomNormal: [3, 4], using: &generator))
        // README: custom training end

        XCTAssertEqual(model.layers.map { $0.name }, ["dense", "residual", "dense_1"])
        XCTAssertEqual(Array(model.namedParameters.map(\.name)[2...5]), [
            "residual.first.kernel", "residual.first.bias", "residual.second.kernel", "residual.second.bias"])
        XCTAssertGreaterThan(history["accuracy"].last ?? 0, 0.95)
        XCTAssertTrue(report.passed, report.description)
        XCTAssertEqual(report.inputs.count, 5, "4 parameters and the input")
    }
}
