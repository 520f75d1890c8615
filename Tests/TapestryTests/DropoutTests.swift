import XCTest
import Tapestry

/// Inverted dropout: the mask, its scale and its seed.
final class DropoutTests: XCTestCase {
    func testDropsAboutRateAndScalesTheRestByTheInverseKeepProbability() {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let y = Tensor<Float>(ones: [100, 100]).droppedOut(rate: 0.25, using: &generator)
        let dropped = y.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / 10_000, 0.25, accuracy: 0.02)
        XCTAssertTrue(y.scalars.allSatisfy { $0 == 0 || abs($0 - 4 / 3) < 1e-6 })
        XCTAssertEqual(Double(y.mean().scalar), 1, accuracy: 0.03)
    }

    func testTheSameSeedDropsTheSameScalarsAndTheGradientIsMaskedAlike() {
        var first = SeededRandomNumberGenerator(seed: 9), second = SeededRandomNumberGenerator(seed: 9)
        let x = Tensor<Double>(rangeFrom: 1, to: 21)
        let a = x.droppedOut(rate: 0.5, using: &first)
        XCTAssertEqual(a, x.droppedOut(rate: 0.5, using: &second))
        let tape = Tape<Double>()
        var third = SeededRandomNumberGenerator(seed: 9)
        let watched = tape.watch(x)
        let gradient = tape.gradient(of: watched.droppedOut(rate: 0.5, using: &third).sum(), wrt: watched)
        XCTAssertEqual(gradient, a / x)
        XCTAssertEqual(x.droppedOut(rate: 0, using: &first), x)
    }
}
