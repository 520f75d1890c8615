import XCTest

@testable import TapestryViz

final class FeatureMapGalleryTests: XCTestCase {
    /// The fill colours of all polygons.
    private func fills(_ document: SVGDocument) -> [String] {
        document.elements(named: "polygon").compactMap { $0.attributes["fill"] }
    }

    func testDrawsTitlesAndInkOnlyWhereValuesAreNonZero() throws {
        let map = try FeatureMapGallery.Map(rows: 2, columns: 3, values: [0, 0, 4, 0, 2, 0])
        let blank = try FeatureMapGallery.Map(rows: 2, columns: 3, values: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
        let section = try FeatureMapGallery.Section(title: "conv2d: 2 maps", maps: [map, blank], columns: 2, pixelSize: 5)
        let gallery = try FeatureMapGallery(title: "Feature maps of test image 3", sections: [section], levels: 4)
        let document = try XCTUnwrap(SVGDocument(try gallery.renderSVG()))
        XCTAssertTrue(document.texts.contains("Feature maps of test image 3"), "\(document.texts)")
        XCTAssertTrue(document.texts.contains("conv2d: 2 maps"), "\(document.texts)")
        // The maximum (4) is black, half of it (2) mid gray; the minimum (0) and the constant map draw nothing.
        let fills = fills(document)
        XCTAssertEqual(fills.filter { $0 == "#000000" }.count, 1, "\(fills)")
        XCTAssertEqual(fills.filter { $0 == "#808080" }.count, 1, "\(fills)")
        let strokes = document.elements.compactMap { $0.attributes["stroke"] }.filter { $0 != "none" && $0 != "transparent" }
        XCTAssertEqual(strokes.count, 2, "one frame per map, no borders around the value cells: \(strokes)")

        // Each map is stretched from its own minimum: 1…3 draws like 0…2.
        let shifted = try FeatureMapGallery.Map(rows: 1, columns: 3, values: [1, 2, 3])
        let stretched = try FeatureMapGallery(
            title: "t", sections: [try FeatureMapGallery.Section(title: "s", maps: [shifted], pixelSize: 5)], levels: 4)
        let shiftedFills = self.fills(try XCTUnwrap(SVGDocument(try stretched.renderSVG())))
        XCTAssertTrue(shiftedFills.contains("#000000") && shiftedFills.contains("#808080"), "\(shiftedFills)")
    }

    func testDivergingShadingScalesBySectionAndColoursTheSign() throws {
        let gallery = try FeatureMapGallery(title: "filters", sections: [], levels: 4)
        XCTAssertEqual(gallery.level(-0.5, scale: 0.5, shading: .diverging), -4)
        XCTAssertEqual(gallery.level(0.25, scale: 0.5, shading: .diverging), 2)
        XCTAssertEqual(gallery.level(-3, scale: 2, shading: .ink), 0, "ink clips negative values to white")
        XCTAssertEqual(gallery.color(level: -4, shading: .diverging).hex, FeatureMapGallery.negative.hex)
        XCTAssertEqual(gallery.color(level: 4, shading: .diverging).hex, FeatureMapGallery.positive.hex)
        XCTAssertEqual(gallery.color(level: 0, shading: .diverging).hex, "#ffffff")

        let weights = try FeatureMapGallery.Map(rows: 1, columns: 2, values: [-1, 1])
        let section = try FeatureMapGallery.Section(title: "w", maps: [weights], pixelSize: 8, shading: .diverging)
        let document = try XCTUnwrap(SVGDocument(try FeatureMapGallery(title: "t", sections: [section]).renderSVG()))
        let fills = fills(document)
        XCTAssertTrue(fills.contains(FeatureMapGallery.negative.hex) && fills.contains(FeatureMapGallery.positive.hex), "\(fills)")
    }

    func testRejectsBadInput() {
        XCTAssertThrowsError(try FeatureMapGallery.Map(rows: 2, columns: 2, values: [1, 2, 3]))
        XCTAssertThrowsError(try FeatureMapGallery.Map(rows: 0, columns: 2, values: []))
        XCTAssertThrowsError(try FeatureMapGallery.Map(rows: 1, columns: 1, values: [.nan]))
        XCTAssertThrowsError(try FeatureMapGallery.Section(title: "", maps: [], columns: 0))
        XCTAssertThrowsError(try FeatureMapGallery.Section(title: "", maps: [], pixelSize: 21))
        XCTAssertThrowsError(try FeatureMapGallery(title: "", sections: [], levels: 1))
    }
}
