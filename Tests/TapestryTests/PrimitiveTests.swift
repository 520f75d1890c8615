import XCTest
import Tapestry

/// Values of the tensor primitives (slicing, joining, padding, broadcasting, masks,
/// piecewise and trigonometric functions, sliding windows) against hand-computed results;
/// their gradients are checked in `GradientCheckTests`.
final class PrimitiveTests: XCTestCase {
    /// `[[0, 1, …, 5], [6, …, 11]]`.
    private let counting = Tensor<Double>(shape: [2, 6], scalars: (0..<12).map(Double.init))

    // MARK: Slicing

    func testSliceAlongAnAxisWithStrideAndNegativeBounds() {
        XCTAssertEqual(counting.sliced(alongAxis: 1, from: 1, to: 5, stride: 2), Tensor([[1, 3], [7, 9]]))
        XCTAssertEqual(counting.sliced(alongAxis: -1, from: -2), Tensor([[4, 5], [10, 11]]))
        XCTAssertEqual(counting.sliced(alongAxis: 0, from: 1), Tensor([[6, 7, 8, 9, 10, 11]]))
        XCTAssertEqual(counting.sliced(alongAxis: 1, from: 0, stride: 4), Tensor([[0, 4], [6, 10]]))
        XCTAssertEqual(counting.sliced(alongAxis: 1, from: 3, to: 3).shape, [2, 0])
    }

    func testSliceSeveralAxes() {
        let x = Tensor<Double>(shape: [3, 2, 4], scalars: (0..<24).map(Double.init))
        let slice = x.sliced([TensorSlice(-2..<3), .all, TensorSlice(from: 1, stride: 2)])
        XCTAssertEqual(slice.shape, [2, 2, 2])
        XCTAssertEqual(slice.scalars, [9, 11, 13, 15, 17, 19, 21, 23])
        XCTAssertEqual(x.sliced([TensorSlice(0..<1)]), x[0..<1])
    }

    func testSubscripts() {
        XCTAssertEqual(counting[1], Tensor([6, 7, 8, 9, 10, 11]))
        XCTAssertEqual(counting[-2], Tensor([0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(counting[1][2].shape, [])
        XCTAssertEqual(counting[1][2].scalar, 8)
        XCTAssertEqual(counting[0..<1, 2..<4], Tensor([[2, 3]]))
        XCTAssertEqual(counting[1..<2], Tensor([[6, 7, 8, 9, 10, 11]]))
        let scalar: Double = counting[1, 5]   // the full-index subscript still reads a scalar
        XCTAssertEqual(scalar, 11)
        let floats = Tensor<Float>(converting: counting)
        XCTAssertEqual(floats[-1][1..<3], Tensor([7, 8]))
        XCTAssertEqual(floats.sliced(alongAxis: 1, from: 1, to: 5, stride: 2), Tensor([[1, 3], [7, 9]]))
    }

    func testRowSubscriptCarriesTheGradient() {
        // Before, `x[0]` on a tracked tensor silently dropped out of the tape.
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([[1, 2], [3, 4]]))
        let loss = (x * x).sum() + x[0].sum() * 10
        XCTAssertTrue(x[0].isTracked)
        XCTAssertEqual(loss.scalar, 30 + 30)
        XCTAssertEqual(tape.gradient(of: loss, wrt: x), Tensor([[12, 14], [6, 8]]))
    }

    func testSliceGradientLandsOnTheSlicedPositions() {
        let tape = Tape<Double>()
        let x = tape.watch(counting)
        let y = x.sliced(alongAxis: 1, from: -5, stride: 2) * Tensor([[1, 2, 3]])
        XCTAssertEqual(tape.gradient(of: y, wrt: x), Tensor([[0, 1, 0, 2, 0, 3], [0, 1, 0, 2, 0, 3]]))
    }

    // MARK: Joining and padding

    func testConcatenateStackAndSplit() {
        let a = Tensor<Double>([[1, 2], [3, 4]]), b = Tensor<Double>([[5], [6]])
        let joined = Tensor(concatenating: [a, b, a], alongAxis: 1)
        XCTAssertEqual(joined, Tensor([[1, 2, 5, 1, 2], [3, 4, 6, 3, 4]]))
        XCTAssertEqual(Tensor(concatenating: [a, a]), Tensor([[1, 2], [3, 4], [1, 2], [3, 4]]))
        XCTAssertEqual(Tensor(stacking: [a, a * 10]).shape, [2, 2, 2])
        XCTAssertEqual(Tensor(stacking: [Tensor([1.0, 2]), Tensor([3.0, 4])], alongAxis: 1), Tensor([[1, 3], [2, 4]]))
        XCTAssertEqual(Tensor(stacking: [a, a * 10], alongAxis: -1).scalars, [1, 10, 2, 20, 3, 30, 4, 40])
        let pieces = joined.split(sizes: [2, 1, 2], alongAxis: 1)
        XCTAssertEqual(pieces, [a, b, a])
        XCTAssertEqual(joined.split(count: 2, alongAxis: 0), [Tensor([[1, 2, 5, 1, 2]]), Tensor([[3, 4, 6, 3, 4]])])
    }

    func testConcatenateGradientReachesEveryOperand() {
        let tape = Tape<Double>()
        let a = tape.watch(Tensor([[1, 2]])), b = tape.constant(Tensor([[3]])), c = tape.watch(Tensor([[4, 5]]))
        let y = Tensor(concatenating: [a, b, c], alongAxis: 1) * Tensor([[1, 2, 3, 4, 5]])
        XCTAssertEqual(tape.gradient(of: y, wrt: [a, c]), [Tensor([[1, 2]]), Tensor([[4, 5]])])
    }

    func testPadding() {
        let x = Tensor<Double>([[1, 2]])
        XCTAssertEqual(x.padded(with: [(before: 1, after: 0), (before: 0, after: 2)]),
                       Tensor([[0, 0, 0, 0], [1, 2, 0, 0]]))
        XCTAssertEqual(x.padded(with: [(0, 1), (1, 1)], value: -1), Tensor([[-1, 1, 2, -1], [-1, -1, -1, -1]]))
        let tape = Tape<Double>()
        let tracked = tape.watch(x)
        let y = tracked.padded(with: [(2, 1), (1, 0)], value: 7) * Tensor(shape: [4, 3], scalars: (0..<12).map(Double.init))
        XCTAssertEqual(tape.gradient(of: y, wrt: tracked), Tensor([[7, 8]]))
    }

    // MARK: Broadcasting and tiling

    func testBroadcastAndTile() {
        let column = Tensor<Double>([[1], [2]])
        XCTAssertEqual(column.broadcast(to: [2, 3]), Tensor([[1, 1, 1], [2, 2, 2]]))
        XCTAssertEqual(Tensor<Double>([1, 2]).broadcast(to: [2, 2]), Tensor([[1, 2], [1, 2]]))
        XCTAssertEqual(column.broadcast(to: [3, 2, 1]).scalars, [1, 2, 1, 2, 1, 2])
        XCTAssertEqual(Tensor<Double>([[1, 2]]).tiled(multiples: [2, 2]), Tensor([[1, 2, 1, 2], [1, 2, 1, 2]]))
        XCTAssertEqual(Tensor<Double>([[1], [2]]).tiled(multiples: [2, 1]), Tensor([[1], [2], [1], [2]]))

        let tape = Tape<Double>()
        let x = tape.watch(Tensor([[1, 2]]))
        let y = x.tiled(multiples: [2, 3]) * Tensor(shape: [2, 6], scalars: (0..<12).map(Double.init))
        // Each scalar of x appears at columns c, c+2, c+4 of both rows.
        let evenColumns: Double = 0 + 2 + 4 + 6 + 8 + 10, oddColumns: Double = 1 + 3 + 5 + 7 + 9 + 11
        XCTAssertEqual(tape.gradient(of: y, wrt: x), Tensor([[evenColumns, oddColumns]]))
        let z = tape.watch(Tensor([[1], [2]]))
        XCTAssertEqual(tape.gradient(of: z.broadcast(to: [4, 2, 3]), wrt: z), Tensor([[12], [12]]))
    }

    // MARK: Masks and selection

    func testComparisonMasks() {
        let x = Tensor<Double>([1, 5, 3]), y = Tensor<Double>([2, 2, 3])
        XCTAssertEqual(x.elementsGreater(than: y), Tensor([0, 1, 0]))
        XCTAssertEqual(x.elementsGreaterOrEqual(to: y), Tensor([0, 1, 1]))
        XCTAssertEqual(x.elementsLess(than: y), Tensor([1, 0, 0]))
        XCTAssertEqual(x.elementsLessOrEqual(to: y), Tensor([1, 0, 1]))
        XCTAssertEqual(x.elementsNotEqual(y), Tensor([1, 1, 0]))
        XCTAssertEqual(x.elementsGreater(than: 2), Tensor([0, 1, 1]))
        XCTAssertEqual(x.elementsGreaterOrEqual(to: 3), Tensor([0, 1, 1]))
        XCTAssertEqual(x.elementsLess(than: 3), Tensor([1, 0, 0]))
        XCTAssertEqual(x.elementsLessOrEqual(to: 3), Tensor([1, 0, 1]))
        XCTAssertEqual(x.elementsEqual(5), Tensor([0, 1, 0]))
        XCTAssertEqual(x.elementsNotEqual(5), Tensor([1, 0, 1]))
        // Broadcasting: a column against a row.
        XCTAssertEqual(Tensor<Double>([[1], [4]]).elementsGreater(than: Tensor([0, 2, 5])), Tensor([[1, 0, 0], [1, 1, 0]]))
        // Masks are never tracked.
        let tape = Tape<Double>()
        XCTAssertFalse(tape.watch(x).elementsGreater(than: 2).isTracked)
    }

    func testSelectingBroadcastsAndRoutesGradients() {
        let mask = Tensor<Double>([[1], [0]])
        let a = Tensor<Double>([[1, 2, 3], [4, 5, 6]]), b = Tensor<Double>([10, 20, 30])
        XCTAssertEqual(Tensor(selecting: a, where: mask, otherwise: b), Tensor([[1, 2, 3], [10, 20, 30]]))
        XCTAssertEqual(Tensor(selecting: a, where: a.elementsGreater(than: 3), otherwise: Tensor(0)),
                       Tensor([[0, 0, 0], [4, 5, 6]]))

        let tape = Tape<Double>()
        let ta = tape.watch(a), tb = tape.watch(b)
        let y = Tensor(selecting: ta, where: mask, otherwise: tb)
        let gradients = tape.gradient(of: y, wrt: [ta, tb])
        XCTAssertEqual(gradients[0], Tensor([[1, 1, 1], [0, 0, 0]]))
        XCTAssertEqual(gradients[1], Tensor([1, 1, 1]))
    }

    // MARK: Piecewise and trigonometric functions

    func testAbsMinimumMaximum() {
        let x = Tensor<Double>([-2, 0, 3]), y = Tensor<Double>([1, 1, 1])
        XCTAssertEqual(x.abs(), Tensor([2, 0, 3]))
        XCTAssertEqual(minimum(x, y), Tensor([-2, 0, 1]))
        XCTAssertEqual(maximum(x, y), Tensor([1, 1, 3]))
        XCTAssertEqual(maximum(Tensor<Double>([[1], [5]]), Tensor([2, 4])), Tensor([[2, 4], [5, 5]]))

        let tape = Tape<Double>()
        let tx = tape.watch(x), ty = tape.watch(Tensor([1, 0, 1]))
        XCTAssertEqual(tape.gradient(of: tx.abs(), wrt: tx), Tensor([-1, 0, 1]))
        // At the tie (x = y = 0) the gradient goes to the first operand.
        let gradients = tape.gradient(of: minimum(tx, ty), wrt: [tx, ty])
        XCTAssertEqual(gradients[0], Tensor([1, 1, 0]))
        XCTAssertEqual(gradients[1], Tensor([0, 0, 1]))
        let column = tape.watch(Tensor([[1], [5]]))
        XCTAssertEqual(tape.gradient(of: maximum(column, Tensor([2, 4])), wrt: column), Tensor([[0], [2]]))
    }

    func testSineAndCosine() {
        let x = Tensor<Double>([0, .pi / 6, .pi / 2, .pi])
        XCTAssertTrue(x.sin().isApproximatelyEqual(to: Tensor([0, 0.5, 1, 0]), tolerance: 1e-12))
        XCTAssertTrue(x.cos().isApproximatelyEqual(to: Tensor([1, 3.0.squareRoot() / 2, 0, -1]), tolerance: 1e-12))
        let tape = Tape<Double>()
        let tx = tape.watch(x)
        XCTAssertTrue(tape.gradient(of: tx.sin(), wrt: tx).isApproximatelyEqual(to: x.cos(), tolerance: 1e-12))
        XCTAssertTrue(tape.gradient(of: tx.cos(), wrt: tx).isApproximatelyEqual(to: -x.sin(), tolerance: 1e-12))
    }

    // MARK: Sliding windows

    func testSlidingWindowsValues() {
        // One image 3 × 4, two channels: channel 0 holds 10·row + column, channel 1 its negative.
        var scalars: [Double] = []
        for row in 0..<3 {
            for column in 0..<4 { scalars += [Double(10 * row + column), -Double(10 * row + column)] }
        }
        let x = Tensor(shape: [1, 3, 4, 2], scalars: scalars)
        let windows = x.slidingWindows(size: (2, 2), strides: (1, 2))
        XCTAssertEqual(windows.shape, [1, 2, 2, 2, 2, 2])
        // The window at output (1, 1) starts at row 1, column 2.
        XCTAssertEqual(windows[0][1][1].reshaped(to: [4, 2]), Tensor([[12, -12], [13, -13], [22, -22], [23, -23]]))
        let dilated = x.slidingWindows(size: (2, 2), dilation: (2, 3))
        XCTAssertEqual(dilated.shape, [1, 1, 1, 2, 2, 2])
        XCTAssertEqual(dilated.reshaped(to: [4, 2]).sliced(alongAxis: 1, to: 1), Tensor([[0], [3], [20], [23]]))
    }

    func testSlidingWindowsGradientCountsOverlaps() {
        // 3 × 3 windows with stride 1 over a 4 × 4 image: each pixel's gradient is the number
        // of windows that cover it.
        let tape = Tape<Double>()
        let x = tape.watch(Tensor(zeros: [1, 4, 4, 1]))
        let gradient = tape.gradient(of: x.slidingWindows(size: (3, 3)), wrt: x)
        XCTAssertEqual(gradient.reshaped(to: [4, 4]), Tensor([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]))
    }

    func testIm2colConvolutionMatchesDirectConvolution() {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let (batch, height, width, inChannels, outChannels) = (2, 6, 7, 3, 4)
        let (kh, kw, sh, sw, dh, dw) = (3, 2, 2, 1, 1, 2)
        let x = Tensor<Double>(randomUniform: [batch, height, width, inChannels], using: &generator)
        let kernel = Tensor<Double>(randomUniform: [kh, kw, inChannels, outChannels], using: &generator)
        let outH = (height - ((kh - 1) * dh + 1)) / sh + 1, outW = (width - ((kw - 1) * dw + 1)) / sw + 1

        let columns = x.slidingWindows(size: (kh, kw), strides: (sh, sw), dilation: (dh, dw))
            .reshaped(to: [batch * outH * outW, kh * kw * inChannels])
        let im2col = columns.matmul(kernel.reshaped(to: [kh * kw * inChannels, outChannels]))
            .reshaped(to: [batch, outH, outW, outChannels])

        var direct = Tensor<Double>(zeros: [batch, outH, outW, outChannels])
        for n in 0..<batch {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    for o in 0..<outChannels {
                        var sum = 0.0
                        for i in 0..<kh {
                            for j in 0..<kw {
                                for c in 0..<inChannels {
                                    sum += x[n, oh * sh + i * dh, ow * sw + j * dw, c] * kernel[i, j, c, o]
                                }
                            }
                        }
                        direct[n, oh, ow, o] = sum
                    }
                }
            }
        }
        XCTAssertEqual(im2col.shape, [2, 2, 5, 4])
        XCTAssertTrue(im2col.isApproximatelyEqual(to: direct, tolerance: 1e-12), "\(im2col)\n\(direct)")
    }
}
