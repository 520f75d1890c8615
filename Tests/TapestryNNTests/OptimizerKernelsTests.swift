import Tapestry
@testable import TapestryNN
import XCTest

/// Adam's update split over the helper threads gives exactly the update on one thread
/// (every element's arithmetic is the same), and the parts cover every element once.
final class OptimizerKernelsTests: XCTestCase {
    private var savedWidth = 1

    override func setUp() { savedWidth = HelperThreads.width }
    override func tearDown() { HelperThreads.width = savedWidth }

    func testTheElementsOfThePartsCoverTheParameterOnceFromLineStarts() {
        for (count, parts) in [(50_176, 2), (50_176, 3), (40_001, 2), (100_000, 8), (16, 1)] {
            let slices = (0..<parts).map { OptimizerKernels.elements(ofPart: $0, of: parts, count: count) }
            XCTAssertEqual(slices.first?.lowerBound, 0)
            XCTAssertEqual(slices.last?.upperBound, count)
            for (a, b) in zip(slices, slices.dropFirst()) {
                XCTAssertEqual(a.upperBound, b.lowerBound)
                XCTAssertEqual(b.lowerBound % 16, 0, "\(count) in \(parts)")
            }
        }
        // The halves of the Fashion MLP's first kernel are its row halves (392 rows of 64).
        XCTAssertEqual(OptimizerKernels.elements(ofPart: 1, of: 2, count: 784 * 64).lowerBound,
                       kernelRows(ofPart: 1, of: 2, inputSize: 784).lowerBound * 64)
        XCTAssertEqual(OptimizerKernels.parts(count: 1_000), 1)
    }

    func testASplitAdamStepEqualsTheOneThreadStep() {
        for width in [1, 2] {
            XCTAssertEqual(adamTrajectory(Float.self, width: width), adamTrajectory(Float.self, width: 1), "width \(width)")
        }
        XCTAssertEqual(adamTrajectory(Double.self, width: 2), adamTrajectory(Double.self, width: 1))
    }

    /// Five Adam steps on a 300 × 130 kernel; before each, a split job leaves the helpers
    /// awake, so the update (which does not wake them) splits too.
    private func adamTrajectory<Scalar: TensorScalar>(_: Scalar.Type, width: Int) -> [Scalar] {
        HelperThreads.width = width
        var generator = SeededRandomNumberGenerator(seed: 5)
        let parameter = Parameter("kernel", value: Tensor<Scalar>(randomNormal: [300, 130], using: &generator))
        let adam = Adam<Scalar>(learningRate: 0.01)
        for _ in 0..<5 {
            let gradient = Tensor<Scalar>(randomNormal: [300, 130], using: &generator)
            HelperThreads.run(parts: width) { _ in }
            adam.update([parameter], with: [gradient])
        }
        return parameter.value.scalars
    }
}
