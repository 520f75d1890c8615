import XCTest
import Tapestry

/// ModelDescription and the formats summaries and diagrams share.
final class DescriptionTests: XCTestCase {
    func testGroupsDigitsInThousands() {
        XCTAssertEqual(0.groupedByThousands, "0")
        XCTAssertEqual(999.groupedByThousands, "999")
        XCTAssertEqual(1_000.groupedByThousands, "1,000")
        XCTAssertEqual(50_240.groupedByThousands, "50,240")
        XCTAssertEqual(UInt64(60_000).groupedByThousands, "60,000")
        XCTAssertEqual((-4_160).groupedByThousands, "-4,160")
        XCTAssertEqual(Int.min.groupedByThousands, "-9,223,372,036,854,775,808")
    }

    func testBatchShapeTextAsKerasPrintsIt() {
        XCTAssertEqual(ModelDescription.batchShapeText([26, 26, 32]), "(None, 26, 26, 32)")
        XCTAssertEqual(ModelDescription.batchShapeText([]), "(None,)")
        XCTAssertEqual(ModelDescription.batchShapeText(nil), "?")
    }

    func testTotalsAndLookup() {
        let description = ModelDescription(name: "m", nodes: [
            .init(name: "input", typeName: "InputLayer", kind: .input, outputShape: [4]),
            .init(name: "dense", typeName: "Dense", outputShape: [2], parameterCount: 10, trainableParameterCount: 8, inputs: ["input"]),
        ], outputs: ["dense"])
        XCTAssertEqual(description.parameterCount, 10)
        XCTAssertEqual(description.trainableParameterCount, 8)
        XCTAssertEqual(description["dense"]?.inputs, ["input"])
        XCTAssertNil(description["missing"])
    }
}
