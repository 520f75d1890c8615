import XCTest
import Tapestry

/// Every differentiable op, checked against central finite differences in Double.
final class GradientCheckTests: XCTestCase {
    /// One row per op: a name, a function of the inputs, and the inputs (the same ones on
    /// every call; `GradGradCheckTests` checks the same rows at second order).
    static func cases() -> [(String, ([Tensor<Double>]) -> Tensor<Double>, [Tensor<Double>])] {
        var generator = SeededRandomNumberGenerator(seed: 2026)
        func random(_ shape: [Int], in range: Range<Double> = -1..<1) -> Tensor<Double> {
            Tensor(randomUniform: shape, in: range, using: &generator)
        }
        let positive = random([3, 4], in: 0.5..<2)
        // Values kept away from ReLU's kink, where finite differences are meaningless.
        let awayFromZero = random([3, 4], in: 0.1..<1) * Tensor([[1, -1, 1, -1]])
        // Pairs at least 0.1 apart everywhere, so minimum and maximum stay away from ties.
        let first = random([3, 4])
        let apart = (a: first, b: first + random([3, 4], in: 0.1..<0.5) * Tensor([[1, -1, -1, 1]]))
        return [
            ("add", { $0[0] + $0[1] }, [random([3, 4]), random([3, 4])]),
            ("add broadcast row", { $0[0] + $0[1] }, [random([3, 4]), random([4])]),
            ("add broadcast column", { $0[0] + $0[1] }, [random([3, 1]), random([1, 4])]),
            ("add rank 3", { $0[0] + $0[1] }, [random([2, 3, 4]), random([3, 1])]),
            ("subtract broadcast", { $0[0] - $0[1] }, [random([3, 4]), random([3, 1])]),
            ("multiply broadcast", { $0[0] * $0[1] }, [random([2, 3]), random([3])]),
            ("divide broadcast", { $0[0] / $0[1] }, [random([2, 3]), random([2, 1], in: 0.5..<2)]),
            ("scalar arithmetic", { ($0[0] * 3 + 2) / 4 - 1 }, [random([5])]),
            ("scalar divided by tensor", { 2 / $0[0] }, [random([4], in: 0.5..<2)]),
            ("negate", { -$0[0] }, [random([4])]),
            ("matmul", { $0[0].matmul($0[1]) }, [random([3, 5]), random([5, 2])]),
            ("linear (fused matmul + bias)", { $0[0].linear(weight: $0[1], bias: $0[2]) }, [random([3, 5]), random([5, 2]), random([2])]),
            ("matmul non-square chain", { $0[0].matmul($0[1]).matmul($0[2]) }, [random([2, 3]), random([3, 4]), random([4, 1])]),
            ("exp", { $0[0].exp() }, [random([3, 4])]),
            ("log", { $0[0].log() }, [positive]),
            ("sqrt", { $0[0].sqrt() }, [positive]),
            ("square", { $0[0].squared() }, [random([3, 4])]),
            ("pow", { $0[0].raised(toPower: 2.5) }, [positive]),
            ("clip", { $0[0].clipped(to: -0.5...0.5) }, [Tensor([[-0.9, -0.2], [0.3, 0.8]])]),
            ("relu", { $0[0].relu() }, [awayFromZero]),
            ("leaky relu", { $0[0].leakyRelu(slope: 0.2) }, [awayFromZero]),
            ("sigmoid", { $0[0].sigmoid() }, [random([3, 4])]),
            ("tanh", { $0[0].tanh() }, [random([3, 4])]),
            ("softmax", { $0[0].softmax() }, [random([3, 5], in: -3..<3)]),
            ("log softmax", { $0[0].logSoftmax() }, [random([3, 5], in: -3..<3)]),
            ("sum", { $0[0].sum() }, [random([3, 4])]),
            ("sum axis 0", { $0[0].sum(alongAxis: 0) }, [random([3, 4])]),
            ("sum axis 1 kept", { $0[0].sum(alongAxis: 1, keepingDimension: true) }, [random([2, 3, 4])]),
            ("mean", { $0[0].mean() }, [random([3, 4])]),
            ("mean axis", { $0[0].mean(alongAxis: -1) }, [random([3, 4])]),
            ("max", { $0[0].max() }, [Tensor([[0.1, 0.9, 0.3], [0.4, 0.2, 0.7]])]),
            ("max axis", { $0[0].max(alongAxis: 1) }, [Tensor([[0.1, 0.9, 0.3], [0.4, 0.2, 0.7]])]),
            ("reshape", { $0[0].reshaped(to: [2, 6]) * $0[1] }, [random([3, 4]), random([2, 6])]),
            ("flatten", { $0[0].flattened() }, [random([2, 3, 2])]),
            ("transpose", { $0[0].transposed() }, [random([3, 5])]),
            ("transpose permutation", { $0[0].transposed(permutation: [1, 2, 0]) }, [random([2, 3, 4])]),
            ("gather repeated rows", { $0[0].gathering(atIndices: [2, 0, 2]) }, [random([3, 4])]),
            ("sparse softmax cross-entropy", { Tensor.sparseSoftmaxCrossEntropy(logits: $0[0], labels: Tensor<Int32>([2, 0, 4])) },
             [random([3, 5], in: -3..<3)]),
            ("value used twice", { $0[0] * $0[0] + $0[0].exp() }, [random([2, 3])]),
            ("custom softplus", { xs in
                Tensor.differentiable("softplus", operands: [xs[0]]) { ($0[0].exp() + 1).log() }
                    pullback: { g, xs, _ in [g * xs[0].sigmoid()] }
            }, [random([4])]),
            ("custom op told which operands need gradients, broadcasting", { xs in
                Tensor.differentiable("scaled_add", operands: [xs[0], xs[1]]) { $0[0] * 2 + $0[1] }
                    pullback: { g, _, _, needs in [needs[0] ? g * 2 : nil, needs[1] ? g : nil] }
            }, [random([2, 3]), random([3])]),
            ("slice stride 2, negative bounds", { $0[0].sliced(alongAxis: 1, from: -5, to: -1, stride: 2) }, [random([3, 6])]),
            ("slice several axes", { $0[0].sliced([TensorSlice(1..<3), .all, TensorSlice(from: 0, stride: 3)]) },
             [random([3, 2, 5])]),
            ("row subscripts", { $0[0][1] * $0[0][-1] + $0[0][1] }, [random([3, 4])]),
            ("range subscripts", { $0[0][1..<3, 0..<2] }, [random([3, 4])]),
            ("concatenate 3 along axis 1", { Tensor(concatenating: [$0[0], $0[1], $0[2]], alongAxis: 1) },
             [random([2, 1]), random([2, 3]), random([2, 2])]),
            ("stack along axis 1", { Tensor(stacking: [$0[0], $0[1], $0[2]], alongAxis: 1) },
             [random([2, 3]), random([2, 3]), random([2, 3])]),
            ("split sizes", { xs in
                let pieces = xs[0].split(sizes: [1, 3], alongAxis: 1)
                return Tensor(concatenating: [pieces[1], pieces[0] * pieces[0]], alongAxis: 1)
            }, [random([2, 4])]),
            ("split count", { xs in
                let pieces = xs[0].split(count: 3, alongAxis: -1)
                return pieces[0] * pieces[2] + pieces[1]
            }, [random([2, 6])]),
            ("pad asymmetric", { $0[0].padded(with: [(before: 1, after: 0), (before: 2, after: 1)], value: 0.5) },
             [random([2, 3])]),
            ("broadcast to", { $0[0].broadcast(to: [2, 3, 4]) }, [random([3, 1])]),
            ("tile", { $0[0].tiled(multiples: [3, 2]) }, [random([2, 3])]),
            ("select broadcasting", {
                Tensor(selecting: $0[0], where: Tensor([[1], [0], [1]]), otherwise: $0[1])
            }, [random([3, 4]), random([4])]),
            ("abs", { $0[0].abs() }, [awayFromZero]),
            ("minimum", { minimum($0[0], $0[1]) }, [apart.a, apart.b]),
            ("maximum", { maximum($0[0], $0[1]) }, [apart.a, apart.b]),
            ("maximum broadcasting", { maximum($0[0], $0[1]) },
             [Tensor([[0.1, 0.9, -0.4], [0.7, -0.6, 0.3]]), Tensor([0.5, -0.1, 0.0])]),
            ("sin", { $0[0].sin() }, [random([3, 4], in: -3..<3)]),
            ("cos", { $0[0].cos() }, [random([3, 4], in: -3..<3)]),
            ("sliding windows stride 2, non-square", { $0[0].slidingWindows(size: (3, 2), strides: (2, 2)) },
             [random([2, 7, 6, 3])]),
            ("sliding windows dilation 2", { $0[0].slidingWindows(size: (2, 3), strides: (1, 2), dilation: (2, 2)) },
             [random([2, 6, 8, 2])]),
            ("im2col convolution, same padding", { xs in
                let (x, kernel) = (xs[0], xs[1])   // NHWC [2, 4, 5, 2], HWIO [3, 3, 2, 3]
                let padded = x.padded(with: [(0, 0), (1, 1), (1, 1), (0, 0)])
                let columns = padded.slidingWindows(size: (3, 3)).reshaped(to: [2 * 4 * 5, 18])
                return columns.matmul(kernel.reshaped(to: [18, 3])).reshaped(to: [2, 4, 5, 3])
            }, [random([2, 4, 5, 2]), random([3, 3, 2, 3])]),
            ("conv2d valid, non-square kernel and input, bias", {
                $0[0].convolved2D(with: $0[1], bias: $0[2])
            }, [random([2, 5, 6, 2]), random([3, 2, 2, 3]), random([3])]),
            ("conv2d same, stride 2, non-square", {
                $0[0].convolved2D(with: $0[1], bias: $0[2], strides: (2, 2), padding: .same)
            }, [random([2, 5, 7, 3]), random([3, 2, 3, 2]), random([2])]),
            ("conv2d valid, stride (2, 1), no bias", { $0[0].convolved2D(with: $0[1], strides: (2, 1)) },
             [random([3, 6, 5, 2]), random([2, 3, 2, 4])]),
            ("conv2d same, dilation 2", { $0[0].convolved2D(with: $0[1], bias: $0[2], padding: .same, dilation: (2, 2)) },
             [random([2, 5, 6, 2]), random([3, 2, 2, 2]), random([2])]),
            ("max pool 2×2, odd sizes", { $0[0].maxPooled2D(size: (2, 2)) }, [random([2, 5, 7, 3])]),
            ("max pool 3×2 same, stride 2", { $0[0].maxPooled2D(size: (3, 2), strides: (2, 2), padding: .same) },
             [random([2, 5, 6, 2])]),
            ("average pool 2×2 valid", { $0[0].averagePooled2D(size: (2, 2)) }, [random([2, 5, 6, 3])]),
            ("average pool 3×3 same, stride 2", { $0[0].averagePooled2D(size: (3, 3), strides: (2, 2), padding: .same) },
             [random([2, 5, 6, 2])]),
            ("global average pool", { $0[0].globalAveragePooled2D() }, [random([2, 3, 4, 5])]),
            ("batch norm, training statistics", { xs in
                let (y, mean, variance) = xs[0].batchNormalized(scale: xs[1], offset: xs[2])
                return y * 2 + (mean * variance).sum()
            }, [random([3, 4, 2, 3]), random([3], in: 0.5..<2), random([3])]),
            ("batch norm, given statistics", {
                $0[0].normalized(mean: $0[1], variance: $0[2], scale: $0[3], offset: $0[4])
            }, [random([2, 3, 3, 2]), random([2]), random([2], in: 0.5..<2), random([2]), random([2])]),
            ("dropout with a fixed seed", { xs in
                var generator = SeededRandomNumberGenerator(seed: 5)
                return xs[0].droppedOut(rate: 0.4, using: &generator)
            }, [random([2, 3, 3, 2])]),
        ]
    }

    func testEveryOpPassesGradcheck() {
        let all = Self.cases()
        for (name, function, inputs) in all {
            let report = gradcheck(function, at: inputs)
            XCTAssertTrue(report.passed, "\(name):\n\(report)")
            XCTAssertEqual(report.inputs.count, inputs.count, name)
        }
        XCTAssertGreaterThanOrEqual(all.count, 61)
    }

    func testMLPLossPassesGradcheckForEveryParameter() {
        // The Fashion MLP: 784 → 64 relu → 64 relu → 10, cross-entropy from logits.
        var g = SeededRandomNumberGenerator(seed: 11)
        let x = Tensor<Double>(randomUniform: [4, 784], using: &g)
        let labels: [Int32] = [3, 0, 9, 1]
        let parameters: [Tensor<Double>] = [
            Tensor(glorotUniform: [784, 64], using: &g), Tensor(randomUniform: [64], in: -0.1..<0.1, using: &g),
            Tensor(glorotUniform: [64, 64], using: &g), Tensor(randomUniform: [64], in: -0.1..<0.1, using: &g),
            Tensor(glorotUniform: [64, 10], using: &g), Tensor(randomUniform: [10], in: -0.1..<0.1, using: &g),
        ]
        let report = gradcheck({ p in
            let h1 = (x.matmul(p[0]) + p[1]).relu()
            let h2 = h1.linear(weight: p[2], bias: p[3]).relu()   // the fused form Dense uses
            return Tensor.sparseSoftmaxCrossEntropy(logits: h2.matmul(p[4]) + p[5], labels: labels)
        }, at: parameters)
        XCTAssertTrue(report.passed, report.description)
        XCTAssertEqual(report.inputs.count, 6)
        XCTAssertLessThan(report.inputs.map(\.maximumAbsoluteError).max() ?? 1, 1e-7)
    }

    func testAWrongPullbackIsCaught() {
        // exp with a wrong pullback: g · x instead of g · eˣ.
        let report = gradcheck({ xs in
            Tensor.differentiable("wrong_exp", operands: [xs[0]]) { $0[0].exp() }
                pullback: { g, xs, _ in [g * xs[0]] }
                .sum()
        }, at: [Tensor([0.5, -1.0, 2.0])])
        XCTAssertFalse(report.passed)
        let mismatch = report.inputs[0].firstMismatch
        XCTAssertEqual(mismatch?.index, [0])
        XCTAssertEqual(mismatch?.numeric ?? 0, Double.exp(0.5), accuracy: 1e-6)
        XCTAssertEqual(mismatch?.analytic ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertTrue(report.description.contains("MISMATCH"))
    }

    func testAMissingGradientIsCaught() {
        // A pullback that forgets the second operand's contribution.
        let report = gradcheck({ xs in
            Tensor.differentiable("half_multiply", operands: xs) { $0[0] * $0[1] }
                pullback: { g, xs, _ in [g * xs[1], Tensor(zeros: xs[1].shape)] }
        }, at: [Tensor([1.0, 2.0]), Tensor([3.0, 4.0])])
        XCTAssertNotNil(report.inputs[1].firstMismatch)
        XCTAssertNil(report.inputs[0].firstMismatch)
    }
}
