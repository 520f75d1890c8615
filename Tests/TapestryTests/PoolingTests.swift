import XCTest
import Tapestry

/// Pooling against direct loops, and where max pooling sends its gradient.
final class PoolingTests: XCTestCase {
    private func naivePool(
        _ x: Tensor<Double>, size: (Int, Int), strides: (Int, Int), padding: Padding, combine: ([Double]) -> Double
    ) -> Tensor<Double> {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let vertical = padding.outputSize(input: height, reach: size.0, stride: strides.0)!
        let horizontal = padding.outputSize(input: width, reach: size.1, stride: strides.1)!
        var y = Tensor<Double>(zeros: [batch, vertical.size, horizontal.size, channels])
        for n in 0..<batch {
            for i in 0..<vertical.size {
                for j in 0..<horizontal.size {
                    for c in 0..<channels {
                        var values: [Double] = []
                        for p in 0..<size.0 {
                            for q in 0..<size.1 {
                                let row = i * strides.0 + p - vertical.before, column = j * strides.1 + q - horizontal.before
                                if (0..<height).contains(row) && (0..<width).contains(column) { values.append(x[n, row, column, c]) }
                            }
                        }
                        y[n, i, j, c] = combine(values)
                    }
                }
            }
        }
        return y
    }

    func testMaxAndAveragePoolingMatchTheDefinition() {
        var generator = SeededRandomNumberGenerator(seed: 4)
        let x = Tensor<Double>(randomUniform: [2, 7, 6, 3], in: -1..<1, using: &generator)
        let settings: [(size: (Int, Int), strides: (Int, Int), padding: Padding)] = [
            ((2, 2), (2, 2), .valid), ((3, 2), (2, 2), .same), ((3, 3), (1, 1), .same), ((2, 3), (1, 2), .valid),
        ]
        for s in settings {
            let max = x.maxPooled2D(size: s.size, strides: s.strides, padding: s.padding)
            XCTAssertEqual(max, naivePool(x, size: s.size, strides: s.strides, padding: s.padding) { $0.max()! }, "\(s)")
            let tape = Tape<Double>()
            XCTAssertEqual(tape.watch(x).maxPooled2D(size: s.size, strides: s.strides, padding: s.padding).detached(), max,
                           "recorded (with winners) and untracked agree: \(s)")
            let average = x.averagePooled2D(size: s.size, strides: s.strides, padding: s.padding)
            let expected = naivePool(x, size: s.size, strides: s.strides, padding: s.padding) { $0.reduce(0, +) / Double($0.count) }
            XCTAssertTrue(average.isApproximatelyEqual(to: expected, tolerance: 1e-12), "\(s)")
        }
    }

    func testFloatMaxPoolingInSIMDLanesMatchesTheScalarPath() {
        // 19 channels: two SIMD blocks of 8 and a scalar tail of 3; ties go to the first.
        var generator = SeededRandomNumberGenerator(seed: 6)
        let values = Tensor<Double>(randomUniform: [2, 5, 7, 19], in: -1..<1, using: &generator)
        let x = Tensor<Float>(converting: Tensor<Int32>(converting: values * 8, rounding: .toNearestOrAwayFromZero))
        for (size, strides, padding) in [((2, 2), (2, 2), Padding.valid), ((3, 2), (2, 1), .same)] {
            let expected = Tensor<Float>(converting: Tensor<Double>(converting: x).maxPooled2D(size: size, strides: strides, padding: padding))
            XCTAssertEqual(x.maxPooled2D(size: size, strides: strides, padding: padding), expected)
            let tape = Tape<Float>(), watched = tape.watch(x)
            let y = watched.maxPooled2D(size: size, strides: strides, padding: padding)
            let gradient = tape.gradient(of: y.sum(), wrt: watched)
            let tape64 = Tape<Double>(), watched64 = tape64.watch(Tensor<Double>(converting: x))
            let gradient64 = tape64.gradient(of: watched64.maxPooled2D(size: size, strides: strides, padding: padding).sum(), wrt: watched64)
            XCTAssertEqual(gradient, Tensor<Float>(converting: gradient64), "the same first maximum wins")
        }
    }

    func testMaxPoolingStridesDefaultToTheWindow() {
        XCTAssertEqual(Tensor<Float>(zeros: [4, 26, 26, 32]).maxPooled2D().shape, [4, 13, 13, 32])
        XCTAssertEqual(Tensor<Float>(zeros: [4, 11, 11, 64]).maxPooled2D(size: (2, 2)).shape, [4, 5, 5, 64])
        XCTAssertEqual(Tensor<Float>(zeros: [4, 11, 11, 64]).maxPooled2D(padding: .same).shape, [4, 6, 6, 64])
    }

    func testMaxPoolingGradientGoesToTheFirstMaximumOnly() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor(shape: [1, 2, 2, 1], scalars: [3, 7, 7, 1]))
        let gradient = tape.gradient(of: (x.maxPooled2D() * 5).sum(), wrt: x)
        XCTAssertEqual(gradient.scalars, [0, 5, 0, 0])
    }

    func testGlobalAveragePoolingAveragesEachChannel() {
        let x = Tensor<Float>(shape: [1, 2, 2, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40])
        XCTAssertEqual(x.globalAveragePooled2D(), Tensor(shape: [1, 2], scalars: [2.5, 25]))
    }
}
