import XCTest
@testable import Tapestry

/// `convolvedAndMaxPooled2D` against the convolution followed by the max pooling: the same
/// values whether the convolution runs directly or through im2col, in one part or split,
/// a chunk of images or one image at a time; under a tape, the same gradients.
final class ConvolutionPoolingTests: XCTestCase {
    private typealias Case = (
        input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding, dilation: (Int, Int), rectified: Bool,
        pool: (Int, Int), poolStrides: (Int, Int)?, poolPadding: Padding
    )

    private let cases: [Case] = [
        ([3, 28, 28, 1], [3, 3, 1, 32], (1, 1), .valid, (1, 1), true, (2, 2), nil, .valid),   // Fashion's first pair
        ([3, 13, 13, 32], [3, 3, 32, 64], (1, 1), .valid, (1, 1), true, (2, 2), nil, .valid), // its second (im2col)
        ([2, 9, 11, 2], [3, 2, 2, 5], (2, 1), .same, (1, 2), false, (3, 2), (2, 1), .same),
        ([5, 8, 7, 3], [2, 2, 3, 18], (1, 1), .same, (1, 1), true, (2, 3), (1, 2), .valid),
        ([1, 6, 6, 4], [3, 3, 4, 7], (1, 1), .same, (2, 2), false, (3, 3), nil, .same),
    ]

    private func unfused<Scalar: TensorScalar>(_ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ b: Tensor<Scalar>, _ c: Case) -> Tensor<Scalar> {
        x.convolved2D(with: k, bias: b, strides: c.strides, padding: c.padding, dilation: c.dilation, rectified: c.rectified)
            .maxPooled2D(size: c.pool, strides: c.poolStrides, padding: c.poolPadding)
    }

    private func fused<Scalar: TensorScalar>(_ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ b: Tensor<Scalar>, _ c: Case) -> Tensor<Scalar> {
        x.convolvedAndMaxPooled2D(with: k, bias: b, strides: c.strides, padding: c.padding, dilation: c.dilation,
                                  rectified: c.rectified, poolSize: c.pool, poolStrides: c.poolStrides,
                                  poolPadding: c.poolPadding)
    }

    private func checkFusedMatchesConvolutionThenPooling<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Scalar, seed: UInt64) {
        let savedThreshold = ConvolutionKernels.parallelThreshold, savedBudget = ConvolutionKernels.convolvedBudget
        let savedColumns = ConvolutionKernels.columnBudget, savedDepth = DirectConvolutionKernels.depthLimit
        defer {
            ConvolutionKernels.parallelThreshold = savedThreshold
            ConvolutionKernels.convolvedBudget = savedBudget
            ConvolutionKernels.columnBudget = savedColumns
            DirectConvolutionKernels.depthLimit = savedDepth
        }
        var generator = SeededRandomNumberGenerator(seed: seed)
        for c in cases {
            let x = Tensor<Scalar>(randomUniform: c.input, in: -1..<1, using: &generator)
            let k = Tensor<Scalar>(randomUniform: c.kernel, in: -1..<1, using: &generator)
            let b = Tensor<Scalar>(randomUniform: [c.kernel[3]], in: -0.5..<0.5, using: &generator)
            for depthLimit in [savedDepth, 0] {
                DirectConvolutionKernels.depthLimit = depthLimit
                ConvolutionKernels.parallelThreshold = savedThreshold
                ConvolutionKernels.convolvedBudget = savedBudget
                ConvolutionKernels.columnBudget = savedColumns
                let expected = unfused(x, k, b, c)
                XCTAssertGreaterThan(expected.scalars.map { abs($0) }.max() ?? 0, 0)
                // One part or split; chunks as large as the budgets allow, or an image each.
                for (threshold, budget) in [(Int.max, savedBudget), (0, savedBudget), (Int.max, 1), (0, 1)] {
                    ConvolutionKernels.parallelThreshold = threshold
                    ConvolutionKernels.convolvedBudget = budget
                    ConvolutionKernels.columnBudget = budget == 1 ? 1 : savedColumns
                    let label = "\(Scalar.self) \(c.input) ⊛ \(c.kernel), pool \(c.pool), direct depth ≤ \(depthLimit), threshold \(threshold), budget \(budget)"
                    let result = fused(x, k, b, c)
                    XCTAssertEqual(result.shape, expected.shape, label)
                    XCTAssertTrue(result.isApproximatelyEqual(to: expected, tolerance: tolerance), label)
                }
            }
        }
    }

    func testFusedFloatConvolutionAndPoolingMatchesConvolutionThenPooling() {
        checkFusedMatchesConvolutionThenPooling(Float.self, tolerance: 1e-6, seed: 71)
    }

    func testFusedDoubleConvolutionAndPoolingMatchesConvolutionThenPooling() {
        checkFusedMatchesConvolutionThenPooling(Double.self, tolerance: 1e-12, seed: 72)
    }

    func testUnderATapeTheFusedOpIsTheCompositionWithItsGradients() {
        var generator = SeededRandomNumberGenerator(seed: 73)
        for c in cases where c.input[3] <= 4 {
            let x = Tensor<Double>(randomUniform: c.input, in: -1..<1, using: &generator)
            let k = Tensor<Double>(randomUniform: c.kernel, in: -1..<1, using: &generator)
            let b = Tensor<Double>(randomUniform: [c.kernel[3]], in: -0.5..<0.5, using: &generator)
            var results: [(Tensor<Double>, [Tensor<Double>])] = []
            for f in [fused, unfused] as [(Tensor<Double>, Tensor<Double>, Tensor<Double>, Case) -> Tensor<Double>] {
                let tape = Tape<Double>()
                let watched = [x, k, b].map { tape.watch($0) }
                let y = f(watched[0], watched[1], watched[2], c)
                let weights = Tensor<Double>(shape: y.shape, scalars: (0..<y.scalarCount).map { Double($0 % 7) - 3 })
                XCTAssertTrue(y.isTracked)
                results.append((y.detached(), tape.gradient(of: (y * weights).sum(), wrt: watched)))
            }
            XCTAssertEqual(results[0].0.scalars, results[1].0.scalars, "\(c.input) ⊛ \(c.kernel)")
            for (gradient, expected) in zip(results[0].1, results[1].1) {
                XCTAssertEqual(gradient.scalars, expected.scalars, "\(c.input) ⊛ \(c.kernel)")
                XCTAssertGreaterThan(gradient.scalars.map { abs($0) }.max() ?? 0, 0)
            }
        }
    }
}
