import XCTest
@testable import Tapestry

/// Winograd F(2×2, 3×3) against the im2col path it replaces: the same outputs (within
/// rounding) for odd and even extents, valid and same padding, with and without bias and
/// ReLU, called directly on any range of images and block size, and through
/// `convolved2D` in one part or split, an image per chunk or all at once.
final class WinogradKernelTests: XCTestCase {
    private typealias Case = (batch: Int, height: Int, width: Int, input: Int, output: Int, padding: Padding)

    /// In-channels 4/8/32/64, out-channels 1/16/64, 13×13, 12×12, 5×7 and 3×3 images,
    /// batches of 1 to 5.
    private let cases: [Case] = [
        (2, 13, 13, 32, 64, .valid), (3, 13, 13, 4, 16, .same), (1, 12, 12, 64, 64, .valid),
        (4, 12, 12, 8, 1, .same), (5, 5, 7, 32, 16, .valid), (2, 5, 7, 64, 1, .same),
        (5, 3, 3, 8, 64, .valid), (1, 3, 3, 4, 16, .same), (3, 7, 5, 16, 64, .same),
    ]

    /// The im2col path's output (Winograd switched off).
    private func reference<Scalar: TensorScalar>(
        _ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ b: Tensor<Scalar>?, _ padding: Padding, rectified: Bool
    ) -> Tensor<Scalar> {
        let saved = WinogradKernels.minimumInputChannels
        defer { WinogradKernels.minimumInputChannels = saved }
        WinogradKernels.minimumInputChannels = .max
        return x.convolved2D(with: k, bias: b, padding: padding, rectified: rectified)
    }

    /// Winograd called directly on `ranges` of the batch (together covering it).
    private func winograd<Scalar: TensorScalar>(
        _ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ b: Tensor<Scalar>?, _ padding: Padding, rectified: Bool,
        ranges: [Range<Int>]
    ) -> Tensor<Scalar> {
        let g = x.convolutionLayout(kernelShape: k.shape, strides: (1, 1), padding: padding, dilation: (1, 1)).geometry
        let y = Tensor<Scalar>(uninitializedShape: g.outputShape)
        let transformed = WinogradKernels.transformedKernel(UnsafePointer(k.storage.base), g)
        defer { transformed.release() }
        for images in ranges {
            WinogradKernels.forward(UnsafePointer(x.storage.base), transformedKernel: transformed.base,
                                    bias: b.map { UnsafePointer($0.storage.base) }, g, images: images,
                                    rectifying: rectified, into: y.storage.base + images.lowerBound * g.positions * g.outputChannels,
                                    onThisThread: false)
        }
        return y
    }

    /// The largest difference relative to the largest magnitude of `expected`.
    private func relativeError<Scalar: TensorScalar>(_ actual: Tensor<Scalar>, _ expected: Tensor<Scalar>) -> Scalar {
        let scale = Swift.max(expected.scalars.map(abs).max() ?? 0, Scalar.leastNormalMagnitude)
        return zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    private func checkDirectCalls<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Scalar) {
        let savedBudget = WinogradKernels.blockBudget
        defer { WinogradKernels.blockBudget = savedBudget }
        var generator = SeededRandomNumberGenerator(seed: 77)
        for c in cases {
            let x = Tensor<Scalar>(randomUniform: [c.batch, c.height, c.width, c.input], in: -1..<1, using: &generator)
            let k = Tensor<Scalar>(randomUniform: [3, 3, c.input, c.output], in: -1..<1, using: &generator)
            let b = Tensor<Scalar>(randomUniform: [c.output], in: -1..<1, using: &generator)
            for (bias, rectified) in [(nil, false), (b, false), (nil, true), (b, true)] {
                let expected = reference(x, k, bias, c.padding, rectified: rectified)
                XCTAssertGreaterThan(expected.scalars.map(abs).max() ?? 0, 0)
                if rectified { XCTAssertTrue(expected.scalars.contains(0)) }
                // The whole batch at once; an image at a time; blocks of one tile and of
                // 7 tiles, which cross images and leave a short last block.
                let perImage = (0..<c.batch).map { $0..<($0 + 1) }
                for (ranges, budget) in [([0..<c.batch], savedBudget), (perImage, savedBudget),
                                         ([0..<c.batch], 1), ([0..<c.batch], 7 * 16 * (c.input + c.output))] {
                    WinogradKernels.blockBudget = budget
                    let y = winograd(x, k, bias, c.padding, rectified: rectified, ranges: ranges)
                    let label = "\(Scalar.self) \(c), bias \(bias != nil), relu \(rectified), ranges \(ranges), budget \(budget)"
                    XCTAssertEqual(y.shape, expected.shape, label)
                    XCTAssertLessThanOrEqual(relativeError(y, expected), tolerance, label)
                }
            }
        }
    }

    func testWinogradMatchesIm2colForFloat() {
        checkDirectCalls(Float.self, tolerance: 1e-5)
    }

    func testWinogradMatchesIm2colForDouble() {
        checkDirectCalls(Double.self, tolerance: 1e-12)
    }

    func testConvolvedThroughWinogradInOnePartOrSplitMatchesIm2col() {
        let savedThreshold = ConvolutionKernels.parallelThreshold, savedBudget = ConvolutionKernels.columnBudget
        let savedChannels = WinogradKernels.minimumInputChannels
        defer {
            ConvolutionKernels.parallelThreshold = savedThreshold
            ConvolutionKernels.columnBudget = savedBudget
            WinogradKernels.minimumInputChannels = savedChannels
        }
        var generator = SeededRandomNumberGenerator(seed: 78)
        for c in cases {
            let x = Tensor<Float>(randomUniform: [c.batch, c.height, c.width, c.input], in: -1..<1, using: &generator)
            let k = Tensor<Float>(randomUniform: [3, 3, c.input, c.output], in: -1..<1, using: &generator)
            let b = Tensor<Float>(randomUniform: [c.output], in: -1..<1, using: &generator)
            let expected = reference(x, k, b, c.padding, rectified: true)
            WinogradKernels.minimumInputChannels = 1
            for (threshold, budget) in [(Int.max, savedBudget), (0, savedBudget), (0, 1), (Int.max, 1)] {
                ConvolutionKernels.parallelThreshold = threshold
                ConvolutionKernels.columnBudget = budget
                let y = x.convolved2D(with: k, bias: b, padding: c.padding, rectified: true)
                XCTAssertLessThanOrEqual(relativeError(y, expected), 1e-5, "\(c), threshold \(threshold), budget \(budget)")
            }
            WinogradKernels.minimumInputChannels = savedChannels
            ConvolutionKernels.parallelThreshold = savedThreshold
            ConvolutionKernels.columnBudget = savedBudget
        }
    }

    /// A recorded convolution that keeps no columns runs its forward as Winograd; its
    /// gradients are the im2col path's.
    func testRecordedConvolutionWithoutKeptColumnsHasTheIm2colGradients() {
        let savedLimit = ConvolutionLayout.keptColumnsLimit
        defer { ConvolutionLayout.keptColumnsLimit = savedLimit }
        var generator = SeededRandomNumberGenerator(seed: 79)
        let x = Tensor<Double>(randomUniform: [3, 9, 8, 16], in: -1..<1, using: &generator)
        let k = Tensor<Double>(randomUniform: [3, 3, 16, 24], in: -1..<1, using: &generator)
        let b = Tensor<Double>(randomUniform: [24], in: -1..<1, using: &generator)
        let weights = Tensor<Double>(randomUniform: [3, 9, 8, 24], in: -1..<1, using: &generator)
        func valueAndGradients(winograd: Bool) -> (Tensor<Double>, [Tensor<Double>]) {
            let saved = WinogradKernels.minimumInputChannels
            defer { WinogradKernels.minimumInputChannels = saved }
            if !winograd { WinogradKernels.minimumInputChannels = .max }
            let tape = Tape<Double>()
            let watched = [x, k, b].map { tape.watch($0) }
            let y = watched[0].convolved2D(with: watched[1], bias: watched[2], padding: .same, rectified: true)
            return (y.detached(), tape.gradient(of: (y * weights).sum(), wrt: watched))
        }
        ConvolutionLayout.keptColumnsLimit = 0
        XCTAssertTrue(WinogradKernels.applies(to: x.convolutionLayout(kernelShape: k.shape, strides: (1, 1), padding: .same,
                                                                      dilation: (1, 1)).geometry, Double.self))
        let (y, gradients) = valueAndGradients(winograd: true)
        let (expected, expectedGradients) = valueAndGradients(winograd: false)
        XCTAssertLessThanOrEqual(relativeError(y, expected), 1e-12)
        for (gradient, reference) in zip(gradients, expectedGradients) {
            XCTAssertLessThanOrEqual(relativeError(gradient, reference), 1e-12)
        }
    }

    /// The im2col path's input and kernel gradients for the cotangent `seed` (Winograd
    /// switched off, so the forward keeps its columns and the pullback multiplies them).
    private func referenceGradients<Scalar: TensorScalar>(
        _ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ padding: Padding, seed: Tensor<Scalar>
    ) -> (input: Tensor<Scalar>, kernel: Tensor<Scalar>) {
        let saved = WinogradKernels.minimumInputChannels
        defer { WinogradKernels.minimumInputChannels = saved }
        WinogradKernels.minimumInputChannels = .max
        let (_, back) = pullback(at: [x, k]) { $0[0].convolved2D(with: $0[1], padding: padding) }
        let gradients = back(seed)
        return (gradients[0], gradients[1])
    }

    /// Winograd's pullback called directly on `ranges` of the batch: the input gradient
    /// written range by range, the kernel gradient summed over the ranges.
    private func winogradGradients<Scalar: TensorScalar>(
        _ x: Tensor<Scalar>, _ k: Tensor<Scalar>, _ padding: Padding, seed: Tensor<Scalar>, ranges: [Range<Int>]
    ) -> (input: Tensor<Scalar>, kernel: Tensor<Scalar>) {
        let g = x.convolutionLayout(kernelShape: k.shape, strides: (1, 1), padding: padding, dilation: (1, 1)).geometry
        let dx = Tensor<Scalar>(uninitializedShape: x.shape), dk = Tensor<Scalar>(zeros: k.shape)
        let transformed = WinogradKernels.transformedKernel(UnsafePointer(k.storage.base), g)
        defer { transformed.release() }
        let transformedGradient = Tensor<Scalar>(uninitializedShape: [16, g.inputChannels, g.outputChannels])
        let rangeGradient = Tensor<Scalar>(uninitializedShape: k.shape)
        for images in ranges {
            WinogradKernels.backward(
                UnsafePointer(seed.storage.base) + images.lowerBound * g.positions * g.outputChannels,
                input: UnsafePointer(x.storage.base), transformedKernel: UnsafePointer(transformed.base), g, images: images,
                inputGradient: dx.storage.base + images.lowerBound * g.imageScalars,
                transformedKernelGradient: transformedGradient.storage.base, onThisThread: false)
            WinogradKernels.kernelGradient(fromTransformed: UnsafePointer(transformedGradient.storage.base), g,
                                           into: rangeGradient.storage.base)
            for i in 0..<dk.scalarCount { dk.storage.base[i] += rangeGradient.storage.base[i] }
        }
        return (dx, dk)
    }

    private func checkPullbackDirectCalls<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Scalar) {
        let savedBudget = WinogradKernels.gradientBlockBudget
        defer { WinogradKernels.gradientBlockBudget = savedBudget }
        var generator = SeededRandomNumberGenerator(seed: 80)
        for c in cases {
            let x = Tensor<Scalar>(randomUniform: [c.batch, c.height, c.width, c.input], in: -1..<1, using: &generator)
            let k = Tensor<Scalar>(randomUniform: [3, 3, c.input, c.output], in: -1..<1, using: &generator)
            let outputShape = x.convolved2D(with: k, padding: c.padding).shape
            let seed = Tensor<Scalar>(randomUniform: outputShape, in: -1..<1, using: &generator)
            let expected = referenceGradients(x, k, c.padding, seed: seed)
            XCTAssertGreaterThan(expected.input.scalars.map(abs).max() ?? 0, 0)
            XCTAssertGreaterThan(expected.kernel.scalars.map(abs).max() ?? 0, 0)
            // The whole batch at once; an image at a time; blocks of one tile and of 7 tiles.
            let perImage = (0..<c.batch).map { $0..<($0 + 1) }
            for (ranges, budget) in [([0..<c.batch], savedBudget), (perImage, savedBudget),
                                     ([0..<c.batch], 1), ([0..<c.batch], 7 * 16 * (c.input + c.output))] {
                WinogradKernels.gradientBlockBudget = budget
                let (dx, dk) = winogradGradients(x, k, c.padding, seed: seed, ranges: ranges)
                let label = "\(Scalar.self) \(c), ranges \(ranges), budget \(budget)"
                XCTAssertLessThanOrEqual(relativeError(dx, expected.input), tolerance, "input gradient, " + label)
                XCTAssertLessThanOrEqual(relativeError(dk, expected.kernel), tolerance, "kernel gradient, " + label)
            }
        }
    }

    func testWinogradPullbackMatchesIm2colForFloat() {
        checkPullbackDirectCalls(Float.self, tolerance: 1e-5)
    }

    func testWinogradPullbackMatchesIm2colForDouble() {
        checkPullbackDirectCalls(Double.self, tolerance: 1e-12)
    }

    /// Through the tape: a ReLU convolution with bias whose forward ran as Winograd has the
    /// im2col path's three gradients, in one part or split, and when only some are needed.
    func testRecordedWinogradConvolutionGradientsInOnePartOrSplitMatchIm2col() {
        let savedThreshold = ConvolutionKernels.parallelThreshold
        defer { ConvolutionKernels.parallelThreshold = savedThreshold }
        var generator = SeededRandomNumberGenerator(seed: 81)
        for c in cases {
            let x = Tensor<Float>(randomUniform: [c.batch, c.height, c.width, c.input], in: -1..<1, using: &generator)
            let k = Tensor<Float>(randomUniform: [3, 3, c.input, c.output], in: -1..<1, using: &generator)
            let b = Tensor<Float>(randomUniform: [c.output], in: -1..<1, using: &generator)
            func gradients(at points: [Tensor<Float>], winograd: Bool) -> [Tensor<Float>] {
                let saved = WinogradKernels.minimumInputChannels
                defer { WinogradKernels.minimumInputChannels = saved }
                if !winograd { WinogradKernels.minimumInputChannels = .max }
                return gradient(at: points) { p in
                    let (input, kernel) = p.count == 3 ? (p[0], p[1]) : (x, p[0])
                    let y = input.convolved2D(with: kernel, bias: p.last, padding: c.padding, rectified: true)
                    return (y * y).sum()
                }
            }
            for threshold in [Int.max, 0] {
                ConvolutionKernels.parallelThreshold = threshold
                for points in [[x, k, b], [k, b]] {
                    let expected = gradients(at: points, winograd: false)
                    let actual = gradients(at: points, winograd: true)
                    for (index, (a, e)) in zip(actual, expected).enumerated() {
                        XCTAssertGreaterThan(e.scalars.map(abs).max() ?? 0, 0)
                        XCTAssertLessThanOrEqual(relativeError(a, e), 1e-5, "\(c), threshold \(threshold), gradient \(index) of \(points.count)")
                    }
                }
            }
        }
    }

    func testAppliesOnlyToThreeByThreeStrideOneConvolutionsWithEnoughChannels() {
        func geometry(_ input: [Int], _ kernel: [Int], strides: (Int, Int) = (1, 1), dilation: (Int, Int) = (1, 1)) -> ConvolutionGeometry {
            Tensor<Float>(zeros: input).convolutionLayout(kernelShape: kernel, strides: strides, padding: .same, dilation: dilation).geometry
        }
        XCTAssertTrue(WinogradKernels.applies(to: geometry([32, 13, 13, 32], [3, 3, 32, 64]), Float.self))
        XCTAssertTrue(WinogradKernels.applies(to: geometry([32, 13, 13, 32], [3, 3, 32, 64]), Double.self))
        // Fashion's first convolution: one input channel.
        XCTAssertFalse(WinogradKernels.applies(to: geometry([32, 28, 28, 1], [3, 3, 1, 32]), Float.self))
        XCTAssertFalse(WinogradKernels.applies(to: geometry([32, 13, 13, 3], [3, 3, 3, 32]), Float.self))
        XCTAssertTrue(WinogradKernels.applies(to: geometry([32, 13, 13, 4], [3, 3, 4, 1]), Float.self))
        XCTAssertFalse(WinogradKernels.applies(to: geometry([32, 13, 13, 32], [3, 3, 32, 64], strides: (2, 2)), Float.self))
        XCTAssertFalse(WinogradKernels.applies(to: geometry([32, 13, 13, 32], [3, 3, 32, 64], dilation: (2, 1)), Float.self))
        XCTAssertFalse(WinogradKernels.applies(to: geometry([32, 13, 13, 32], [5, 5, 32, 64]), Float.self))
        XCTAssertFalse(WinogradKernels.applies(to: geometry([32, 13, 13, 32], [3, 2, 32, 64]), Float.self))
    }
}
