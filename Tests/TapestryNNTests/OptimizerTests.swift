import Foundation
import XCTest
import Tapestry
@testable import TapestryNN

/// Optimizer steps against reference numbers.
///
/// `Reference/optimizers.py` transcribes Keras 3's update rules, clipping, weight decay
/// and schedules in NumPy and writes `Reference/optimizers.json`: 25 steps of fixed
/// gradients on a `[2, 3]` kernel (decayed) and a `[3]` bias (not decayed). The
/// trajectories are compared to 1e-12.
///
/// The older inline references:
///
/// The references come from a NumPy transcription of Keras 3's update rules
/// (keras/src/optimizers/adam.py and sgd.py) in float64, minimising Σθ² (so g = 2θ) from
/// θ = [0.5, −1.5, 2.0] with learning rate 0.1:
///
///     alpha = lr * sqrt(1 - b2**t) / (1 - b1**t); m += (g - m) * (1 - b1)
///     v += (g*g - v) * (1 - b2); th -= m * alpha / (sqrt(v) + eps)
final class OptimizerTests: XCTestCase {
    private func run(_ optimizer: some Optimizer<Double>, steps: Int) -> [[Double]] {
        let parameter = Parameter("theta", value: Tensor<Double>([0.5, -1.5, 2.0]))
        return (0..<steps).map { _ in
            optimizer.update([parameter], with: [parameter.value * 2])
            return parameter.value.scalars
        }
    }

    private func assertClose(_ actual: [[Double]], _ expected: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        for (a, e) in zip(actual.joined(), expected.joined()) {
            XCTAssertEqual(a, e, accuracy: 1e-12, file: file, line: line)
        }
    }

    func testAdamMatchesKerasReference() {
        let adam = Adam<Double>(learningRate: 0.1)
        XCTAssertEqual(adam.beta1, 0.9)
        XCTAssertEqual(adam.beta2, 0.999)
        XCTAssertEqual(adam.epsilon, 1e-7)
        XCTAssertEqual(Adam<Float>().learningRate, 1e-3)
        assertClose(run(adam, steps: 3), [
            [0.400000316226766, -1.4000001054091442, 1.900000079056879],
            [0.3011879736307703, -1.3002392435964603, 1.8001666217414731],
            [0.204871999501114, -1.200903115353242, 1.700623574825095],
        ])
        XCTAssertEqual(adam.step, 3)
    }

    func testSGDPlainMomentumAndNesterovMatchKerasReference() {
        assertClose(run(SGD<Double>(learningRate: 0.1), steps: 3),
                    [[0.4, -1.2, 1.6], [0.32, -0.96, 1.28], [0.256, -0.768, 1.024]])
        assertClose(run(SGD<Double>(learningRate: 0.1, momentum: 0.9), steps: 3),
                    [[0.4, -1.2, 1.6], [0.23, -0.69, 0.92], [0.031, -0.093, 0.124]])
        assertClose(run(SGD<Double>(learningRate: 0.1, momentum: 0.9, nesterov: true), steps: 3),
                    [[0.31, -0.93, 1.24], [0.1112, -0.3336, 0.4448], [-0.054176, 0.162528, -0.216704]])
    }

    func testFloatAdamAgreesWithDouble() {
        let parameter = Parameter("theta", value: Tensor<Float>([0.5, -1.5, 2.0]))
        let adam = Adam<Float>(learningRate: 0.1)
        for _ in 0..<3 { adam.update([parameter], with: [parameter.value * 2]) }
        XCTAssertEqual(parameter.value.scalars[0], 0.204871999501114, accuracy: 1e-5)
    }

    // MARK: - Reference trajectories

    private struct Fixture: Decodable {
        let steps: Int
        let initial: [[Double]]
        let shapes: [[Int]]
        let gradients: [[[Double]]]
        let trajectories: [String: [[[Double]]]]
    }

    private static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/optimizers.json")
        do {
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("OptimizerTests: cannot read \(url.path): \(error)")
        }
    }()

    /// Runs `optimizer` over the fixture's gradients and compares every step with the
    /// reference trajectory `name`.
    private func assertMatchesReference(_ name: String, _ optimizer: some Optimizer<Double>,
                                        file: StaticString = #filePath, line: UInt = #line) {
        let fixture = Self.fixture
        guard let expected = fixture.trajectories[name] else { return XCTFail("no reference \(name)", file: file, line: line) }
        XCTAssertGreaterThanOrEqual(fixture.steps, 20)
        let parameters = zip(fixture.initial, fixture.shapes).map { Parameter("p", value: Tensor<Double>(shape: $1, scalars: $0)) }
        for step in 0..<fixture.steps {
            let gradients = zip(fixture.gradients[step], fixture.shapes).map { Tensor<Double>(shape: $1, scalars: $0) }
            optimizer.update(parameters, with: gradients)
            for (parameter, reference) in zip(parameters, expected[step]) {
                for (actual, wanted) in zip(parameter.value.scalars, reference) where !(abs(actual - wanted) <= 1e-12) {
                    return XCTFail("\(name), step \(step + 1): \(parameter.value.scalars) vs \(reference)", file: file, line: line)
                }
            }
        }
    }

    func testSGDVariantsMatchReference() {
        assertMatchesReference("sgd", SGD<Double>(learningRate: 0.1))
        assertMatchesReference("sgd_momentum", SGD<Double>(learningRate: 0.05, momentum: 0.9))
        assertMatchesReference("sgd_nesterov_weight_decay", SGD<Double>(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.1))
    }

    func testAdamAndAdamWMatchReference() {
        assertMatchesReference("adam", Adam<Double>(learningRate: 0.01))
        assertMatchesReference("adamw", AdamW<Double>(learningRate: 0.01, weightDecay: 0.1))
        XCTAssertEqual(AdamW<Double>().weightDecay, 0.004)
    }

    func testRMSpropMatchesReference() {
        assertMatchesReference("rmsprop", RMSprop<Double>(learningRate: 0.01))
        assertMatchesReference("rmsprop_centered_momentum", RMSprop<Double>(learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true))
    }

    func testAdagradAdamaxNadamAndLionMatchReference() {
        assertMatchesReference("adagrad", Adagrad<Double>(learningRate: 0.1))
        assertMatchesReference("adamax", Adamax<Double>(learningRate: 0.01))
        assertMatchesReference("nadam", Nadam<Double>(learningRate: 0.01))
        assertMatchesReference("lion_weight_decay", Lion<Double>(learningRate: 0.003, weightDecay: 0.5))
    }

    func testClippingMatchesReference() {
        assertMatchesReference("adam_clipnorm", Adam<Double>(learningRate: 0.01, clipping: .norm(1)))
        assertMatchesReference("adam_global_clipnorm", Adam<Double>(learningRate: 0.01, clipping: .globalNorm(2)))
        assertMatchesReference("sgd_clipvalue", SGD<Double>(learningRate: 0.05, momentum: 0.9, clipping: .value(0.5)))
    }

    func testSchedulesDriveTheOptimizerLikeKeras() {
        assertMatchesReference("adam_cosine_warmup", Adam<Double>(learningRate: CosineDecay(
            initialLearningRate: 0, decaySteps: 15, alpha: 0.1, warmupTarget: 0.02, warmupSteps: 5)))
        let sgd = SGD<Double>(learningRate: ExponentialDecay(initialLearningRate: 0.1, decaySteps: 4, decayRate: 0.5, staircase: true))
        assertMatchesReference("sgd_exponential_decay", sgd)
        XCTAssertEqual(sgd.step, 25)
        XCTAssertEqual(sgd.learningRate, 0.1 * pow(0.5, 6), accuracy: 1e-15)   // the rate of step 25 (index)
        sgd.learningRate = 0.5
        XCTAssertEqual(sgd.learningRate, 0.5)
    }

    func testWeightDecaySkipsRankOneParametersUnlessToldOtherwise() {
        let kernel = Parameter("kernel", value: Tensor<Double>(shape: [1, 2], scalars: [1, -2]))
        let bias = Parameter("bias", value: Tensor<Double>([3]))
        let sgd = SGD<Double>(learningRate: 0.1, weightDecay: 0.5)
        sgd.update([kernel, bias], with: [Tensor(zeros: [1, 2]), Tensor(zeros: [1])])
        XCTAssertEqual(kernel.value.scalars, [0.95, -1.9])
        XCTAssertEqual(bias.value.scalars, [3])
        sgd.decaysParameter = { _ in true }
        sgd.update([kernel, bias], with: [Tensor(zeros: [1, 2]), Tensor(zeros: [1])])
        XCTAssertEqual(bias.value.scalars[0], 2.85, accuracy: 1e-15)
    }

    func testSnapshotRestoresStateSoTrainingContinuesIdentically() throws {
        let fixture = Self.fixture
        func makeParameters() -> [Parameter<Double>] {
            zip(fixture.initial, fixture.shapes).map { Parameter("p", value: Tensor<Double>(shape: $1, scalars: $0)) }
        }
        func gradients(_ step: Int) -> [Tensor<Double>] {
            zip(fixture.gradients[step], fixture.shapes).map { Tensor<Double>(shape: $1, scalars: $0) }
        }
        for makeOptimizer in [{ Nadam<Double>(learningRate: 0.01) as ParameterwiseOptimizer<Double, AdamMoments<Double>> },
                              { Adam<Double>(learningRate: CosineDecay(initialLearningRate: 0.01, decaySteps: 20)) }] {
            let straight = makeOptimizer(), straightParameters = makeParameters()
            for step in 0..<20 { straight.update(straightParameters, with: gradients(step)) }

            let first = makeOptimizer(), parameters = makeParameters()
            for step in 0..<8 { first.update(parameters, with: gradients(step)) }
            let snapshot = first.snapshot(of: parameters)
            XCTAssertEqual(snapshot.step, 8)
            XCTAssertEqual(snapshot.slotNames, ["m", "v"])
            XCTAssertEqual(snapshot.slots.map { $0.map(\.shape) }, [[[2, 3], [2, 3]], [[3], [3]]])

            // A restart: new parameter objects holding the saved values, a new optimizer.
            let resumedParameters = parameters.map { Parameter("p", value: $0.value) }
            let resumed: any CheckpointableOptimizer<Double> = makeOptimizer()
            try resumed.restore(snapshot, for: resumedParameters)
            for step in 8..<20 { resumed.update(resumedParameters, with: gradients(step)) }
            XCTAssertEqual(resumedParameters.map(\.value.scalars), straightParameters.map(\.value.scalars))
        }
    }

    func testRestoreRejectsMismatchedSnapshots() {
        let parameter = Parameter("p", value: Tensor<Double>([1, 2]))
        let adam = Adam<Double>()
        adam.update([parameter], with: [Tensor([1, 1])])
        let snapshot = adam.snapshot(of: [parameter])
        XCTAssertThrowsError(try Adam<Double>().restore(snapshot, for: [parameter, parameter]))
        XCTAssertThrowsError(try Adam<Double>().restore(snapshot, for: [Parameter("q", value: Tensor<Double>([1, 2, 3]))]))
        XCTAssertThrowsError(try Lion<Double>().restore(OptimizerSnapshot(step: 1, slotNames: ["m", "v"], slots: [[]]), for: [parameter]))
    }

    func testFloatOptimizersFollowTheDoubleReference() {
        let fixture = Self.fixture
        let parameters = zip(fixture.initial, fixture.shapes).map { Parameter("p", value: Tensor<Float>(shape: $1, scalars: $0.map(Float.init))) }
        let optimizers: [String: any Optimizer<Float>] = [
            "rmsprop_centered_momentum": RMSprop<Float>(learningRate: 0.01, rho: 0.8, momentum: 0.5, centered: true),
            "nadam": Nadam<Float>(learningRate: 0.01), "adamax": Adamax<Float>(learningRate: 0.01),
            "adagrad": Adagrad<Float>(learningRate: 0.1), "adam_global_clipnorm": Adam<Float>(learningRate: 0.01, clipping: .globalNorm(2)),
        ]
        for (name, optimizer) in optimizers {
            let copies = parameters.map { Parameter("p", value: $0.value) }
            for step in 0..<fixture.steps {
                optimizer.update(copies, with: zip(fixture.gradients[step], fixture.shapes).map { Tensor<Float>(shape: $1, scalars: $0.map(Float.init)) })
            }
            for (copy, reference) in zip(copies, fixture.trajectories[name]?.last ?? []) {
                for (actual, wanted) in zip(copy.value.scalars, reference) { XCTAssertEqual(Double(actual), wanted, accuracy: 1e-4, name) }
            }
        }
    }
}
