import XCTest
import Tapestry

/// Every row of the op table, checked at second order with `gradgradcheck`.
final class GradGradCheckTests: XCTestCase {
    /// Rows whose second derivative is identically zero at the sample points: linear ops
    /// (sums, reshapes, slices, products of a variable with a constant…) and piecewise-
    /// linear ones away from their kinks (ReLU, leaky ReLU, clip, abs, max, minimum,
    /// maximum, select). Their gradient does not depend on the inputs, so both the analytic
    /// and the numeric second derivative are 0; the check still passes, and this list is
    /// asserted so a row cannot silently lose its curvature.
    static let zeroSecondDerivative: Set<String> = [
        "add", "add broadcast row", "add broadcast column", "add rank 3", "subtract broadcast",
        "scalar arithmetic", "negate", "clip", "relu", "leaky relu", "sum", "sum axis 0", "sum axis 1 kept",
        "mean", "mean axis", "max", "max axis", "flatten", "transpose", "transpose permutation",
        "gather repeated rows", "custom op told which operands need gradients, broadcasting",
        "slice stride 2, negative bounds", "slice several axes", "range subscripts",
        "concatenate 3 along axis 1", "stack along axis 1", "pad asymmetric", "broadcast to", "tile",
        "select broadcasting", "abs", "minimum", "maximum", "maximum broadcasting",
        "sliding windows stride 2, non-square", "sliding windows dilation 2",
        // Pooling and dropout are linear (max pooling piecewise) in their input.
        "max pool 2×2, odd sizes", "max pool 3×2 same, stride 2", "average pool 2×2 valid",
        "average pool 3×3 same, stride 2", "global average pool", "dropout with a fixed seed",
    ]

    func testEveryOpPassesGradgradcheck() {
        let rows = GradientCheckTests.cases()
        var curved: [String] = []
        for (name, function, inputs) in rows {
            let report = gradgradcheck(function, at: inputs)
            XCTAssertTrue(report.passed, "\(name):\n\(report)")
            XCTAssertEqual(report.inputs.count, inputs.count, name)
            let largest = report.inputs.map(\.maximumAnalyticMagnitude).max() ?? 0
            if Self.zeroSecondDerivative.contains(name) {
                XCTAssertEqual(largest, 0, "\(name): expected a zero second derivative")
            } else {
                XCTAssertGreaterThan(largest, 1e-6, "\(name): expected a non-zero second derivative")
                curved.append(name)
            }
        }
        XCTAssertGreaterThanOrEqual(rows.count, 61)
        // The kernels with a separate differentiable form are among the curved rows.
        for name in ["divide broadcast", "exp", "sqrt", "pow", "sigmoid", "tanh", "softmax", "log softmax",
                     "matmul", "linear (fused matmul + bias)", "sparse softmax cross-entropy", "custom softplus"] {
            XCTAssertTrue(curved.contains(name), name)
        }
    }

    func testBothFormsOfEveryPullbackGiveTheSameFirstOrderGradient() {
        // The fused first-order pullbacks (createGraph off) and the recorded ones (on).
        for (name, function, inputs) in GradientCheckTests.cases() {
            var gradients: [[Tensor<Double>]] = []
            for createGraph in [false, true] {
                let tape = Tape<Double>()
                let watched = inputs.map { tape.watch($0) }
                let output = function(watched)
                gradients.append(tape.gradient(of: output, wrt: watched, createGraph: createGraph))
            }
            for (fused, recorded) in zip(gradients[0], gradients[1]) {
                XCTAssertTrue(fused.isApproximatelyEqual(to: recorded, tolerance: 1e-12), name)
            }
        }
    }

    func testTheMLPLossPassesGradgradcheck() {
        var g = SeededRandomNumberGenerator(seed: 5)
        let x = Tensor<Double>(randomUniform: [3, 6], using: &g)
        let parameters: [Tensor<Double>] = [
            Tensor(glorotUniform: [6, 4], using: &g), Tensor(randomUniform: [4], in: -0.1..<0.1, using: &g),
            Tensor(glorotUniform: [4, 3], using: &g), Tensor(randomUniform: [3], in: -0.1..<0.1, using: &g),
        ]
        let report = gradgradcheck({ p in
            let hidden = x.linear(weight: p[0], bias: p[1]).tanh()
            return Tensor.sparseSoftmaxCrossEntropy(logits: hidden.matmul(p[2]) + p[3], labels: [2, 0, 1])
        }, at: parameters)
        XCTAssertTrue(report.passed, report.description)
    }

    func testAOnceDifferentiableOpIsReportedNotTrapped() {
        // A pullback that reads scalars directly, declared or not: the report names the op.
        for declared in [true, false] {
            let report = gradgradcheck({ xs in
                Tensor.differentiable("raw_square", operands: [xs[0]], isOnceDifferentiable: declared) { $0[0] * $0[0] }
                    pullback: { g, xs, _ in [Tensor(shape: xs[0].shape, scalars: zip(g.scalars, xs[0].scalars).map { 2 * $0 * $1 })] }
                    .sum()
            }, at: [Tensor([0.5, -1.0])])
            XCTAssertFalse(report.passed)
            XCTAssertEqual(report.onceDifferentiableOps, ["raw_square"])
            XCTAssertTrue(report.description.contains("NOT TWICE DIFFERENTIABLE"))
            XCTAssertTrue(report.description.contains("raw_square"))
        }
    }

    func testAWrongSecondDerivativeIsCaught() {
        // A custom cube whose pullback is right at first order but built so its own
        // derivative is wrong: 3x² written as 3·x·(untracked x).
        let report = gradgradcheck({ xs in
            Tensor.differentiable("bad_cube", operands: [xs[0]]) { $0[0] * $0[0] * $0[0] }
                pullback: { g, xs, _ in [g * xs[0] * xs[0].detached() * 3] }
        }, at: [Tensor([0.5, -1.0, 2.0])])
        XCTAssertFalse(report.passed)
        XCTAssertNotNil(report.inputs[0].firstMismatch)
    }
}
