import XCTest

@testable import TapestryViz

final class PredictionGalleryTests: XCTestCase {
    private let names = ["Shirt", "Bag", "Coat"]

    private func image(_ rows: Int, _ columns: Int, _ pixels: [UInt8]) throws -> GrayscaleImage {
        try GrayscaleImage(rows: rows, columns: columns, pixels: pixels)
    }

    /// The rectangles of all filled polygons of colour `fill` as (x, y, width, height).
    private func rectangles(_ document: SVGDocument, fill: String) -> [(Double, Double, Double, Double)] {
        document.elements(named: "polygon").filter { $0.attributes["fill"] == fill }.map { element in
            let numbers = (element.attributes["points"] ?? "").split(whereSeparator: { " ,".contains($0) })
                .compactMap { Double($0) }
            let xs = stride(from: 0, to: numbers.count, by: 2).map { numbers[$0] }
            let ys = stride(from: 1, to: numbers.count, by: 2).map { numbers[$0] }
            let (minX, minY) = (xs.min() ?? 0, ys.min() ?? 0)
            return (minX, minY, (xs.max() ?? 0) - minX, (ys.max() ?? 0) - minY)
        }
    }

    func testShowsVerdictsNamesAndCount() throws {
        let pixels = [UInt8](repeating: 0, count: 16)
        let items = [
            PredictionGallery.Item(image: try image(4, 4, pixels), probabilities: [0.1, 0.85, 0.05], trueClass: 1),
            PredictionGallery.Item(image: try image(4, 4, pixels), probabilities: [0.62, 0.08, 0.3], trueClass: 2),
        ]
        let gallery = try PredictionGallery(items: items, classNames: names, title: "Samples")
        let document = try XCTUnwrap(SVGDocument(try gallery.renderSVG()))
        let texts = document.texts
        for expected in ["Samples", "1 of 2 correct", "✓ Bag 85%", "true: Bag", "✗ Shirt 62%", "true: Coat",
                         "predicted, correct", "predicted, wrong"] {
            XCTAssertTrue(texts.contains { $0.trimmingCharacters(in: .whitespaces) == expected },
                          "missing \(expected) in \(texts)")
        }
        XCTAssertEqual(texts.filter { $0 == "Coat" }.count, 2, "each card lists every class")
        let wrong = document.elements(named: "text").first { $0.text.hasPrefix("✗") }
        XCTAssertEqual(wrong?.attributes["fill"], ChartTheme.wrong.hex)
        // The wrong card's frame is red.
        XCTAssertTrue(document.elements(named: "polygon").contains { $0.attributes["stroke"] == ChartTheme.wrong.hex })
        // Bars: the wrong prediction red, the missed true class green, the right one blue.
        XCTAssertFalse(rectangles(document, fill: ChartTheme.wrong.hex).isEmpty)
        XCTAssertFalse(rectangles(document, fill: ChartTheme.truth.hex).isEmpty)
        XCTAssertFalse(rectangles(document, fill: ChartTheme.correct.hex).isEmpty)
    }

    func testPixelsBecomeFixedSizeCellsWithRunsMerged() throws {
        // Row 0: background, ink, ink, background. Row 1: four equal mid-grays.
        let picture = try image(2, 4, [0, 255, 255, 0, 128, 128, 128, 128])
        let item = PredictionGallery.Item(image: picture, probabilities: [1, 0, 0], trueClass: 0)
        let gallery = try PredictionGallery(items: [item], classNames: names, pixelSize: 5, grayLevels: 256)
        let document = try XCTUnwrap(SVGDocument(try gallery.renderSVG()))
        let ink = rectangles(document, fill: "#000000")
        XCTAssertEqual(ink.count, 1, "two equal ink pixels are one cell")
        XCTAssertEqual(ink.first?.2, 10)
        XCTAssertEqual(ink.first?.3, 5)
        let gray = rectangles(document, fill: "#7f7f7f")
        XCTAssertEqual(gray.count, 1, "a uniform row is one cell")
        XCTAssertEqual(gray.first?.2, 20)
        // The gray row sits directly under the ink row, aligned with the image's left edge.
        if let inkCell = ink.first, let grayCell = gray.first {
            XCTAssertEqual(grayCell.1, inkCell.1 + 5, accuracy: 0.01)
            XCTAssertEqual(inkCell.0, grayCell.0 + 5, accuracy: 0.01)
        }
    }

    func testPixelStylesAndQuantisation() throws {
        let picture = try image(1, 3, [0, 100, 200])
        let item = PredictionGallery.Item(image: picture, probabilities: [1, 0, 0], trueClass: 0)
        let twoLevels = try PredictionGallery(items: [item], classNames: names, grayLevels: 2)
        let cells = twoLevels.imageTable(picture)
        XCTAssertEqual(cells.components(separatedBy: "BGCOLOR=\"#000000\"").count - 1, 1, cells)
        XCTAssertTrue(cells.contains("BGCOLOR=\"#ffffff\">"), "paper background: \(cells)")
        let raw = try PredictionGallery(items: [item], classNames: names, grayLevels: 2, pixelStyle: .lightOnDark)
        XCTAssertTrue(raw.imageTable(picture).contains("BGCOLOR=\"#000000\">"), "black background")
    }

    func testDefaultPredictionIsTheMostProbableClass() throws {
        let picture = try image(1, 1, [0])
        XCTAssertEqual(PredictionGallery.Item(image: picture, probabilities: [0.2, .nan, 0.7], trueClass: 0).predictedClass, 2)
        XCTAssertEqual(PredictionGallery.Item(image: picture, probabilities: [.nan, .nan, .nan], trueClass: 0).predictedClass, 0)
        XCTAssertFalse(PredictionGallery.Item(image: picture, probabilities: [0.2, 0.1, 0.7], trueClass: 0).isCorrect)
    }

    func testRejectsMalformedInput() throws {
        XCTAssertThrowsError(try GrayscaleImage(rows: 28, columns: 28, pixels: [0])) { error in
            XCTAssertTrue("\(error)".contains("28×28"), "\(error)")
        }
        XCTAssertThrowsError(try GrayscaleImage(rows: 0, columns: 5, pixels: []))
        let picture = try image(1, 1, [0])
        let good = PredictionGallery.Item(image: picture, probabilities: [1, 0, 0], trueClass: 0)
        XCTAssertThrowsError(try PredictionGallery(items: [good], classNames: []))
        XCTAssertThrowsError(try PredictionGallery(items: [good], classNames: ["a", "b"]))
        XCTAssertThrowsError(try PredictionGallery(items: [good], classNames: names, columns: 0))
        XCTAssertThrowsError(try PredictionGallery(items: [good], classNames: names, pixelSize: 0))
        XCTAssertThrowsError(try PredictionGallery(items: [good], classNames: names, grayLevels: 1))
        let outOfRange = PredictionGallery.Item(image: picture, probabilities: [1, 0, 0], trueClass: 7)
        XCTAssertThrowsError(try PredictionGallery(items: [outOfRange], classNames: names))
    }

    func testEmptyGalleryAndHostileNamesRender() throws {
        let empty = try XCTUnwrap(SVGDocument(try PredictionGallery(items: [], classNames: names).renderSVG()))
        XCTAssertTrue(empty.texts.contains("no images"))

        let picture = try image(2, 2, [0, 255, 255, 0])
        let n = hostileNames.count
        let items = (0..<n).map { index in
            PredictionGallery.Item(
                image: picture, probabilities: (0..<n).map { $0 == (index + 1) % n ? 0.9 : 0.1 / Double(n) },
                trueClass: index)
        }
        let gallery = try PredictionGallery(items: items, classNames: hostileNames, title: hostileNames[0])
        let texts = try XCTUnwrap(SVGDocument(try gallery.renderSVG())).texts
        for name in hostileNames {
            for line in displayedLines(of: name) where !line.isEmpty {
                XCTAssertTrue(texts.contains(line), "\(line.debugDescription) missing")
            }
        }
    }

    func testAFullFashionSizedGalleryRenders() throws {
        // 16 textured 28×28 images: every pixel of the central 20×20 differs from its neighbours.
        var state: UInt32 = 12345
        func next() -> UInt8 {
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        let items = try (0..<16).map { index in
            let pixels = (0..<784).map { i -> UInt8 in
                let (r, c) = (i / 28, i % 28)
                return (4..<24).contains(r) && (4..<24).contains(c) ? next() : 0
            }
            return PredictionGallery.Item(
                image: try GrayscaleImage(rows: 28, columns: 28, pixels: pixels),
                probabilities: [0.7, 0.2, 0.1], trueClass: index % 3)
        }
        let svg = try PredictionGallery(items: items, classNames: names).renderSVG()
        let document = try XCTUnwrap(SVGDocument(svg))
        // At most one cell per pixel of ink, plus the cards' other shapes.
        XCTAssertLessThanOrEqual(document.elements(named: "polygon").count, 16 * 400 + 16 * 40)
        XCTAssertGreaterThan(document.elements(named: "polygon").count, 16 * 300)
    }
}
