import XCTest
import Tapestry
@testable import TapestryNN

/// Optimizer steps against reference numbers.
///
/// The references come from a NumPy transcription of Keras 3's update rules
/// (keras/src/optimizers/adam.py and sgd.py) in float64, minimising Σθ² (so g = 2θ) from
/// θ = [0.5, −1.5, 2.0] with learning rate 0.1:
///
///     alpha = lr * sqrt(1 - b2**t) / (1 - b1**t); m += (g - m) * (1 - b1)
///     v += (g*g - v) * (1 - b2); th -= m * alpha / (sqrt(v) + eps)
final class OptimizerTests: XCTestCase {
    private func run(_ optimizer: some Optimizer<Double>, steps: Int) -> [[Double]] {
        let parameter = Parameter("theta", value: Tensor<Double>([0.5, -1.5, 2.0]))
        return (0..<steps).map { _ in
            optimizer.update([parameter], with: [parameter.value * 2])
            return parameter.value.scalars
        }
    }

    private func assertClose(_ actual: [[Double]], _ expected: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, e) in zip(actual.joined(), expected.joined()) {
            XCTAssertEqual(a, e, accuracy: 1e-12, file: file, line: line)
        }
    }

    func testAdamMatchesKerasReference() {
        let adam = Adam<Double>(learningRate: 0.1)
        XCTAssertEqual(adam.beta1, 0.9)
        XCTAssertEqual(adam.beta2, 0.999)
        XCTAssertEqual(adam.epsilon, 1e-7)
        XCTAssertEqual(Adam<Float>().learningRate, 1e-3)
        assertClose(run(adam, steps: 3), [
            [0.400000316226766, -1.4000001054091442, 1.900000079056879],
            [0.3011879736307703, -1.3002392435964603, 1.8001666217414731],
            [0.204871999501114, -1.200903115353242, 1.700623574825095],
        ])
        XCTAssertEqual(adam.step, 3)
    }

    func testSGDPlainMomentumAndNesterovMatchKerasReference() {
        assertClose(run(SGD<Double>(learningRate: 0.1), steps: 3),
                    [[0.4, -1.2, 1.6], [0.32, -0.96, 1.28], [0.256, -0.768, 1.024]])
        assertClose(run(SGD<Double>(learningRate: 0.1, momentum: 0.9), steps: 3),
                    [[0.4, -1.2, 1.6], [0.23, -0.69, 0.92], [0.031, -0.093, 0.124]])
        assertClose(run(SGD<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true), steps: 3),
                    [[0.31, -0.93, 1.24], [0.1112, -0.3336, 0.4448], [-0.054176, 0.162528, -0.216704]])
    }

    func testFloatAdamAgreesWithDouble() {
        let parameter = Parameter("theta", value: Tensor<Float>([0.5, -1.5, 2.0]))
        let adam = Adam<Float>(learningRate: 0.1)
        for _ in 0..<3 { adam.update([parameter], with: [parameter.value * 2]) }
        XCTAssertEqual(parameter.value.scalars[0], 0.204871999501114, accuracy: 1e-5)
    }
}
