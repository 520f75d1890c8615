import Foundation
import Tapestry
import TapestryNN
import XCTest

@testable import TapestryViz

final class ModelDiagramTests: XCTestCase {
    /// The Fashion-MNIST MLP of the demo.
    private func fashionModel() -> Sequential<Float> {
        Sequential<Float>(inputShape: [28, 28]) {
            Flatten()
            Dense(inputSize: 784, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 10)
        }
    }

    /// The diagram's DOT, byte for byte: a change to the picture must change this golden.
    /// Parameter counts are grouped in thousands as `summary()` writes them (`50,240`).
    static let fashionGolden = """
        digraph model {
          graph [rankdir="TB", bgcolor="white", pad=0.2, nodesep=0.3, ranksep=0.3, \
        fontname="Helvetica", fontsize=10, fontcolor="#555555", \
        labelloc="b", label="sequential · 55,050 params (55,050 trainable)"];
          node [shape="plain", fontname="Helvetica", fontcolor="#222222"];
          edge [color="#5f6b7a", arrowsize=0.7, penwidth=1.2];
          input [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#ddefd9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">input</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (InputLayer)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Input shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 28, 28)</FONT></TD></TR></TABLE>>];
          layer_0 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#e9e9e9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">flatten</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Flatten)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 784)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">0</FONT></TD></TR></TABLE>>];
          input -> layer_0;
          layer_1 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">dense</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 64)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">relu</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">50,240</FONT></TD></TR></TABLE>>];
          layer_0 -> layer_1;
          layer_2 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">dense_1</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 64)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">relu</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">4,160</FONT></TD></TR></TABLE>>];
          layer_1 -> layer_2;
          layer_3 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">dense_2</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 10)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">linear</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">650</FONT></TD></TR></TABLE>>];
          layer_2 -> layer_3;
        }

        """

    func testFashionDiagramDOTIsStable() {
        let diagram = ModelDiagram(fashionModel())
        XCTAssertEqual(diagram.dotSource, Self.fashionGolden)
        XCTAssertEqual(ModelDiagram(fashionModel()).dotSource, diagram.dotSource, "weights do not enter the DOT")
    }

    func testFashionDiagramSVGShowsNamesShapesAndCounts() throws {
        let document = try XCTUnwrap(SVGDocument(try ModelDiagram(fashionModel()).renderSVG()))
        let texts = document.texts.map { $0.trimmingCharacters(in: .whitespaces) }
        for expected in ["input", "(InputLayer)", "(None, 28, 28)", "flatten", "(Flatten)", "(None, 784)",
                         "dense", "dense_1", "dense_2", "(Dense)", "(None, 64)", "(None, 10)", "relu", "linear",
                         "50,240", "4,160", "650", "0", "sequential · 55,050 params (55,050 trainable)"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
        XCTAssertEqual(texts.filter { $0 == "(None, 64)" }.count, 2)
        XCTAssertEqual(document.elements(named: "g").filter { $0.attributes["class"] == "node" }.count, 5)
        XCTAssertEqual(document.elements(named: "g").filter { $0.attributes["class"] == "edge" }.count, 4)
        XCTAssertFalse(texts.contains("Trainable"), "trainability is off by default")
    }

    func testOptionsChooseDirectionAndRows() throws {
        let model = fashionModel()
        let wide = ModelDiagram(model, direction: .leftToRight, showsTrainability: true)
        XCTAssertTrue(wide.dotSource.contains("rankdir=\"LR\""))
        let wideTexts = try XCTUnwrap(SVGDocument(try wide.renderSVG())).texts
        XCTAssertEqual(wideTexts.filter { $0 == "Trainable" }.count, 4)
        XCTAssertEqual(wideTexts.filter { $0 == "yes" }.count, 3)
        XCTAssertEqual(wideTexts.filter { $0 == "–" }.count, 1, "Flatten has nothing to train")

        let bare = ModelDiagram(model, showsShapes: false, showsActivations: false)
        XCTAssertTrue(bare.dotSource.contains("rankdir=\"TB\""))
        let bareTexts = try XCTUnwrap(SVGDocument(try bare.renderSVG())).texts
        for absent in ["Output shape", "Input shape", "(None, 64)", "Activation", "relu"] {
            XCTAssertFalse(bareTexts.contains(absent), "\(absent) should be hidden")
        }
        XCTAssertTrue(bareTexts.contains("50,240"), "parameter counts are always shown")
    }

    func testFrozenParametersAreReported() throws {
        let model = fashionModel()
        model.layers[1].parameters[0].isTrainable = false          // dense.kernel
        for parameter in model.layers[3].parameters { parameter.isTrainable = false }
        let diagram = ModelDiagram(model, showsTrainability: true)
        XCTAssertEqual(diagram.layers.map(\.trainableParameterCount), [0, 64, 4_160, 0])
        let texts = try XCTUnwrap(SVGDocument(try diagram.renderSVG())).texts
        XCTAssertEqual(texts.filter { $0 == "partly" }.count, 1)
        XCTAssertEqual(texts.filter { $0 == "no" }.count, 1)
        XCTAssertTrue(texts.contains("sequential · 55,050 params (4,224 trainable)"), "\(texts)")
    }

    func testUnknownShapesAreQuestionMarks() throws {
        let noInput = Sequential<Float> { Dense(inputSize: 4, outputSize: 2) }
        XCTAssertEqual(ModelDiagram(noInput).layers.map(\.outputShape), [nil])
        let mismatched = Sequential<Float>(inputShape: [5]) {
            Dense(inputSize: 5, outputSize: 3)
            Dense(inputSize: 4, outputSize: 2)          // rejects (3)
            Dense(inputSize: 2, outputSize: 1)
        }
        let diagram = ModelDiagram(mismatched)
        XCTAssertEqual(diagram.layers.map(\.outputShape), [[3], nil, nil])
        let texts = try XCTUnwrap(SVGDocument(try diagram.renderSVG())).texts
        XCTAssertEqual(texts.filter { $0 == "?" }.count, 2)
        XCTAssertTrue(texts.contains("(None, 5)"))
        XCTAssertEqual(ModelDiagram.shapeText([]), "(None,)")
        XCTAssertEqual(ModelDiagram.shapeText([28, 28]), "(None, 28, 28)")
    }

    func testParameterCountsAreGroupedInThousands() {
        XCTAssertEqual(ModelDiagram.grouped(0), "0")
        XCTAssertEqual(ModelDiagram.grouped(999), "999")
        XCTAssertEqual(ModelDiagram.grouped(1_000), "1,000")
        XCTAssertEqual(ModelDiagram.grouped(50_240), "50,240")
        XCTAssertEqual(ModelDiagram.grouped(1_234_567), "1,234,567")
        XCTAssertEqual(ModelDiagram.grouped(-4_160), "-4,160")
    }

    func testHostileLayerNamesRenderLiterally() throws {
        let layers: [any TapestryNN.Layer<Float>] = hostileNames.map { Dense(inputSize: 2, outputSize: 2, name: $0) }
        let model = Sequential<Float>(name: hostileNames[1], inputShape: [2], layers: layers)
        for direction in [DiagramDirection.topToBottom, .leftToRight] {
            let diagram = ModelDiagram(model, direction: direction, showsTrainability: true)
            let document = try XCTUnwrap(SVGDocument(try diagram.renderSVG()), "\(direction)")
            for name in hostileNames {
                for line in displayedLines(of: name) where !line.isEmpty {
                    XCTAssertTrue(document.texts.contains(line), "\(line.debugDescription) missing")
                }
            }
        }
        let custom = ModelDiagram(
            modelName: "m", inputShape: nil,
            layers: [.init(name: "x", typeName: "<Type & \"Co\">", activationName: "gelu\\N", outputShape: [3])])
        let texts = try XCTUnwrap(SVGDocument(try custom.renderSVG())).texts
            .map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(texts.contains("(<Type & \"Co\">)"), "\(texts)")
        XCTAssertTrue(texts.contains("gelu\\N"), "\(texts)")
    }
}
