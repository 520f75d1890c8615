import XCTest

@testable import TapestryViz

final class ConfusionMatrixChartTests: XCTestCase {
    private let names = ["T-shirt/top", "Trouser", "Pullover"]
    private let counts = [[50, 2, 8], [1, 97, 0], [12, 0, 30]]

    private func document(_ chart: ConfusionMatrixChart) throws -> SVGDocument {
        try XCTUnwrap(SVGDocument(try chart.renderSVG()))
    }

    func testShowsTitleNamesCountsAndRates() throws {
        let texts = try document(ConfusionMatrixChart(counts: counts, classNames: names, title: "Test set")).texts
        for expected in ["Test set", "T-shirt/top", "Trouser", "Pullover", "50", "97", "30", "12", "8",
                         "predicted class →", "true class ↓", "recall", "precision"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
        // Recall of class 0: 50 / 60; precision of class 2: 30 / 38; accuracy 177 / 200.
        XCTAssertTrue(texts.contains("83.3%"))
        XCTAssertTrue(texts.contains("78.9%"))
        XCTAssertTrue(texts.contains("accuracy 88.5% (177 of 200 correct)"), "\(texts)")
        // Class names head both the rows and the columns.
        XCTAssertEqual(texts.filter { $0 == "Pullover" }.count, 2)
    }

    func testTextColourContrastsWithTheCell() throws {
        let svg = try document(ConfusionMatrixChart(counts: counts, classNames: names))
        func fill(of text: String) -> String? {
            svg.elements(named: "text").first { $0.text == text }?.attributes["fill"]
        }
        XCTAssertEqual(fill(of: "97"), "#ffffff", "the darkest cell needs white text")
        XCTAssertEqual(fill(of: "2"), "#000000", "a pale cell needs dark text")
        XCTAssertEqual(fill(of: "0"), "#a0a0a0", "zero counts are de-emphasised")
    }

    func testColourScaleDarkensWithCountAndTextAlwaysContrasts() {
        let luminances = stride(from: 0.0, through: 1.0, by: 0.1).map {
            SequentialScale.blues.color(at: $0).relativeLuminance
        }
        XCTAssertEqual(luminances, luminances.sorted(by: >))
        for t in stride(from: 0.0, through: 1.0, by: 0.05) {
            let background = SequentialScale.blues.color(at: t)
            let text = background.contrastingText
            let (light, dark) = [background.relativeLuminance, text.relativeLuminance].sorted(by: >).pairs
            XCTAssertGreaterThanOrEqual((light + 0.05) / (dark + 0.05), 4.5, "WCAG AA contrast at t=\(t)")
        }
    }

    func testRejectsMalformedInput() {
        XCTAssertThrowsError(try ConfusionMatrixChart(counts: [], classNames: []))
        XCTAssertThrowsError(try ConfusionMatrixChart(counts: [[1, 2]], classNames: ["a", "b"]))
        XCTAssertThrowsError(try ConfusionMatrixChart(counts: [[1, 2], [3]], classNames: ["a", "b"])) { error in
            XCTAssertTrue("\(error)".contains("row 1"), "\(error)")
        }
        XCTAssertThrowsError(try ConfusionMatrixChart(counts: [[1, -2], [3, 4]], classNames: ["a", "b"]))
    }

    func testEmptyRowsAndHugeCountsDoNotCrash() throws {
        let huge = Int.max / 2
        let texts = try document(ConfusionMatrixChart(counts: [[huge, huge], [0, 0]], classNames: ["a", "b"])).texts
        XCTAssertTrue(texts.contains(String(huge)))
        XCTAssertTrue(texts.contains("–"), "an empty row has no recall")
    }

    func testHostileClassNamesAreShownLiterally() throws {
        let n = hostileNames.count
        let identity = (0..<n).map { row in (0..<n).map { $0 == row ? 1 : 0 } }
        let chart = try ConfusionMatrixChart(counts: identity, classNames: hostileNames, title: hostileNames[1])
        let texts = try document(chart).texts
        for name in hostileNames {
            for line in displayedLines(of: name) where !line.isEmpty {
                XCTAssertGreaterThanOrEqual(texts.filter { $0 == line }.count, 2, "\(line.debugDescription)")
            }
        }
    }
}

private extension Array where Element == Double {
    var pairs: (Double, Double) { (self[0], self[1]) }
}
