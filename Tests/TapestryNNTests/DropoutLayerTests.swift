import XCTest
import Tapestry
@testable import TapestryNN

/// The Dropout layer in both learning phases.
final class DropoutLayerTests: XCTestCase {
    func testIdentityInInferenceAndInvertedScalingInTraining() {
        let layer = Dropout<Float>(rate: 0.5, seed: 3)
        let x = Tensor<Float>(ones: [20, 10])
        XCTAssertEqual(layer(x), x)
        XCTAssertEqual(LearningPhase.inference { layer(x) }, x)
        let trained = LearningPhase.training { layer(x) }
        XCTAssertTrue(trained.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertTrue(trained.scalars.contains(0) && trained.scalars.contains(2))
        XCTAssertNotEqual(LearningPhase.training { layer(x) }, trained, "each call draws a new mask")
        XCTAssertEqual(try layer.outputShape(forInputShape: [10]), [10])
    }

    func testTheSameSeedGivesTheSameMasks() {
        let x = Tensor<Float>(ones: [8, 8])
        let a = Dropout<Float>(rate: 0.3, seed: 11), b = Dropout<Float>(rate: 0.3, seed: 11)
        XCTAssertEqual(LearningPhase.training { a(x) }, LearningPhase.training { b(x) })
    }
}
