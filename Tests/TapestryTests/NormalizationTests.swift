import XCTest
import Tapestry

/// Batch normalisation's statistics and formula.
final class NormalizationTests: XCTestCase {
    func testBatchStatisticsArePerChannelOverAllOtherAxes() {
        // Channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 10, 10, 30.
        let x = Tensor<Double>(shape: [2, 1, 2, 2], scalars: [1, 10, 2, 10, 3, 10, 4, 30])
        let (y, mean, variance) = x.batchNormalized(scale: Tensor([1, 2]), offset: Tensor([0, 1]), epsilon: 0)
        XCTAssertEqual(mean.scalars, [2.5, 15])
        XCTAssertEqual(variance.scalars, [1.25, 75])            // biased, as Keras
        XCTAssertEqual(y.shape, x.shape)
        XCTAssertEqual(y[0, 0, 0, 0], (1 - 2.5) / 1.25.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(y[1, 0, 1, 1], (30 - 15) / 75.0.squareRoot() * 2 + 1, accuracy: 1e-12)
    }

    func testGivenStatisticsNormaliseTheLastAxis() {
        let x = Tensor<Double>([[1, 4], [3, 8]])
        let y = x.normalized(mean: Tensor([2, 6]), variance: Tensor([4, 16]), scale: Tensor([1, 1]),
                             offset: Tensor([0.5, 0]), epsilon: 0)
        XCTAssertEqual(y, Tensor([[0, -0.5], [1, 0.5]]))
    }
}
