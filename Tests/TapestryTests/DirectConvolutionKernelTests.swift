import XCTest
@testable import Tapestry

/// The direct convolution of shallow windows against the im2col path it replaces: the same
/// forward values (with and without bias and ReLU) and the same kernel, bias and input
/// gradients (also as a first layer, whose input needs none), in `Float` and `Double`, over strides, padding, dilation, non-square images
/// and windows, channel counts on and off the 16-lane blocks, in one part or split.
final class DirectConvolutionKernelTests: XCTestCase {
    private typealias Case = (input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding, dilation: (Int, Int))

    private let cases: [Case] = [
        ([2, 28, 28, 1], [3, 3, 1, 32], (1, 1), .valid, (1, 1)),  // Fashion's first layer
        ([1, 9, 7, 1], [3, 3, 1, 5], (2, 2), .same, (1, 1)),
        ([3, 8, 10, 2], [3, 2, 2, 21], (1, 2), .same, (2, 2)),
        ([5, 6, 5, 3], [2, 3, 3, 16], (2, 1), .valid, (1, 1)),
        ([4, 7, 7, 3], [3, 3, 3, 17], (1, 1), .same, (2, 1)),
        ([2, 11, 9, 1], [3, 3, 1, 8], (2, 2), .valid, (2, 2)),
        ([1, 5, 4, 2], [5, 4, 2, 3], (1, 1), .valid, (1, 1)),
        ([3, 6, 13, 2], [1, 5, 2, 40], (1, 1), .same, (1, 3)),
        // At most 9 taps over whole channel blocks: the kernel gradient summed in registers,
        // across the border, two blocks and then one, fewer taps than registers.
        ([3, 10, 9, 1], [3, 3, 1, 48], (1, 1), .same, (1, 1)),
        ([2, 9, 8, 2], [2, 2, 2, 16], (2, 1), .same, (1, 2)),
        ([5, 7, 6, 1], [1, 1, 1, 32], (1, 1), .valid, (1, 1)),
    ]

    /// The forward value and the input, kernel and bias gradients of `Σ conv(x) · weights`
    /// through the direct loops (`direct`) or im2col, in one part or split (`split`).
    private func convolve<Scalar: TensorScalar>(
        _ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ b: Tensor<Scalar>?, _ c: Case, rectified: Bool,
        weights: Tensor<Scalar>, direct: Bool, split: Bool
    ) -> (untracked: Tensor<Scalar>, tracked: Tensor<Scalar>, gradients: [Tensor<Scalar>], parameterGradients: [Tensor<Scalar>]) {
        DirectConvolutionKernels.depthLimit = direct ? Int.max : 0
        ConvolutionKernels.parallelThreshold = split ? 0 : Int.max
        let untracked = x.convolved2D(with: k, bias: b, strides: c.strides, padding: c.padding, dilation: c.dilation,
                                      rectified: rectified)
        let tape = Tape<Scalar>()
        let watched = ([x, k] + (b.map { [$0] } ?? [])).map { tape.watch($0) }
        let y = watched[0].convolved2D(with: watched[1], bias: b == nil ? nil : watched[2], strides: c.strides,
                                       padding: c.padding, dilation: c.dilation, rectified: rectified)
        // As a first layer: the input untracked, only the kernel's and bias's gradients.
        let parameterTape = Tape<Scalar>()
        let parameters = ([k] + (b.map { [$0] } ?? [])).map { parameterTape.watch($0) }
        let z = x.convolved2D(with: parameters[0], bias: b == nil ? nil : parameters[1], strides: c.strides,
                              padding: c.padding, dilation: c.dilation, rectified: rectified)
        return (untracked, y.detached(), tape.gradient(of: (y * weights).sum(), wrt: watched),
                parameterTape.gradient(of: (z * weights).sum(), wrt: parameters))
    }

    /// The largest difference relative to the largest magnitude of `reference`.
    private func relativeError<Scalar: TensorScalar>(_ value: Tensor<Scalar>, _ reference: Tensor<Scalar>) -> Scalar {
        let scale = reference.scalars.map { abs($0) }.max() ?? 0
        let difference = zip(value.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        return difference / Swift.max(scale, Scalar.leastNormalMagnitude)
    }

    private func checkDirectMatchesIm2col<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Scalar, seed: UInt64) {
        let savedDepth = DirectConvolutionKernels.depthLimit, savedThreshold = ConvolutionKernels.parallelThreshold
        defer {
            DirectConvolutionKernels.depthLimit = savedDepth
            ConvolutionKernels.parallelThreshold = savedThreshold
        }
        var generator = SeededRandomNumberGenerator(seed: seed)
        for c in cases {
            let x = Tensor<Scalar>(randomUniform: c.input, in: -1..<1, using: &generator)
            let k = Tensor<Scalar>(randomUniform: c.kernel, in: -1..<1, using: &generator)
            let b = Tensor<Scalar>(randomUniform: [c.kernel[3]], in: -0.5..<0.5, using: &generator)
            let g = x.convolutionLayout(kernelShape: c.kernel, strides: c.strides, padding: c.padding,
                                        dilation: c.dilation).geometry
            DirectConvolutionKernels.depthLimit = Int.max
            XCTAssertTrue(DirectConvolutionKernels.applies(to: g, Scalar.self))
            DirectConvolutionKernels.depthLimit = 0
            XCTAssertFalse(DirectConvolutionKernels.applies(to: g, Scalar.self))
            let weights = Tensor<Scalar>(randomUniform: g.outputShape, in: -1..<1, using: &generator)
            for bias in [b, nil] {
                for rectified in [false, true] {
                    let reference = convolve(x, k, bias, c, rectified: rectified, weights: weights, direct: false, split: false)
                    XCTAssertGreaterThan(reference.tracked.scalars.map { abs($0) }.max() ?? 0, 0)
                    for split in [false, true] {
                        let direct = convolve(x, k, bias, c, rectified: rectified, weights: weights, direct: true, split: split)
                        let label = "\(Scalar.self) \(c.input) ⊛ \(c.kernel), strides \(c.strides), \(c.padding), dilation \(c.dilation), bias \(bias != nil), relu \(rectified), split \(split)"
                        XCTAssertEqual(direct.untracked.shape, reference.untracked.shape, label)
                        XCTAssertLessThanOrEqual(relativeError(direct.untracked, reference.untracked), tolerance, label)
                        XCTAssertLessThanOrEqual(relativeError(direct.tracked, reference.tracked), tolerance, label)
                        XCTAssertEqual(direct.gradients.count, reference.gradients.count, label)
                        for (name, (gradient, expected)) in zip(["input", "kernel", "bias"], zip(direct.gradients, reference.gradients)) {
                            XCTAssertEqual(gradient.shape, expected.shape, "\(name): \(label)")
                            XCTAssertLessThanOrEqual(relativeError(gradient, expected), tolerance, "\(name): \(label)")
                        }
                        for (name, (gradient, expected)) in zip(["kernel", "bias"], zip(direct.parameterGradients, reference.gradients.dropFirst())) {
                            XCTAssertLessThanOrEqual(relativeError(gradient, expected), tolerance, "first layer, \(name): \(label)")
                        }
                        XCTAssertEqual(direct.parameterGradients.count, reference.gradients.count - 1, label)
                        if rectified {
                            XCTAssertGreaterThanOrEqual(direct.untracked.scalars.min() ?? -1, 0, label)
                        }
                    }
                }
            }
        }
    }

    func testDirectFloatConvolutionAndGradientsMatchTheIm2colPath() {
        checkDirectMatchesIm2col(Float.self, tolerance: 1e-5, seed: 61)
    }

    func testDirectDoubleConvolutionAndGradientsMatchTheIm2colPath() {
        checkDirectMatchesIm2col(Double.self, tolerance: 1e-12, seed: 62)
    }

    func testDirectConvolutionPassesNaNThroughTheFusedReLU() {
        let savedDepth = DirectConvolutionKernels.depthLimit
        defer { DirectConvolutionKernels.depthLimit = savedDepth }
        DirectConvolutionKernels.depthLimit = Int.max
        // A row of 8 positions (register blocks of 4) and 18 channels (a 16-lane block and
        // a tail of 2), each channel's weight ±1.
        let x = Tensor<Float>(shape: [1, 1, 8, 1], scalars: [1, 2, .nan, 3, 4, 5, 6, -7])
        let k = Tensor<Float>(shape: [1, 1, 1, 18], scalars: (0..<18).map { $0 % 2 == 0 ? 1 : -1 })
        let y = x.convolved2D(with: k, rectified: true)
        for c in 0..<18 {
            XCTAssertTrue(y[0, 0, 2, c].isNaN, "channel \(c)")
            XCTAssertEqual(y[0, 0, 1, c], c % 2 == 0 ? 2 : 0, "channel \(c)")
            XCTAssertEqual(y[0, 0, 7, c], c % 2 == 0 ? 0 : 7, "channel \(c)")
        }
    }
}
