import Foundation
import XCTest

@testable import TapestryViz

final class GraphvizTests: XCTestCase {
    /// A five-node layer diagram, the shape of graph the model diagram will produce.
    static let layerDiagram = """
        digraph model {
          rankdir=TB; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname=Helvetica];
          input [label="Input 28×28"]; flatten [label="Flatten → 784"];
          dense1 [label="Dense 64 · relu"]; dense2 [label="Dense 64 · relu"]; logits [label="Dense 10"];
          input -> flatten -> dense1 -> dense2 -> logits;
        }
        """

    func testRenderSVGIsWellFormedAndShowsLabels() throws {
        let svg = try Graphviz.renderSVG(Self.layerDiagram)
        let document = try XCTUnwrap(SVGDocument(svg))
        XCTAssertEqual(document.elements.first?.name, "svg")
        for label in ["Input 28×28", "Flatten → 784", "Dense 64 · relu", "Dense 10"] {
            XCTAssertTrue(document.texts.contains(label), "missing label \(label)")
        }
        XCTAssertEqual(document.elements(named: "g").filter { $0.attributes["class"] == "node" }.count, 5)
        XCTAssertEqual(document.elements(named: "g").filter { $0.attributes["class"] == "edge" }.count, 4)
    }

    func testRendersPNGAndPDF() throws {
        let png = try Graphviz.render(Self.layerDiagram, format: .png)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let pdf = try Graphviz.render(Self.layerDiagram, format: .pdf)
        XCTAssertEqual(String(decoding: pdf.prefix(5), as: UTF8.self), "%PDF-")
        XCTAssertGreaterThan(pdf.count, 500)
    }

    func testLayoutEnginesArePassedThrough() throws {
        // nop2 keeps the positions given in points (Graphviz y grows upwards; SVG y = -y).
        let pinned = """
            graph { notranslate=true; node [shape=point]; a [pos="10,20!"]; b [pos="110,70!"];
                    a -- b [pos="10,20 10,20 110,70 110,70"] }
            """
        let svg = try Graphviz.renderSVG(pinned, layout: .nop2)
        let document = try XCTUnwrap(SVGDocument(svg))
        let path = try XCTUnwrap(document.elements(named: "path").first?.attributes["d"])
        XCTAssertEqual(path, "M10,-20C10,-20 110,-70 110,-70")
        for engine in [Graphviz.Layout.neato, .fdp, .circo, .twopi] {
            XCTAssertNotNil(SVGDocument(try Graphviz.renderSVG(Self.layerDiagram, layout: engine)), "\(engine)")
        }
    }

    func testLaidOutDOTFormatCarriesPositions() throws {
        let text = String(decoding: try Graphviz.render("digraph { a -> b }", format: .dot), as: UTF8.self)
        XCTAssertTrue(text.contains("pos=\""), text)
        XCTAssertTrue(text.contains("bb=\""), text)
    }

    func testSyntaxErrorCarriesGraphvizMessage() {
        XCTAssertThrowsError(try Graphviz.renderSVG("digraph { a -> ; }")) { error in
            guard case GraphvizError.syntax(let message) = error else {
                return XCTFail("expected a syntax error, got \(error)")
            }
            XCTAssertTrue(message.contains("syntax error"), message)
            XCTAssertTrue(message.contains("line 1"), message)
            XCTAssertTrue("\(error)".contains("syntax error"))
        }
    }

    func testEmptyInputIsASyntaxError() {
        XCTAssertThrowsError(try Graphviz.renderSVG("")) { error in
            guard case GraphvizError.syntax = error else { return XCTFail("got \(error)") }
        }
    }

    func testUnknownLayoutAndFormatAreReported() {
        XCTAssertThrowsError(try Graphviz.render("digraph { a }", layout: Graphviz.Layout(rawValue: "nosuch"))) { error in
            guard case GraphvizError.layout(let engine, let message) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(engine, "nosuch")
            XCTAssertTrue(message.contains("nosuch"), message)
            XCTAssertTrue(message.contains("not recognized"), message)
        }
        XCTAssertThrowsError(try Graphviz.render("digraph { a }", format: Graphviz.Format(rawValue: "nosuch"))) { error in
            guard case GraphvizError.render(let format, let message) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(format, "nosuch")
            XCTAssertTrue(message.contains("nosuch"), message)
        }
    }

    func testMalformedHTMLLabelFailsInsteadOfSilentlyFallingBack() {
        XCTAssertThrowsError(try Graphviz.renderSVG("digraph { a [label=<<B>unclosed>] }")) { error in
            guard case GraphvizError.layout(_, let message) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(message.contains("label"), message)
        }
    }

    func testAnErrorDoesNotLeakIntoTheNextCall() throws {
        XCTAssertThrowsError(try Graphviz.renderSVG("digraph {"))
        // The next good render succeeds, and a later different failure reports its own message.
        XCTAssertNotNil(SVGDocument(try Graphviz.renderSVG("digraph { ok }")))
        XCTAssertThrowsError(try Graphviz.render("digraph { a }", layout: Graphviz.Layout(rawValue: "bogus"))) { error in
            XCTAssertFalse(messageOf(error).contains("syntax error"), "\(error)")
        }
    }

    func testWarningsDoNotFailARender() throws {
        // Graphviz warns about the unknown shape and substitutes a box.
        let svg = try Graphviz.renderSVG("digraph { a [shape=nosuchshape] }")
        XCTAssertTrue(svg.contains("<polygon"))
    }

    func testConcurrentRendersAreByteIdentical() throws {
        let sources = [
            Self.layerDiagram,
            TrainingCurves(TrainingHistory(loss: [0.9, 0.5, 0.4], accuracy: [0.6, 0.8, 0.85])).dotSource,
            try ConfusionMatrixChart(counts: [[3, 1], [0, 4]], classNames: ["a", "b"]).dotSource,
        ]
        let expected = try sources.map { try Graphviz.render($0) }
        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for round in 0..<20 {
                let index = (thread + round) % sources.count
                do {
                    results.record(index: index, bytes: try Graphviz.render(sources[index]))
                } catch {
                    results.record(error: error)
                }
            }
        }
        let (outputs, errors) = results.snapshot()
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertEqual(outputs.count, 160)
        for (index, bytes) in outputs {
            XCTAssertEqual(bytes, expected[index], "render of source \(index) differed under concurrency")
        }
    }

    func testVersionIsReported() throws {
        let version = try Graphviz.version()
        XCTAssertTrue(version.first?.isNumber ?? false, version)
    }

    func testFormatFromFileExtension() {
        XCTAssertEqual(Graphviz.Format(fileExtension: "SVG"), .svg)
        XCTAssertEqual(Graphviz.Format(fileExtension: "png"), .png)
        XCTAssertEqual(Graphviz.Format(fileExtension: "gv"), .dot)
        XCTAssertNil(Graphviz.Format(fileExtension: "txt"))
    }
}

private func messageOf(_ error: Error) -> String {
    (error as? GraphvizError)?.message ?? "\(error)"
}

/// Thread-safe collector for the concurrency test.
private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var outputs: [(Int, [UInt8])] = []
    private var errors: [String] = []

    func record(index: Int, bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        outputs.append((index, bytes))
    }

    func record(error: Error) {
        lock.lock()
        defer { lock.unlock() }
        errors.append("\(error)")
    }

    func snapshot() -> ([(Int, [UInt8])], [String]) {
        lock.lock()
        defer { lock.unlock() }
        return (outputs, errors)
    }
}
