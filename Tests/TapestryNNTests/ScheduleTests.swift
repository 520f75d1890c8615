import Foundation
import XCTest
import Tapestry
@testable import TapestryNN

/// Learning-rate schedules against `Reference/schedules.json`, written by
/// `Reference/optimizers.py` from a NumPy transcription of Keras 3's schedules (steps 0–39).
final class ScheduleTests: XCTestCase {
    private static let reference: [String: [Double]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/schedules.json")
        do {
            return try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: url))
        } catch {
            fatalError("ScheduleTests: cannot read \(url.path): \(error)")
        }
    }()

    private func assertMatches(_ name: String, _ schedule: some LearningRateSchedule, file: StaticString = #filePath, line: UInt = #line) {
        guard let expected = Self.reference[name] else { return XCTFail("no reference \(name)", file: file, line: line) }
        XCTAssertEqual(expected.count, 40, file: file, line: line)
        for (step, value) in expected.enumerated() {
            XCTAssertEqual(schedule.learningRate(atStep: step), value, accuracy: 1e-12, "\(name) at step \(step)", file: file, line: line)
        }
    }

    func testExponentialDecay() {
        assertMatches("exponential", ExponentialDecay(initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.6))
        assertMatches("exponential_staircase", ExponentialDecay(initialLearningRate: 0.1, decaySteps: 7, decayRate: 0.6, staircase: true))
    }

    func testInverseTimeDecay() {
        assertMatches("inverse_time", InverseTimeDecay(initialLearningRate: 0.2, decaySteps: 5, decayRate: 0.5))
        assertMatches("inverse_time_staircase", InverseTimeDecay(initialLearningRate: 0.2, decaySteps: 5, decayRate: 0.5, staircase: true))
    }

    func testPiecewiseConstantDecay() {
        let schedule = PiecewiseConstantDecay(boundaries: [5, 12, 30], values: [0.1, 0.05, 0.01, 0.001])
        assertMatches("piecewise_constant", schedule)
        XCTAssertEqual(schedule.learningRate(atStep: 5), 0.1)     // a boundary belongs to the interval before it
        XCTAssertEqual(schedule.learningRate(atStep: 6), 0.05)
    }

    func testCosineDecayWithAndWithoutWarmup() {
        assertMatches("cosine", CosineDecay(initialLearningRate: 0.1, decaySteps: 30))
        assertMatches("cosine_alpha", CosineDecay(initialLearningRate: 0.1, decaySteps: 30, alpha: 0.2))
        let warmup = CosineDecay(initialLearningRate: 0.001, decaySteps: 25, alpha: 0.1, warmupTarget: 0.05, warmupSteps: 8)
        assertMatches("cosine_warmup", warmup)
        XCTAssertEqual(warmup.learningRate(atStep: 8), 0.05, accuracy: 1e-15)   // the peak
    }

    func testConstantAndClosureSchedules() {
        XCTAssertEqual(0.25.learningRate(atStep: 1000), 0.25)
        let halving = LambdaSchedule { step in 0.1 * pow(0.5, Double(step / 10)) }
        XCTAssertEqual(halving.learningRate(atStep: 9), 0.1)
        XCTAssertEqual(halving.learningRate(atStep: 25), 0.025)
        let sgd = SGD<Double>(learningRate: halving)
        let parameter = Parameter("p", value: Tensor<Double>([1]))
        for _ in 0..<10 { sgd.update([parameter], with: [Tensor([1])]) }
        XCTAssertEqual(parameter.value.scalars[0], 0, accuracy: 1e-12)             // ten steps of 0.1
        XCTAssertEqual(sgd.learningRate, 0.05)
    }
}
