import XCTest
@testable import Tapestry

/// The fused convolution and the split max pooling against the recorded compositions they
/// replace: the same values and gradients whether the batch runs as one part or split
/// across threads, with the columns kept or rebuilt, with and without the fused ReLU.
final class ConvolutionKernelTests: XCTestCase {
    private typealias Setting = (input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding, dilation: (Int, Int))

    private let settings: [Setting] = [
        ([3, 9, 8, 2], [3, 3, 2, 4], (2, 2), .same, (1, 1)),
        ([2, 8, 7, 3], [3, 2, 3, 5], (2, 1), .valid, (1, 1)),
        ([4, 9, 9, 2], [3, 3, 2, 3], (1, 1), .same, (2, 2)),
        ([5, 7, 6, 3], [2, 3, 3, 4], (1, 2), .valid, (2, 1)),
    ]

    /// Padding, sliding windows, one affine product and reshapes: the composition the
    /// fused op computes.
    private func composed(
        _ x: Tensor<Double>, _ k: Tensor<Double>, _ b: Tensor<Double>, _ s: Setting, rectified: Bool
    ) -> Tensor<Double> {
        let padded = x.paddedForWindows(size: (s.kernel[0], s.kernel[1]), strides: s.strides, padding: s.padding,
                                        dilation: s.dilation, op: "test", value: 0, detail: "")
        let windows = padded.slidingWindows(size: (s.kernel[0], s.kernel[1]), strides: s.strides, dilation: s.dilation)
        let w = windows.shape
        let depth = s.kernel[0] * s.kernel[1] * s.kernel[2]
        let y = windows.reshaped(to: [w[0] * w[1] * w[2], depth])
            .linear(weight: k.reshaped(to: [depth, s.kernel[3]]), bias: b)
            .reshaped(to: [w[0], w[1], w[2], s.kernel[3]])
        return rectified ? y.relu() : y
    }

    /// The output and the gradients of `Σ y · weights` for input, kernel and bias.
    private func valueAndGradients(
        _ inputs: [Tensor<Double>], weights: Tensor<Double>, _ f: ([Tensor<Double>]) -> Tensor<Double>
    ) -> (Tensor<Double>, [Tensor<Double>]) {
        let tape = Tape<Double>()
        let watched = inputs.map { tape.watch($0) }
        let y = f(watched)
        return (y.detached(), tape.gradient(of: (y * weights).sum(), wrt: watched))
    }

    func testFusedConvolutionMatchesTheCompositionInOnePartOrSplitWithColumnsKeptOrRebuilt() {
        let savedThreshold = ConvolutionKernels.parallelThreshold, savedLimit = ConvolutionLayout.keptColumnsLimit
        let savedBudget = ConvolutionKernels.columnBudget, savedDepth = DirectConvolutionKernels.depthLimit
        defer {
            ConvolutionKernels.parallelThreshold = savedThreshold
            ConvolutionLayout.keptColumnsLimit = savedLimit
            ConvolutionKernels.columnBudget = savedBudget
            DirectConvolutionKernels.depthLimit = savedDepth
        }
        // Through im2col and matrix products, then through the direct loops.
        for depthLimit in [0, Int.max] {
            DirectConvolutionKernels.depthLimit = depthLimit
            var generator = SeededRandomNumberGenerator(seed: 41)
            for s in settings {
                let x = Tensor<Double>(randomUniform: s.input, in: -1..<1, using: &generator)
                let k = Tensor<Double>(randomUniform: s.kernel, in: -1..<1, using: &generator)
                let b = Tensor<Double>(randomUniform: [s.kernel[3]], in: -0.5..<0.5, using: &generator)
                let outputShape = x.convolved2D(with: k, strides: s.strides, padding: s.padding, dilation: s.dilation).shape
                let weights = Tensor<Double>(randomUniform: outputShape, in: -1..<1, using: &generator)
                for rectified in [false, true] {
                    let (expected, expectedGradients) = valueAndGradients([x, k, b], weights: weights) {
                        self.composed($0[0], $0[1], $0[2], s, rectified: rectified)
                    }
                    XCTAssertGreaterThan(expectedGradients[1].scalars.map(abs).max() ?? 0, 0)
                    // One part or split; columns kept or rebuilt; one chunk per part or an image
                    // per chunk (a budget of one scalar).
                    for (threshold, limit, budget) in [(Int.max, Int.max, savedBudget), (0, Int.max, savedBudget),
                                                       (0, 0, savedBudget), (Int.max, 0, 1), (0, 0, 1)] {
                        ConvolutionKernels.parallelThreshold = threshold
                        ConvolutionLayout.keptColumnsLimit = limit
                        ConvolutionKernels.columnBudget = budget
                        let (fused, gradients) = valueAndGradients([x, k, b], weights: weights) {
                            $0[0].convolved2D(with: $0[1], bias: $0[2], strides: s.strides, padding: s.padding,
                                              dilation: s.dilation, rectified: rectified)
                        }
                        let label = "\(s.input) ⊛ \(s.kernel), strides \(s.strides), \(s.padding), dilation \(s.dilation), relu \(rectified), threshold \(threshold), kept ≤ \(limit), budget \(budget), direct depth ≤ \(depthLimit)"
                        XCTAssertTrue(fused.isApproximatelyEqual(to: expected, tolerance: 1e-12), label)
                        for (name, (gradient, reference)) in zip(["input", "kernel", "bias"], zip(gradients, expectedGradients)) {
                            XCTAssertEqual(gradient.shape, reference.shape, "\(name): \(label)")
                            XCTAssertTrue(gradient.isApproximatelyEqual(to: reference, tolerance: 1e-12), "\(name): \(label)")
                        }
                        // Untracked, the forward pass gives the same values.
                        let untracked = x.convolved2D(with: k, bias: b, strides: s.strides, padding: s.padding,
                                                      dilation: s.dilation, rectified: rectified)
                        XCTAssertTrue(untracked.isApproximatelyEqual(to: expected, tolerance: 1e-12), label)
                    }
                }
            }
        }
    }

    func testOnlyTheInputGradientIsComputedWhenTheKernelIsConstant() {
        let saved = ConvolutionKernels.parallelThreshold
        defer { ConvolutionKernels.parallelThreshold = saved }
        ConvolutionKernels.parallelThreshold = 0
        var generator = SeededRandomNumberGenerator(seed: 42)
        let s = settings[0]
        let x = Tensor<Double>(randomUniform: s.input, in: -1..<1, using: &generator)
        let k = Tensor<Double>(randomUniform: s.kernel, in: -1..<1, using: &generator)
        let tape = Tape<Double>()
        let watched = tape.watch(x)
        let fused = tape.gradient(of: watched.convolved2D(with: k, strides: s.strides, padding: s.padding).sum(), wrt: watched)
        let reference = Tape<Double>()
        let watchedAgain = reference.watch(x)
        let composedGradient = reference.gradient(
            of: composed(watchedAgain, k, Tensor(zeros: [s.kernel[3]]), s, rectified: false).sum(), wrt: watchedAgain)
        XCTAssertTrue(fused.isApproximatelyEqual(to: composedGradient, tolerance: 1e-12))
    }

    func testMaxPoolingSplitAcrossThreadsMatchesOnePart() {
        let saved = PoolingKernels.parallelThreshold
        defer { PoolingKernels.parallelThreshold = saved }
        var generator = SeededRandomNumberGenerator(seed: 43)
        let x = Tensor<Float>(randomUniform: [5, 13, 12, 11], in: -1..<1, using: &generator)
        var results: [(Tensor<Float>, Tensor<Float>)] = []
        for threshold in [Int.max, 0] {
            PoolingKernels.parallelThreshold = threshold
            let tape = Tape<Float>()
            let watched = tape.watch(x)
            let y = watched.maxPooled2D(size: (3, 2), strides: (2, 2), padding: .same)
            let weights = Tensor<Float>(shape: y.shape, scalars: (0..<y.scalarCount).map { Float($0 % 17) })
            results.append((y.detached(), tape.gradient(of: (y * weights).sum(), wrt: watched)))
        }
        XCTAssertEqual(results[0].0.shape, [5, 7, 6, 11])
        XCTAssertEqual(results[0].0.scalars, results[1].0.scalars)
        XCTAssertEqual(results[0].1.scalars, results[1].1.scalars)
        XCTAssertGreaterThan(results[1].1.scalars.max() ?? 0, 0)
    }
}
