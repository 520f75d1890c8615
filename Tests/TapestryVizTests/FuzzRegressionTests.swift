// FuzzRegressionTests.swift: texts that Tests/Fuzz/FuzzDOT found Graphviz could not render
// through the escapers, or rendered wrongly.

import XCTest

@testable import TapestryViz

final class FuzzRegressionTests: XCTestCase {
    /// Renders `text` in a table cell of an HTML-like label and returns the texts of the SVG.
    private func htmlCellTexts(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let dot = "digraph { b [shape=plain, label=<<TABLE><TR><TD>\(DOT.htmlEscaped(text))</TD></TR></TABLE>>] }"
        let svg = try Graphviz.renderSVG(dot)
        return try XCTUnwrap(SVGDocument(svg, file: file, line: line), file: file, line: line).texts
    }

    /// Graphviz 2.43 refuses a text run that is just `]` ("non-space string used after </TABLE>").
    func testLoneClosingBracketInAnHTMLLabel() throws {
        XCTAssertEqual(DOT.htmlEscaped("]"), "&#93;")
        XCTAssertEqual(try htmlCellTexts("]"), ["]"])
        XCTAssertEqual(try htmlCellTexts("a]]b"), ["a]]b"])
    }

    /// Graphviz 2.43 silently dropped `]]` on the line after a `<BR/>`.
    func testClosingBracketsAfterALineBreakAreShown() throws {
        XCTAssertEqual(try htmlCellTexts("a\n]]"), ["a", "]]"])
        XCTAssertEqual(try htmlCellTexts("x\n]"), ["x", "]"])
    }

    /// An empty title or class name made an empty `<FONT …></FONT>`, which Graphviz refuses, so
    /// the chart could not be drawn at all.
    func testChartsWithEmptyTitlesAndClassNamesRender() throws {
        XCTAssertEqual(HTMLLabel.text("", size: 15, bold: true), "")
        let confusion = try ConfusionMatrixChart(counts: [[2, 1], [0, 3]], classNames: ["", "b"], title: "")
        let confusionSVG = try confusion.renderSVG()
        XCTAssertNotNil(SVGDocument(confusionSVG))
        XCTAssertTrue(confusionSVG.contains(">b<"), "the other class name is still drawn")

        let image = try GrayscaleImage(rows: 2, columns: 2, pixels: [0, 255, 128, 64])
        let gallery = try PredictionGallery(
            items: [PredictionGallery.Item(image: image, probabilities: [0.25, 0.75], trueClass: 0)],
            classNames: ["", "]"], title: "")
        let gallerySVG = try gallery.renderSVG()
        let document = try XCTUnwrap(SVGDocument(gallerySVG))
        XCTAssertTrue(document.texts.contains { $0.contains("]") }, "class ']' is drawn: \(document.texts)")
    }
}
