import XCTest
@testable import Tapestry

final class TapeTests: XCTestCase {
    func testRecordsEntriesWithOpsShapesAndLabels() {
        let tape = Tape<Float>()
        let w = tape.watch(Tensor(ones: [3, 2]), name: "dense.kernel")
        let x = tape.constant(Tensor(ones: [4, 3]), name: "input")
        let y = tape.withLabel("dense") { x.matmul(w).relu() }
        let loss = y.sum()
        XCTAssertTrue(loss.isTracked)
        XCTAssertEqual(tape.entries.map(\.op), ["variable", "constant", "matmul", "relu", "sum"])
        XCTAssertEqual(tape.entries[0].name, "dense.kernel")
        XCTAssertEqual(tape.entries[0].kind, .variable)
        XCTAssertEqual(tape.entries[1].kind, .constant)
        XCTAssertEqual(tape.entries[2].inputs, [1, 0])
        XCTAssertEqual(tape.entries[2].shape, [4, 2])
        XCTAssertEqual(tape.entries[2].label, "dense")
        XCTAssertEqual(tape.entries[3].label, "dense")
        XCTAssertNil(tape.entries[4].label)
        XCTAssertEqual(tape.gradient(of: loss, wrt: w), Tensor(repeating: 4, shape: [3, 2]))
    }

    func testValueUsedTwiceAccumulatesBothContributions() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([3]))
        let y = x * x + x               // dy/dx = 2x + 1 = 7
        XCTAssertEqual(tape.gradient(of: y, wrt: x).scalars, [7])
    }

    func testValueOffThePathGetsZeros() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2])), unused = tape.watch(Tensor([[5, 6]]))
        let y = x.squared().sum()
        let gradients = tape.gradient(of: y, wrt: [x, unused])
        XCTAssertEqual(gradients[0].scalars, [2, 4])
        XCTAssertEqual(gradients[1], Tensor(zeros: [1, 2]))
    }

    func testWithoutRecordingAndDetachRecordNothing() {
        let tape = Tape<Float>()
        let x = tape.watch(Tensor([1, 2]))
        let count = tape.entries.count
        let untracked = tape.withoutRecording { (x * 2).exp() }
        XCTAssertFalse(untracked.isTracked)
        XCTAssertEqual(tape.entries.count, count)
        let stopped = x.detached() * 3
        XCTAssertFalse(stopped.isTracked)
        XCTAssertEqual(tape.entries.count, count)
        // A stop-gradient in the middle: only the tracked path contributes.
        let y = (x * x.detached()).sum()
        XCTAssertEqual(tape.gradient(of: y, wrt: x).scalars, [1, 2])
    }

    func testUntrackedInputsGetNoGradientWork() {
        let tape = Tape<Float>()
        let w = tape.watch(Tensor(ones: [3, 2]))
        let y = Tensor<Float>(ones: [4, 3]).matmul(w)
        XCTAssertFalse(tape.entries[1].operands.allSatisfy { $0 >= 0 }, "the batch is not tracked")
        XCTAssertEqual(tape.entries[1].inputs, [0])
        XCTAssertEqual(tape.gradient(of: y, wrt: w).shape, [3, 2])
    }

    func testSeededBackwardAndKeptIntermediates() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2, 3]))
        let y = x * 2
        let gradients = tape.backward(from: y, seed: Tensor([1, 0, -1]), keepingIntermediates: true)
        XCTAssertEqual(gradients[x].scalars, [2, 0, -2])
        XCTAssertEqual(gradients.cotangents[1]?.scalars, [1, 0, -1])
    }

    func testAnomalyDetectionNamesTheFirstBadOp() {
        let tape = Tape<Float>()
        tape.detectsAnomalies = true
        let x = tape.watch(Tensor([1, 0, 2]), name: "x")
        let y = tape.withLabel("layer_1") { x.log() }   // log(0) = −∞
        _ = (y * 2).sum()
        let anomaly = tape.firstAnomaly
        XCTAssertEqual(anomaly?.entry.op, "log")
        XCTAssertEqual(anomaly?.phase, .forward)
        XCTAssertTrue(anomaly?.description.contains("layer_1") ?? false)

        let clean = Tape<Float>()
        clean.detectsAnomalies = true
        let z = clean.watch(Tensor([0, 1]))
        let root = z.sqrt().sum()                 // forward finite, pullback 1/(2·0) = ∞
        _ = clean.gradient(of: root, wrt: z)
        XCTAssertEqual(clean.firstAnomaly?.entry.op, "sqrt")
        XCTAssertEqual(clean.firstAnomaly?.phase, .backward)
    }

    func testCustomOpIsRecordedAndDifferentiated() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([0.0, 1.0]))
        let y = Tensor.differentiable("softplus", operands: [x]) { xs in
            (xs[0].exp() + 1).log()
        } pullback: { g, xs, _ in
            [g * xs[0].sigmoid()]
        }
        XCTAssertEqual(tape.entries.last?.op, "softplus")
        let dx = tape.gradient(of: y.sum(), wrt: x)
        XCTAssertEqual(dx[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(dx[1], 1 / (1 + Double.exp(-1)), accuracy: 1e-12)
    }

    func testPullbacksAreToldWhichOperandsNeedGradients() {
        let tape = Tape<Double>()
        let w = tape.watch(Tensor([2, 3]), name: "w")
        let batch = tape.constant(Tensor([5, 7]), name: "batch")
        nonisolated(unsafe) var told: [[Bool]] = []
        let y = Tensor.differentiable("scaled", operands: [batch, w, Tensor([1, 1])]) { $0[0] * $0[1] * $0[2] }
            pullback: { g, xs, _, needs in
                told.append([needs[0], needs[1], needs[2]])
                return [needs[0] ? g * xs[1] : nil, needs[1] ? g * xs[0] : nil, nil]
            }
        XCTAssertTrue(y.requiresGradient)
        XCTAssertEqual(tape.gradient(of: y.sum(), wrt: w).scalars, [5, 7])
        XCTAssertEqual(told, [[false, true, false]], "only the watched operand needs a cotangent")
        XCTAssertEqual(tape.backward(from: y.sum())[batch], Tensor(zeros: [2]), "a constant gets no gradient")
    }

    func testAPullbackNobodyNeedsIsNeverCalled() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2]))
        let c = tape.constant(Tensor([3, 4]))
        nonisolated(unsafe) var calls = 0
        let fromConstant = Tensor.differentiable("counted", operands: [c]) { $0[0].exp() }
            pullback: { g, xs, _ in calls += 1; return [g * xs[0].exp()] }
        XCTAssertFalse(fromConstant.requiresGradient)
        let loss = (fromConstant * x).sum()
        XCTAssertEqual(tape.gradient(of: loss, wrt: x).scalars, [Double.exp(3), Double.exp(4)])
        XCTAssertEqual(calls, 0)
    }

    func testTheSweepSumsBroadcastCotangentsToTheOperandShape() {
        let tape = Tape<Double>()
        let row = tape.watch(Tensor([1, 2, 3]))
        let column = tape.watch(Tensor([[10], [20]]))
        // A custom broadcasting add whose pullback returns g, shape [2, 3], for both operands.
        let y = Tensor.differentiable("broadcast_add", operands: [row, column]) { $0[0] + $0[1] }
            pullback: { g, _, _ in [g, g] }
        XCTAssertEqual(y.shape, [2, 3])
        let seed = Tensor<Double>([[1, 2, 3], [4, 5, 6]])
        let gradients = tape.backward(from: y, seed: seed)
        XCTAssertEqual(gradients[row], Tensor([5, 7, 9]))
        XCTAssertEqual(gradients[column], Tensor([[6], [15]]))
    }

    func testTheClosureFormOfRecordStillWorks() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2]))
        let constant = Tensor<Double>([3, 4])
        let y = tape.record("legacy_multiply", operands: [x, constant], output: (x * constant).detached()) { g in
            [g * constant, g * 100]   // the second cotangent is for an untracked operand: dropped
        }
        XCTAssertEqual(tape.entries.last?.op, "legacy_multiply")
        XCTAssertEqual(tape.gradient(of: y.sum(), wrt: x).scalars, [3, 4])
    }
}
