import XCTest
import Tapestry

/// Backward sweeps that create a graph: derivatives of derivatives on one tape, what they
/// record, what a first-order sweep does not keep, and once-differentiable ops.
final class HigherOrderTapeTests: XCTestCase {
    func testCreateGraphGivesDerivativesOfEveryOrder() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor(2.0), name: "x")
        let y = x * x * x
        let first = tape.gradient(of: y, wrt: x, createGraph: true)
        let second = tape.gradient(of: first, wrt: x, createGraph: true)
        let third = tape.gradient(of: second, wrt: x, createGraph: true)
        XCTAssertEqual([first, second, third].map(\.scalar), [12, 12, 6])
        XCTAssertTrue(first.isTracked && second.isTracked)
        // The same flag on backward.
        XCTAssertEqual(tape.backward(from: y, createGraph: true)[x].scalar, 12)
    }

    func testEntriesRecordTheirDerivativeOrder() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([0.5, -1]), name: "x")
        let y = x.sigmoid().sum()
        let forwardCount = tape.entries.count
        let dy = tape.gradient(of: y, wrt: x, createGraph: true)
        let firstOrderCount = tape.entries.count
        _ = tape.gradient(of: dy.sum(), wrt: x, createGraph: true)
        XCTAssertTrue(tape.entries[..<forwardCount].allSatisfy { $0.derivativeOrder == 0 && !$0.isBackward })
        XCTAssertTrue(tape.entries[forwardCount..<firstOrderCount].allSatisfy { $0.derivativeOrder == 1 && $0.isBackward })
        // `dy.sum()` is an op on a derivative, so order 1; the second sweep records order 2.
        XCTAssertEqual(tape.entries[firstOrderCount].derivativeOrder, 1)
        XCTAssertTrue(tape.entries[(firstOrderCount + 1)...].allSatisfy { $0.derivativeOrder == 2 })
        XCTAssertGreaterThan(tape.entries.count, firstOrderCount + 1)
    }

    func testASweepThatBuildsAGraphTracksItsSeedAsAConstant() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor(3.0), name: "x")
        let slope = tape.gradient(of: (x * x).sum(), wrt: x, createGraph: true)   // sum of a scalar
        XCTAssertTrue(slope.isTracked)
        XCTAssertEqual(tape.gradient(of: slope, wrt: x).scalar, 2)
        let seeds = tape.entries.filter { $0.kind == .constant && $0.name == "seed" }
        XCTAssertEqual(seeds.map(\.derivativeOrder), [1])
        // Broadcasting to its own shape keeps a tensor tracked (first order too).
        XCTAssertEqual(tape.gradient(of: x.broadcast(to: []) * x, wrt: x).scalar, 6)
    }

    func testAFirstOrderSweepRecordsAndKeepsNothing() {
        final class Token {}
        weak var released: Token?
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2, 3]), name: "x")
        var firstOrder: Tensor<Double>?
        do {
            let token = Token()
            released = token
            let y = Tensor.differentiable("scaled", operands: [x]) { $0[0] * 2 } pullback: { g, _, _ in
                withExtendedLifetime(token) { [g * 2] }
            }
            let count = tape.entries.count
            firstOrder = tape.gradient(of: (y * x).sum(), wrt: x)
            XCTAssertEqual(tape.entries.count, count + 2, "only the forward multiply and sum were recorded")
        }
        XCTAssertFalse(firstOrder?.isTracked ?? true)
        XCTAssertEqual(firstOrder?.scalars, [4, 8, 12])
        XCTAssertNotNil(released, "the tape still holds the op's pullback")
        // A transform's private tape, with the pullbacks it captured, is gone when it returns.
        weak var capturedByTransform: Token?
        let slope = {
            let token = Token()
            capturedByTransform = token
            return gradient(at: Tensor<Double>([1, 2])) { x in
                Tensor.differentiable("scaled", operands: [x]) { $0[0] * 3 } pullback: { g, _, _ in
                    withExtendedLifetime(token) { [g * 3] }
                }.sum()
            }
        }()
        XCTAssertEqual(slope.scalars, [3, 3])
        XCTAssertNil(capturedByTransform)
        XCTAssertFalse(slope.isTracked)
    }

    func testCreateGraphGivesTheSameFirstOrderGradientsAsTheFusedKernels() {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let x = Tensor<Double>(randomUniform: [4, 5], using: &generator)
        let w = Tensor<Double>(randomUniform: [5, 3], using: &generator)
        let b = Tensor<Double>(randomUniform: [3], using: &generator)
        func loss(_ tape: Tape<Double>, createGraph: Bool) -> [Tensor<Double>] {
            let (tw, tb) = (tape.watch(w), tape.watch(b))
            let logits = x.linear(weight: tw, bias: tb).relu().softmax().log()
            let y = Tensor.sparseSoftmaxCrossEntropy(logits: logits, labels: [0, 2, 1, 1]) + logits.logSoftmax().max()
            return tape.gradient(of: y, wrt: [tw, tb], createGraph: createGraph)
        }
        let fused = loss(Tape(), createGraph: false), recorded = loss(Tape(), createGraph: true)
        for (a, b) in zip(fused, recorded) { XCTAssertTrue(a.isApproximatelyEqual(to: b, tolerance: 1e-12)) }
    }

    func testAOnceDifferentiableOpGivesFirstOrderGradientsBehindABarrier() {
        // A pullback that reads scalars directly: correct at first order, not differentiable.
        func cube(_ x: Tensor<Double>) -> Tensor<Double> {
            Tensor.differentiable("raw_cube", operands: [x], isOnceDifferentiable: true) { $0[0] * $0[0] * $0[0] }
                pullback: { g, xs, _ in
                    [Tensor(shape: xs[0].shape, scalars: zip(g.scalars, xs[0].scalars).map { $0 * 3 * $1 * $1 })]
                }
        }
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([2.0, -1]), name: "x")
        let y = cube(x).sum()
        XCTAssertEqual(tape.gradient(of: y, wrt: x).scalars, [12, 3])
        let first = tape.gradient(of: y, wrt: x, createGraph: true)
        XCTAssertEqual(first.scalars, [12, 3])
        // The gradient is recorded as the output of a barrier op, whose pullback traps (naming
        // raw_cube) if a later sweep differentiates through it.
        XCTAssertTrue(first.isTracked)
        XCTAssertEqual(tape.entries.last?.op, "raw_cube_backward")
        XCTAssertEqual(tape.entries.last?.derivativeOrder, 1)
    }

    func testACustomOpBuiltFromPublicOpsDifferentiatesAgain() {
        // softplus with pullback g · sigmoid(x): its second derivative is sigmoid′(x).
        let x = Tensor<Double>([0.3, -1.2])
        let second = gradient(at: x) { x in
            gradient(at: x) { x in
                Tensor.differentiable("softplus", operands: [x]) { ($0[0].exp() + 1).log() }
                    pullback: { g, xs, _ in [g * xs[0].sigmoid()] }
                    .sum()
            }.sum()
        }
        let s = x.sigmoid()
        XCTAssertTrue(second.isApproximatelyEqual(to: s * (1 - s), tolerance: 1e-12))
    }
}
