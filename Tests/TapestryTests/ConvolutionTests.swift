import XCTest
import Tapestry

/// Convolution against a direct loop over the definition, NHWC × HWIO.
final class ConvolutionTests: XCTestCase {
    /// `y[n, i, j, o] = b[o] + Σ x[n, i·sh + p·dh − top, j·sw + q·dw − left, c] · k[p, q, c, o]`,
    /// with zeros outside the image.
    private func naiveConvolution(
        _ x: Tensor<Double>, _ k: Tensor<Double>, _ b: Tensor<Double>, strides: (Int, Int), padding: Padding,
        dilation: (Int, Int)
    ) -> Tensor<Double> {
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, out) = (k.shape[0], k.shape[1], k.shape[3])
        let vertical = padding.outputSize(input: height, reach: (kh - 1) * dilation.0 + 1, stride: strides.0)!
        let horizontal = padding.outputSize(input: width, reach: (kw - 1) * dilation.1 + 1, stride: strides.1)!
        var y = Tensor<Double>(zeros: [batch, vertical.size, horizontal.size, out])
        for n in 0..<batch {
            for i in 0..<vertical.size {
                for j in 0..<horizontal.size {
                    for o in 0..<out {
                        var sum = b.scalars[o]
                        for p in 0..<kh {
                            for q in 0..<kw {
                                let row = i * strides.0 + p * dilation.0 - vertical.before
                                let column = j * strides.1 + q * dilation.1 - horizontal.before
                                guard (0..<height).contains(row), (0..<width).contains(column) else { continue }
                                for c in 0..<channels { sum += x[n, row, column, c] * k[p, q, c, o] }
                            }
                        }
                        y[n, i, j, o] = sum
                    }
                }
            }
        }
        return y
    }

    func testConvolutionMatchesTheDefinition() {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let settings: [(input: [Int], kernel: [Int], strides: (Int, Int), padding: Padding, dilation: (Int, Int))] = [
            ([2, 7, 6, 3], [3, 3, 3, 4], (1, 1), .valid, (1, 1)),
            ([2, 7, 6, 3], [3, 2, 3, 4], (2, 2), .same, (1, 1)),
            ([1, 8, 9, 2], [2, 3, 2, 5], (2, 1), .valid, (1, 1)),
            ([1, 8, 9, 2], [3, 3, 2, 2], (1, 2), .same, (2, 2)),
            ([3, 5, 5, 1], [5, 5, 1, 2], (1, 1), .valid, (1, 1)),
        ]
        for setting in settings {
            let x = Tensor<Double>(randomUniform: setting.input, in: -1..<1, using: &generator)
            let k = Tensor<Double>(randomUniform: setting.kernel, in: -1..<1, using: &generator)
            let b = Tensor<Double>(randomUniform: [setting.kernel[3]], in: -1..<1, using: &generator)
            let y = x.convolved2D(with: k, bias: b, strides: setting.strides, padding: setting.padding, dilation: setting.dilation)
            let expected = naiveConvolution(x, k, b, strides: setting.strides, padding: setting.padding, dilation: setting.dilation)
            XCTAssertEqual(y.shape, expected.shape, "\(setting)")
            XCTAssertTrue(y.isApproximatelyEqual(to: expected, tolerance: 1e-12), "\(setting)")
        }
    }

    func testUntrackedChunkedConvolutionAgreesWithTheRecordedComposition() {
        // 12 images of 30×30×16 under a 3×3 kernel: 112,896 column scalars each, so the
        // untracked path works in chunks of 9 images.
        var generator = SeededRandomNumberGenerator(seed: 8)
        let x = Tensor<Float>(randomUniform: [12, 30, 30, 16], in: -1..<1, using: &generator)
        let k = Tensor<Float>(randomUniform: [3, 3, 16, 4], in: -1..<1, using: &generator)
        let b = Tensor<Float>(randomUniform: [4], in: -1..<1, using: &generator)
        let tape = Tape<Float>()
        let recorded = tape.watch(x).convolved2D(with: k, bias: b, strides: (1, 2), padding: .same)
        let untracked = x.convolved2D(with: k, bias: b, strides: (1, 2), padding: .same)
        XCTAssertTrue(recorded.isTracked)
        XCTAssertEqual(untracked.shape, [12, 30, 15, 4])
        XCTAssertTrue(untracked.isApproximatelyEqual(to: recorded.detached(), tolerance: 1e-4))
    }

    func testSamePaddingKeepsTheCeilingOfSizeOverStride() {
        let x = Tensor<Float>(zeros: [2, 28, 27, 1]), kernel = Tensor<Float>(zeros: [3, 3, 1, 8])
        XCTAssertEqual(x.convolved2D(with: kernel, padding: .same).shape, [2, 28, 27, 8])
        XCTAssertEqual(x.convolved2D(with: kernel, strides: (2, 2), padding: .same).shape, [2, 14, 14, 8])
        XCTAssertEqual(x.convolved2D(with: kernel).shape, [2, 26, 25, 8])
        XCTAssertEqual(Padding.same.outputSize(input: 5, reach: 3, stride: 2)?.before, 1)
        let split = Padding.same.outputSize(input: 6, reach: 3, stride: 2)
        XCTAssertEqual(split?.size, 3)
        XCTAssertEqual(split?.before, 0)
        XCTAssertEqual(split?.after, 1)
        XCTAssertNil(Padding.valid.outputSize(input: 2, reach: 3, stride: 1))
    }

    func testKernelGradientIsColumnsTransposedTimesCotangent() {
        // One 1×1 channel image, a 2×2 kernel: dL/dk[p, q] = Σ x[i + p, j + q] for L = Σ y.
        let tape = Tape<Double>()
        let x = Tensor<Double>(shape: [1, 3, 3, 1], scalars: (1...9).map(Double.init))
        let k = tape.watch(Tensor(zeros: [2, 2, 1, 1]))
        let gradient = tape.gradient(of: x.convolved2D(with: k).sum(), wrt: k)
        let expected: [Double] = [12, 16, 24, 28]   // 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9
        XCTAssertEqual(gradient.scalars, expected)
    }
}
