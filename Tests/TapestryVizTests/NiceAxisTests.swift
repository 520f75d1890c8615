import XCTest

@testable import TapestryViz

final class NiceAxisTests: XCTestCase {
    func testStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        XCTAssertEqual(NiceAxis.niceStep(0.13), 0.2)
        XCTAssertEqual(NiceAxis.niceStep(0.3), 0.5)
        XCTAssertEqual(NiceAxis.niceStep(7), 10)
        XCTAssertEqual(NiceAxis.niceStep(1), 1)
        XCTAssertEqual(NiceAxis.niceStep(0.0021), 0.005, accuracy: 1e-15)
        XCTAssertEqual(NiceAxis.niceStep(.nan), 1)
        XCTAssertEqual(NiceAxis.niceStep(0), 1)
    }

    func testAxisCoversTheDataWithNiceTicks() {
        let axis = NiceAxis(covering: [0.31, 1.02, 0.47])
        XCTAssertEqual(axis.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(axis.lower, 0.2, accuracy: 1e-12)
        XCTAssertEqual(axis.upper, 1.2, accuracy: 1e-12)
        XCTAssertEqual(axis.ticks.map { axis.label(for: $0) }, ["0.2", "0.4", "0.6", "0.8", "1.0", "1.2"])
    }

    func testNonFiniteValuesAreIgnored() {
        let axis = NiceAxis(covering: [.nan, 2, .infinity, 8, -.infinity])
        XCTAssertEqual(axis.lower, 2)
        XCTAssertEqual(axis.upper, 8)
        XCTAssertEqual(axis.ticks.map { axis.label(for: $0) }, ["2", "4", "6", "8"])
    }

    func testNoDataAndConstantData() {
        XCTAssertEqual(NiceAxis(covering: []).ticks.first, 0)
        XCTAssertEqual(NiceAxis(covering: [.nan]).ticks.last, 1)
        let constant = NiceAxis(covering: [0.5, 0.5])
        XCTAssertLessThan(constant.lower, 0.5)
        XCTAssertGreaterThan(constant.upper, 0.5)
        let zero = NiceAxis(covering: [0, 0])
        XCTAssertEqual(zero.lower, -1)
        XCTAssertEqual(zero.upper, 1)
    }

    func testLimitsClampTheAxis() {
        let accuracy = NiceAxis(covering: [1, 1, 1], limits: 0...1)
        XCTAssertEqual(accuracy.upper, 1, accuracy: 1e-12)
        XCTAssertLessThan(accuracy.lower, 1)
        XCTAssertEqual(NiceAxis(covering: [0, 0], limits: 0...1).lower, 0)
        // Data outside the limits is never clipped.
        XCTAssertGreaterThanOrEqual(NiceAxis(covering: [0.5, 1.3], limits: 0...1).upper, 1.3)
    }

    func testHugeValuesStayFinite() {
        let axis = NiceAxis(covering: [-1e308, 1e308])
        XCTAssertTrue(axis.ticks.allSatisfy(\.isFinite))
        XCTAssertFalse(axis.ticks.isEmpty)
        XCTAssertEqual(axis.label(for: 1e308), "1e+308")
    }

    func testNegativeZeroIsLabelledZero() {
        let axis = NiceAxis(covering: [-0.4, 0.4])
        XCTAssertTrue(axis.ticks.map { axis.label(for: $0) }.contains("0.0"))
        XCTAssertFalse(axis.ticks.map { axis.label(for: $0) }.contains("-0.0"))
    }

    func testEpochAxis() {
        XCTAssertEqual(NiceAxis(epochCount: 1).ticks, [1])
        XCTAssertEqual(NiceAxis(epochCount: 5).ticks, [1, 2, 3, 4, 5])
        XCTAssertEqual(NiceAxis(epochCount: 20).ticks, [1, 5, 10, 15, 20])
        XCTAssertEqual(NiceAxis(epochCount: 300).ticks, [1, 100, 200, 300])
        XCTAssertEqual(NiceAxis(epochCount: 0).ticks, [1])
        let axis = NiceAxis(epochCount: 20)
        XCTAssertEqual(axis.fraction(of: 1), 0)
        XCTAssertEqual(axis.fraction(of: 20), 1)
    }
}
