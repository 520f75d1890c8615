import XCTest
import Tapestry
import TapestryNN

// README: custom layer begin
/// A residual block: `x + dense₂(tanh(dense₁(x)))`. Its parameters are found through its
/// stored properties and named after them (`residual.first.kernel`).
final class Residual<Scalar: TensorScalar>: Layer {
    var name = ""
    let first: Dense<Scalar>
    let second: Dense<Scalar>

    init(size: Int) {
        first = Dense(inputSize: size, outputSize: size, activation: .tanh)
        second = Dense(inputSize: size, outputSize: size)
    }

    func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x + second(first(x)) }

    func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}
// README: custom layer end

final class CustomLayerTests: XCTestCase {
    func testResidualBlockTrainsWithFitAndPassesGradcheck() throws {
        // README: custom training begin
        // 200 points on two rings (radius 0.5: label 0, radius 1: label 1).
        var generator = SeededRandomNumberGenerator(seed: 0)
        let angles = Tensor<Float>(randomUniform: [200], in: 0..<6.2832, using: &generator)
        let radii = Tensor<Float>(shape: [200], scalars: (0..<200).map { $0 < 100 ? 0.5 : 1 })
        let x = Tensor(stacking: [radii * angles.cos(), radii * angles.sin()], alongAxis: 1)
        let y = Tensor<Int32>(shape: [200], scalars: (0..<200).map { $0 < 100 ? 0 : 1 })

        setRandomSeed(0)
        let model = Sequential<Float>(inputShape: [2]) {
            Dense(inputSize: 2, outputSize: 16, activation: .relu)
            Residual(size: 16)
            Dense(inputSize: 16, outputSize: 2)
        }
        model.compile(optimizer: Adam(learningRate: 0.01),
                      loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let history = try model.fit(x, y, epochs: 100, verbose: 0)

        let report = gradcheck(Residual<Double>(size: 4), input: Tensor(randomNormal: [3, 4], using: &generator))
        // README: custom training end

        XCTAssertEqual(model.layers.map { $0.name }, ["dense", "residual", "dense_1"])
        XCTAssertEqual(Array(model.namedParameters.map(\.name)[2...5]), [
            "residual.first.kernel", "residual.first.bias", "residual.second.kernel", "residual.second.bias"])
        XCTAssertGreaterThan(history["accuracy"].last ?? 0, 0.95)
        XCTAssertTrue(report.passed, report.description)
        XCTAssertEqual(report.inputs.count, 5, "4 parameters and the input")
    }
}
