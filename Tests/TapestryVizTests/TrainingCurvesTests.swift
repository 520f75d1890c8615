import XCTest

@testable import TapestryViz

final class TrainingCurvesTests: XCTestCase {
    private let trainingStroke = ChartTheme.training.hex
    private let validationStroke = ChartTheme.validation.hex

    private func render(_ history: TrainingHistory, title: String = "Run") throws -> SVGDocument {
        let svg = try TrainingCurves(history, title: title).renderSVG()
        return try XCTUnwrap(SVGDocument(svg))
    }

    /// The points of every thick (series) path drawn in `stroke`, legend sample included.
    private func seriesPaths(_ document: SVGDocument, stroke: String) -> [[(x: Double, y: Double)]] {
        document.elements(named: "path")
            .filter { $0.attributes["stroke"] == stroke && $0.attributes["stroke-width"] == "2" }
            .map { element in
                let numbers = (element.attributes["d"] ?? "")
                    .split(whereSeparator: { "MC ,".contains($0) }).compactMap { Double($0) }
                return stride(from: 0, to: numbers.count - 1, by: 2).map { (numbers[$0], numbers[$0 + 1]) }
            }
    }

    func testShowsTitlesAxisLabelsTicksAndLegend() throws {
        let history = TrainingHistory(
            loss: [0.9, 0.6, 0.5, 0.45, 0.4], accuracy: [0.7, 0.8, 0.84, 0.86, 0.87],
            validationLoss: [0.8, 0.62, 0.55, 0.5, 0.49], validationAccuracy: [0.72, 0.79, 0.82, 0.83, 0.84])
        let texts = try render(history, title: "Fashion MLP").texts
        for expected in ["Fashion MLP", "Loss per epoch", "Accuracy per epoch", "loss", "accuracy", "epoch",
                         "training", "validation", "1", "2", "3", "4", "5", "0.4", "1.0", "0.90"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
        // Epoch ticks appear once per panel.
        XCTAssertEqual(texts.filter { $0 == "3" }.count, 2)
    }

    func testEachSeriesIsOneEdgeThroughItsPointsInOrder() throws {
        let loss = [0.9, 0.5, 0.7, 0.4]
        let document = try render(TrainingHistory(loss: loss, accuracy: [0.1, 0.2, 0.3, 0.4]))
        let paths = seriesPaths(document, stroke: trainingStroke)
        // Legend sample, loss series, accuracy series.
        XCTAssertEqual(paths.count, 3)
        let lossPath = try XCTUnwrap(paths.first { $0.count == 1 + 3 * (loss.count - 1) })
        // Pick the path's vertices (every third point after the first): x grows with the epoch,
        // and SVG y (downwards) orders the points like the negated loss.
        let vertices = stride(from: 0, to: lossPath.count, by: 3).map { lossPath[$0] }
        XCTAssertEqual(vertices.count, loss.count)
        XCTAssertEqual(vertices.map(\.x), vertices.map(\.x).sorted())
        let order = vertices.indices.sorted { vertices[$0].y > vertices[$1].y }
        XCTAssertEqual(order, loss.indices.sorted { loss[$0] < loss[$1] })
        // Markers: 4 epochs × 2 panels, plus the legend's (no validation, so only one).
        XCTAssertEqual(document.elements(named: "ellipse").count, 9)
    }

    func testNonFiniteValuesBreakTheLineAndAreReported() throws {
        let history = TrainingHistory(
            loss: [0.9, .nan, 0.5, 0.4, .infinity, 0.3], accuracy: [0.5, 0.6, 0.7, 0.75, 0.8, 0.82],
            validationLoss: [0.8, 0.7, 0.6, -.infinity, 0.5, 0.5])
        let document = try render(history)
        let texts = document.texts
        XCTAssertTrue(
            texts.contains("× not plotted (NaN or infinite): training epochs 2, 5; validation epoch 4"),
            "\(texts)")
        XCTAssertEqual(texts.filter { $0 == "×" }.count, 3)
        // Training loss runs: [0.9] | [0.5, 0.4] | [0.3] → one edge; accuracy → one; legend → one.
        XCTAssertEqual(seriesPaths(document, stroke: trainingStroke).count, 3)
        // Validation loss runs: [0.8, 0.7, 0.6] | [0.5, 0.5] → two edges; legend → one.
        XCTAssertEqual(seriesPaths(document, stroke: validationStroke).count, 3)
    }

    func testAllNonFiniteAndEmptyHistoriesStillRender() throws {
        let allNaN = try render(TrainingHistory(loss: [.nan, .nan], accuracy: [.nan, .nan])).texts
        XCTAssertEqual(allNaN.filter { $0 == "no finite values" }.count, 2)
        let empty = try render(TrainingHistory()).texts
        XCTAssertEqual(empty.filter { $0 == "no data" }.count, 2)
    }

    func testSingleEpochIsAMarkerOnTheMiddleTick() throws {
        let document = try render(TrainingHistory(loss: [0.61], accuracy: [0.78]))
        XCTAssertEqual(document.texts.filter { $0 == "1" }.count, 2)
        XCTAssertEqual(seriesPaths(document, stroke: trainingStroke).count, 1, "only the legend sample")
        XCTAssertEqual(document.elements(named: "ellipse").count, 3, "two data markers and the legend's")
    }

    func testConstantSeriesGetsABandAroundIt() throws {
        let texts = try render(TrainingHistory(loss: [0.5, 0.5, 0.5], accuracy: [1, 1, 1])).texts
        XCTAssertTrue(texts.contains("0.50"), "\(texts)")
        XCTAssertTrue(texts.contains("1.00"), "\(texts)")
        XCTAssertFalse(texts.contains("1.10"), "accuracy axis must stop at 1: \(texts)")
    }

    func testWithoutValidationTheLegendOnlyNamesTraining() throws {
        let texts = try render(TrainingHistory(loss: [1, 0.5], accuracy: [0.5, 0.7])).texts
        XCTAssertTrue(texts.contains("training"))
        XCTAssertFalse(texts.contains("validation"))
    }

    func testManyEpochsDropMarkersButKeepOneEdge() throws {
        let loss = (1...300).map { 2 * exp(-Double($0) / 50) }
        let document = try render(TrainingHistory(loss: loss, accuracy: loss.map { 1 - $0 / 2 }))
        XCTAssertEqual(document.elements(named: "ellipse").count, 1, "legend marker only")
        XCTAssertTrue(seriesPaths(document, stroke: trainingStroke).contains { $0.count == 1 + 3 * 299 })
        XCTAssertTrue(document.texts.contains("300"))
    }

    func testHostileTitleIsShownLiterally() throws {
        for name in hostileNames {
            let texts = try render(TrainingHistory(loss: [1, 0.5], accuracy: [0.5, 0.7]), title: name).texts
            for line in displayedLines(of: name) where !line.isEmpty {
                XCTAssertTrue(texts.contains(line), "\(line.debugDescription) not in \(texts)")
            }
        }
    }

    func testGraphIsDeterministic() {
        let chart = TrainingCurves(TrainingHistory(loss: [0.3, 0.2], accuracy: [0.8, 0.9]))
        XCTAssertEqual(chart.dotSource, chart.dotSource)
        XCTAssertEqual(chart.layout, .nop2)
    }
}
