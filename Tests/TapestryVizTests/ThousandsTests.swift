import XCTest

@testable import TapestryViz

final class ThousandsTests: XCTestCase {
    func testGroupsDigitsInThousands() {
        XCTAssertEqual(Thousands.grouped(0), "0")
        XCTAssertEqual(Thousands.grouped(999), "999")
        XCTAssertEqual(Thousands.grouped(1_000), "1,000")
        XCTAssertEqual(Thousands.grouped(50_240), "50,240")
        XCTAssertEqual(Thousands.grouped(1_234_567), "1,234,567")
        XCTAssertEqual(Thousands.grouped(-4_160), "-4,160")
        XCTAssertEqual(Thousands.grouped(Int.min), "-9,223,372,036,854,775,808")
    }
}
