import XCTest
@testable import Tapestry

/// Max pooling's one-pass pullback for windows that do not overlap against the zero fill
/// and scatter-add it replaces: the same input cotangent, exactly, for windows with and
/// without gaps between them, valid and same padding, odd and even extents, channel
/// counts on and off the SIMD lanes, batches of 1 to 5, in one part or split.
final class PoolingKernelTests: XCTestCase {
    private typealias Case = (input: [Int], size: (Int, Int), strides: (Int, Int), padding: Padding)

    private let cases: [Case] = [
        ([3, 26, 26, 32], (2, 2), (2, 2), .valid),  // Fashion's first pooling
        ([2, 11, 11, 64], (2, 2), (2, 2), .valid),  // its second: the last row and column in no window
        ([1, 11, 11, 7], (2, 2), (2, 2), .same),
        ([5, 7, 9, 19], (3, 2), (3, 2), .same),
        ([4, 9, 8, 8], (2, 2), (3, 4), .valid),     // gaps between windows
        ([2, 5, 6, 1], (2, 3), (2, 3), .valid),
        ([1, 3, 3, 3], (3, 3), (3, 3), .same),
    ]

    private func checkMatchesScatter<Scalar: TensorScalar>(_: Scalar.Type) {
        let savedThreshold = PoolingKernels.parallelThreshold
        defer { PoolingKernels.parallelThreshold = savedThreshold }
        var generator = SeededRandomNumberGenerator(seed: 91)
        for c in cases {
            let x = Tensor<Scalar>(randomUniform: c.input, in: -1..<1, using: &generator)
            let geometry = x.poolingGeometry(size: c.size, strides: c.strides, padding: c.padding, op: "test")
            let outputShape = [c.input[0], geometry.outputHeight, geometry.outputWidth, c.input[3]]
            let pooled = Tensor<Scalar>(uninitializedShape: outputShape), winners = Tensor<Int32>(uninitializedShape: outputShape)
            PoolingKernels.maxPool(x.storage.base, inputShape: x.shape, geometry: geometry, into: pooled.storage.base,
                                   winners: winners.storage.base)
            let g = Tensor<Scalar>(randomUniform: outputShape, in: 0.5..<1, using: &generator)
            let expected = g.scatteredAdding(at: winners, intoShape: x.shape)
            XCTAssertEqual(expected.scalars.filter { $0 != 0 }.count, g.scalarCount, "\(c): one winner per window")
            for threshold in [Int.max, 0] {
                PoolingKernels.parallelThreshold = threshold
                // Start from garbage: every input position must be written.
                let unpooled = Tensor<Scalar>(repeating: .nan, shape: x.shape)
                PoolingKernels.unpool(g.storage.base, winners: winners.storage.base, inputShape: x.shape,
                                      geometry: geometry, into: unpooled.storage.base)
                XCTAssertEqual(unpooled.scalars, expected.scalars, "\(Scalar.self) \(c), threshold \(threshold)")
                XCTAssertEqual(g.unpooled(at: winners, intoShape: x.shape, geometry).scalars, expected.scalars,
                               "\(Scalar.self) \(c), threshold \(threshold)")
            }
        }
    }

    func testFloatUnpoolingMatchesTheScatter() {
        checkMatchesScatter(Float.self)
    }

    func testDoubleUnpoolingMatchesTheScatter() {
        checkMatchesScatter(Double.self)
    }

    /// Overlapping windows keep the scatter, and either way the recorded pullback is a
    /// `scatter_add` whose own pullback gathers from the winners.
    func testUnpoolingIsRecordedAsAScatterWhosePullbackGathers() {
        var generator = SeededRandomNumberGenerator(seed: 92)
        let x = Tensor<Double>(randomUniform: [2, 7, 6, 3], in: -1..<1, using: &generator)
        for (size, strides) in [((2, 2), (2, 2)), ((3, 3), (2, 2))] {
            let geometry = x.poolingGeometry(size: size, strides: strides, padding: .valid, op: "test")
            let outputShape = [2, geometry.outputHeight, geometry.outputWidth, 3]
            let pooled = Tensor<Double>(uninitializedShape: outputShape), winners = Tensor<Int32>(uninitializedShape: outputShape)
            PoolingKernels.maxPool(x.storage.base, inputShape: x.shape, geometry: geometry, into: pooled.storage.base,
                                   winners: winners.storage.base)
            let g = Tensor<Double>(randomUniform: outputShape, in: -1..<1, using: &generator)
            let seed = Tensor<Double>(randomUniform: x.shape, in: -1..<1, using: &generator)
            let (value, back) = pullback(at: [g]) { $0[0].unpooled(at: winners, intoShape: x.shape, geometry) }
            XCTAssertEqual(value, g.scatteredAdding(at: winners, intoShape: x.shape), "\(size) \(strides)")
            XCTAssertEqual(back(seed)[0], seed.gathered(at: winners), "\(size) \(strides)")
        }
    }
}
