import Tapestry
@testable import TapestryNN
import XCTest

/// The planned step's buffer kernels agree with the tape's ops, edge values included.
final class StepKernelsTests: XCTestCase {
    func testReluAndItsPullbackMatchTheTapesOnEdgeValues() {
        // More than eight values, so vectorised loops and their remainders both run.
        let values: [Float] = [-.infinity, -3, -0.0, 0, 1e-30, 2, .infinity, .nan, -1, 5, -7, 0.5, 3]
        let x = Tensor(values)
        var output = [Float](repeating: 99, count: values.count)
        values.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { StepKernels.relu(input.baseAddress!, into: $0.baseAddress!, count: values.count) }
        }
        let expected = x.relu().scalars
        for (index, (a, b)) in zip(output, expected).enumerated() {
            XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "relu(\(values[index])): \(a) vs \(b)")
        }
        let cotangent: [Float] = (0..<values.count).map { Float($0) - 4 }
        var gradient = [Float](repeating: 99, count: values.count)
        cotangent.withUnsafeBufferPointer { g in
            output.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer {
                    StepKernels.reluGradient(g.baseAddress!, output: y.baseAddress!, into: $0.baseAddress!, count: values.count)
                }
            }
        }
        let tape = Tape<Float>()
        let tracked = tape.watch(x)
        let recorded = tape.gradient(of: (tracked.relu() * Tensor(cotangent)).sum(), wrt: tracked)
        for (index, (a, b)) in zip(gradient, recorded.scalars).enumerated() {
            XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "relu'(\(values[index])): \(a) vs \(b)")
        }
    }

    func testSoftmaxAndColumnSumsMatchTheTapes() {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let x = Tensor<Double>(randomNormal: [5, 7], using: &generator)
        var rows = x.scalars
        rows.withUnsafeMutableBufferPointer { StepKernels.softmax($0.baseAddress!, rows: 5, width: 7) }
        XCTAssertTrue(Tensor(shape: [5, 7], scalars: rows).isApproximatelyEqual(to: x.softmax(), tolerance: 1e-15))
        var sums = [Double](repeating: .nan, count: 7)
        x.withUnsafeScalars { input in
            sums.withUnsafeMutableBufferPointer { StepKernels.columnSums(input.baseAddress!, rows: 5, width: 7, into: $0.baseAddress!) }
        }
        XCTAssertEqual(sums, x.sum(alongAxis: 0).scalars)
    }
}
