import Foundation
import Tapestry
import XCTest

@testable import TapestryViz

final class ModelDiagramTests: XCTestCase {
    private typealias Fixtures = ModelDescriptionFixtures

    private func svg(_ diagram: ModelDiagram, file: StaticString = #filePath, line: UInt = #line) throws -> SVGDocument {
        try XCTUnwrap(SVGDocument(try diagram.renderSVG(), file: file, line: line), file: file, line: line)
    }

    private func trimmedTexts(_ document: SVGDocument) -> [String] {
        document.texts.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    private func groups(_ document: SVGDocument, class name: String) -> [SVGDocument.Element] {
        document.elements(named: "g").filter { $0.attributes["class"] == name }
    }

    /// Every edge statement, clusters included, in output order.
    private func edges(_ statements: [DOTStatement]) -> [(tail: String, head: String, attributes: DOTAttributes)] {
        statements.flatMap { statement -> [(tail: String, head: String, attributes: DOTAttributes)] in
            switch statement {
            case .edge(let tail, let head, let attributes): [(tail, head, attributes)]
            case .subgraph(let subgraph): edges(subgraph.statements)
            case .node: []
            }
        }
    }

    /// The ids of the nodes declared directly in `statements`.
    private func nodeIDs(_ statements: [DOTStatement]) -> [String] {
        statements.compactMap { if case .node(let id, _) = $0 { id } else { nil } }
    }

    private func clusters(_ statements: [DOTStatement]) -> [DOTSubgraph] {
        statements.compactMap { if case .subgraph(let subgraph) = $0 { subgraph } else { nil } }
    }

    // MARK: Chains

    /// The chain's DOT, byte for byte: a change to the picture must change this golden.
    /// Parameter counts are grouped in thousands as `summary()` writes them (`50,240`).
    static let fashionGolden = """
        digraph model {
          graph [rankdir="TB", bgcolor="white", pad=0.2, nodesep=0.3, ranksep=0.3, fontname="Helvetica", fontsize=10, fontcolor="#555555", labelloc="b", label="sequential · 55,050 params (55,050 trainable)"];
          node [shape="plain", fontname="Helvetica", fontcolor="#222222"];
          edge [color="#5f6b7a", arrowsize=0.7, penwidth=1.2];
          node_0 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#ddefd9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">input</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (InputLayer)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Input shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 28, 28)</FONT></TD></TR></TABLE>>];
          node_1 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#e9e9e9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">flatten</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Flatten)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 784)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">0</FONT></TD></TR></TABLE>>];
          node_2 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">dense</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 64)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">relu</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">50,240</FONT></TD></TR></TABLE>>];
          node_3 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">dense_1</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 64)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">relu</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">4,160</FONT></TD></TR></TABLE>>];
          node_4 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">dense_2</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 10)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">linear</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">650</FONT></TD></TR></TABLE>>];
          node_0 -> node_1;
          node_1 -> node_2;
          node_2 -> node_3;
          node_3 -> node_4;
        }

        """

    func testChainDOTIsStable() {
        let diagram = ModelDiagram(Fixtures.fashion)
        XCTAssertEqual(diagram.dotSource, Self.fashionGolden)
        XCTAssertEqual(ModelDiagram(Fixtures.fashion).dotSource, diagram.dotSource)
    }

    func testChainSVGShowsNamesShapesAndCounts() throws {
        let document = try svg(ModelDiagram(Fixtures.fashion))
        let texts = trimmedTexts(document)
        for expected in ["input", "(InputLayer)", "(None, 28, 28)", "flatten", "(Flatten)", "(None, 784)",
                         "dense", "dense_1", "dense_2", "(Dense)", "(None, 64)", "(None, 10)", "relu", "linear",
                         "50,240", "4,160", "650", "0", "sequential · 55,050 params (55,050 trainable)"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
        XCTAssertEqual(texts.filter { $0 == "(None, 64)" }.count, 2)
        XCTAssertEqual(groups(document, class: "node").count, 5)
        XCTAssertEqual(groups(document, class: "edge").count, 4)
        XCTAssertFalse(texts.contains("Trainable"), "trainability is off by default")
    }

    /// A model that describes itself draws the same as its description.
    func testDescribingModelDrawsItsDescription() {
        struct Described: ModelDescribing {
            var modelDescription: ModelDescription { ModelDescriptionFixtures.siamese }
        }
        let fromModel = ModelDiagram(Described(), direction: .leftToRight, showsTrainability: true, expandsNested: true)
        let fromDescription = ModelDiagram(
            Fixtures.siamese, direction: .leftToRight, showsTrainability: true, expandsNested: true)
        XCTAssertEqual(fromModel.dotSource, fromDescription.dotSource)
        XCTAssertEqual(fromModel.model, Fixtures.siamese)
        XCTAssertTrue(fromModel.expandsNested)
    }

    func testOptionsChooseDirectionAndRows() throws {
        let wide = ModelDiagram(Fixtures.fashion, direction: .leftToRight, showsTrainability: true)
        XCTAssertTrue(wide.dotSource.contains("rankdir=\"LR\""))
        let wideTexts = try svg(wide).texts
        XCTAssertEqual(wideTexts.filter { $0 == "Trainable" }.count, 4)
        XCTAssertEqual(wideTexts.filter { $0 == "yes" }.count, 3)
        XCTAssertEqual(wideTexts.filter { $0 == "–" }.count, 1, "Flatten has nothing to train")

        let bare = ModelDiagram(Fixtures.fashion, showsShapes: false, showsActivations: false)
        XCTAssertTrue(bare.dotSource.contains("rankdir=\"TB\""))
        let bareTexts = try svg(bare).texts
        for absent in ["Output shape", "Input shape", "(None, 64)", "Activation", "relu"] {
            XCTAssertFalse(bareTexts.contains(absent), "\(absent) should be hidden")
        }
        XCTAssertTrue(bareTexts.contains("50,240"), "parameter counts are always shown")
    }

    func testFrozenParametersAreReported() throws {
        var model = Fixtures.fashion
        model.nodes[2].trainableParameterCount = 64          // dense: kernel frozen, bias trainable
        model.nodes[4].trainableParameterCount = 0           // dense_2: all frozen
        let diagram = ModelDiagram(model, showsTrainability: true)
        XCTAssertEqual(diagram.rows(for: model.nodes[2]).last?.1, "partly")
        let texts = try svg(diagram).texts
        XCTAssertEqual(texts.filter { $0 == "partly" }.count, 1)
        XCTAssertEqual(texts.filter { $0 == "no" }.count, 1)
        XCTAssertEqual(texts.filter { $0 == "yes" }.count, 1)
        XCTAssertTrue(texts.contains("sequential · 55,050 params (4,224 trainable)"), "\(texts)")
    }

    func testUnknownShapesAreQuestionMarks() throws {
        var model = Fixtures.fashion
        model.nodes[0].outputShape = nil
        model.nodes[3].outputShape = nil
        let texts = try svg(ModelDiagram(model)).texts
        XCTAssertEqual(texts.filter { $0 == "?" }.count, 2)
        XCTAssertFalse(texts.contains("(None, 28, 28)"))
        XCTAssertEqual(ModelDescription.batchShapeText(nil), "?")
        XCTAssertEqual(ModelDescription.batchShapeText([]), "(None,)")
        XCTAssertEqual(ModelDescription.batchShapeText([26, 26, 32]), "(None, 26, 26, 32)")
    }

    // MARK: Graphs

    /// Two inputs, a layer shared by both, an add of its two uses, a concatenate with a skip
    /// from the first input, two outputs.
    static let siameseGolden = """
        digraph model {
          graph [rankdir="TB", bgcolor="white", pad=0.2, nodesep=0.3, ranksep=0.3, fontname="Helvetica", fontsize=10, fontcolor="#555555", labelloc="b", label="siamese · 20 params (20 trainable)"];
          node [shape="plain", fontname="Helvetica", fontcolor="#222222"];
          edge [color="#5f6b7a", arrowsize=0.7, penwidth=1.2];
          node_0 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#ddefd9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">left</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (InputLayer)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Input shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 4)</FONT></TD></TR></TABLE>>];
          node_1 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#ddefd9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">right</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (InputLayer)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Input shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 4)</FONT></TD></TR></TABLE>>];
          node_2 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#d5e5f7" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">shared</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Dense)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 4)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Activation</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">relu</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">20</FONT></TD></TR></TABLE>>];
          node_3 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#e9e9e9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">add</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Add)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 4)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">0</FONT></TD></TR></TABLE>>];
          node_4 [label=<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#7d8fa6" BGCOLOR="white">\
        <TR><TD COLSPAN="2" BGCOLOR="#e9e9e9" CELLPADDING="5"><FONT FACE="Helvetica-Bold" POINT-SIZE="11">concatenate</FONT><FONT POINT-SIZE="10" COLOR="#555555"> (Concatenate)</FONT></TD></TR>\
        <HR/>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Output shape</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">(None, 8)</FONT></TD></TR>\
        <TR><TD ALIGN="LEFT" WIDTH="74"><FONT POINT-SIZE="9" COLOR="#555555">Params</FONT></TD><TD ALIGN="LEFT" WIDTH="92"><FONT POINT-SIZE="10">0</FONT></TD></TR></TABLE>>];
          node_0 -> node_2 [headlabel="1", labelfontsize=8, labelfontcolor="#555555", labeldistance=1.6];
          node_1 -> node_2 [headlabel="2", labelfontsize=8, labelfontcolor="#555555", labeldistance=1.6];
          node_2 -> node_3 [headlabel="1", labelfontsize=8, labelfontcolor="#555555", labeldistance=1.6];
          node_2 -> node_3 [headlabel="2", labelfontsize=8, labelfontcolor="#555555", labeldistance=1.6];
          node_3 -> node_4 [headlabel="1", labelfontsize=8, labelfontcolor="#555555", labeldistance=1.6];
          node_0 -> node_4 [headlabel="2", labelfontsize=8, labelfontcolor="#555555", labeldistance=1.6];
        }

        """

    func testDAGWithMergeAndSharedLayerDOTIsStable() {
        XCTAssertEqual(ModelDiagram(Fixtures.siamese).dotSource, Self.siameseGolden)
    }

    func testEveryInputIsAnEdgeInOperandOrder() throws {
        let graph = ModelDiagram(Fixtures.siamese).makeGraph()
        XCTAssertEqual(nodeIDs(graph.statements), ["node_0", "node_1", "node_2", "node_3", "node_4"],
                       "the shared layer is one node")
        let drawn = edges(graph.statements)
        XCTAssertEqual(drawn.map { "\($0.tail)->\($0.head)" }, [
            "node_0->node_2", "node_1->node_2",    // shared, applied to left then right
            "node_2->node_3", "node_2->node_3",    // add takes both uses
            "node_3->node_4", "node_0->node_4",    // concatenate(add, left): the skip
        ])
        let operandLabels = drawn.map { edge -> String in
            if case .string(let label)? = edge.attributes["headlabel"] { label } else { "" }
        }
        XCTAssertEqual(operandLabels, ["1", "2", "1", "2", "1", "2"])

        let document = try svg(ModelDiagram(Fixtures.siamese))
        XCTAssertEqual(groups(document, class: "node").count, 5)
        XCTAssertEqual(groups(document, class: "edge").count, 6)
        let texts = trimmedTexts(document)
        for expected in ["left", "right", "shared", "(Add)", "(Concatenate)", "(None, 8)", "1", "2",
                         "siamese · 20 params (20 trainable)"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
    }

    func testSingleInputEdgesCarryNoOperandNumber() {
        for edge in edges(ModelDiagram(Fixtures.fashion).makeGraph().statements) {
            XCTAssertNil(edge.attributes["headlabel"], "\(edge)")
        }
    }

    func testInputsNamingNoEarlierNodeAreDrawnAsMissing() throws {
        let model = ModelDescription(name: "broken", nodes: [
            .init(name: "x", typeName: "InputLayer", kind: .input, outputShape: [2]),
            .init(name: "sum", typeName: "Add", outputShape: [2], inputs: ["x", "ghost", "later"]),
            .init(name: "later", typeName: "Dense", outputShape: [2], parameterCount: 6, inputs: ["ghost"]),
        ], outputs: ["later"])
        let graph = ModelDiagram(model).makeGraph()
        XCTAssertEqual(edges(graph.statements).map { "\($0.tail)->\($0.head)" }, [
            "node_0->node_1", "missing_0->node_1", "missing_1->node_1", "missing_0->node_2",
        ], "a name is looked up among earlier nodes only; one placeholder per name")
        let texts = try svg(ModelDiagram(model)).texts
        XCTAssertTrue(texts.contains("missing: ghost"), "\(texts)")
        XCTAssertTrue(texts.contains("missing: later"), "\(texts)")
    }

    // MARK: Nested models

    func testNestedModelCollapsedIsOneBoxWithItsTotals() throws {
        let diagram = ModelDiagram(Fixtures.classifier)
        let graph = diagram.makeGraph()
        XCTAssertTrue(clusters(graph.statements).isEmpty)
        XCTAssertEqual(nodeIDs(graph.statements), ["node_0", "node_1", "node_2"])
        XCTAssertEqual(edges(graph.statements).map { "\($0.tail)->\($0.head)" }, ["node_0->node_1", "node_1->node_2"])
        let texts = trimmedTexts(try svg(diagram))
        for expected in ["encoder", "(Sequential)", "Layers", "2", "172", "(None, 4)",
                         "classifier · 187 params (187 trainable)"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
        XCTAssertFalse(texts.contains("hidden"), "collapsed: the inner layers are not drawn")
    }

    func testNestedModelExpandedIsAClusterOfItsNodes() throws {
        let diagram = ModelDiagram(Fixtures.classifier, expandsNested: true)
        let graph = diagram.makeGraph()
        let cluster = try XCTUnwrap(clusters(graph.statements).first)
        XCTAssertEqual(cluster.name, "cluster_node_1")
        XCTAssertEqual(nodeIDs(cluster.statements), ["node_1_0", "node_1_1", "node_1_2"])
        XCTAssertEqual(nodeIDs(graph.statements), ["node_0", "node_2"])
        XCTAssertEqual(edges(graph.statements).map { "\($0.tail)->\($0.head)" }, [
            "node_0->node_1_0",                        // into the nested model's input
            "node_1_0->node_1_1", "node_1_1->node_1_2", // inside it
            "node_1_2->node_2",                        // out of its output
        ])
        let document = try svg(diagram)
        XCTAssertEqual(groups(document, class: "cluster").count, 1)
        XCTAssertEqual(groups(document, class: "node").count, 5)
        XCTAssertEqual(groups(document, class: "edge").count, 4)
        let texts = trimmedTexts(document)
        for expected in ["encoder (Sequential) · 172 params", "encoder_input", "hidden", "code", "tanh", "head"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
    }

    func testExpandedNestedModelsNestAndPairOperandsWithInputs() throws {
        // A two-input nested model inside a nested model: operand k enters input k.
        let pair = ModelDescription(name: "pair", nodes: [
            .init(name: "a", typeName: "InputLayer", kind: .input, outputShape: [3]),
            .init(name: "b", typeName: "InputLayer", kind: .input, outputShape: [3]),
            .init(name: "join", typeName: "Concatenate", outputShape: [6], inputs: ["a", "b"]),
        ], outputs: ["join"])
        let wrapper = ModelDescription(name: "wrapper", nodes: [
            .init(name: "p", typeName: "InputLayer", kind: .input, outputShape: [3]),
            .init(name: "q", typeName: "InputLayer", kind: .input, outputShape: [3]),
            .init(name: "pair", typeName: "Functional", outputShape: [6], inputs: ["q", "p"], nested: pair),
        ], outputs: ["pair"])
        let model = ModelDescription(name: "outer", nodes: [
            .init(name: "x", typeName: "InputLayer", kind: .input, outputShape: [3]),
            .init(name: "y", typeName: "InputLayer", kind: .input, outputShape: [3]),
            .init(name: "wrapper", typeName: "Functional", outputShape: [6], inputs: ["x", "y"], nested: wrapper),
            .init(name: "out", typeName: "Dense", outputShape: [1], parameterCount: 7, inputs: ["wrapper"]),
        ], outputs: ["out"])
        let graph = ModelDiagram(model, expandsNested: true).makeGraph()
        XCTAssertEqual(edges(graph.statements).map { "\($0.tail)->\($0.head)" }, [
            "node_0->node_2_0", "node_1->node_2_1",
            "node_2_1->node_2_2_0", "node_2_0->node_2_2_1",
            "node_2_2_0->node_2_2_2", "node_2_2_1->node_2_2_2",
            "node_2_2_2->node_3",
        ])
        let outer = try XCTUnwrap(clusters(graph.statements).first)
        XCTAssertEqual(clusters(outer.statements).map(\.name), ["cluster_node_2_2"])
        let document = try svg(ModelDiagram(model, expandsNested: true))
        XCTAssertEqual(groups(document, class: "cluster").count, 2)
        XCTAssertEqual(groups(document, class: "node").count, 8)
    }

    // MARK: Scale, escaping, numbers

    func testResidualStackOfTwentyBlocksRendersEveryNodeAndEdge() throws {
        let model = Fixtures.residual(blocks: 20)
        XCTAssertEqual(model.nodes.count, 61)
        let document = try svg(ModelDiagram(model))
        XCTAssertEqual(groups(document, class: "node").count, 61)
        XCTAssertEqual(groups(document, class: "edge").count, 80, "dense → dense → add, plus the skip, per block")
        let texts = document.texts
        XCTAssertTrue(texts.contains("block19_add"))
        XCTAssertTrue(texts.contains("resnet_like · 42,240 params (42,240 trainable)"), "\(texts.suffix(3))")
    }

    func testHostileNamesRenderLiterally() throws {
        var nodes: [ModelDescription.Node] = [.init(name: hostileNames[0], typeName: hostileNames[1], kind: .input)]
        for (index, name) in hostileNames.enumerated().dropFirst() {
            nodes.append(.init(name: name, typeName: hostileNames[(index + 3) % hostileNames.count],
                               activationName: hostileNames[(index + 5) % hostileNames.count],
                               outputShape: [2], parameterCount: 6, inputs: [hostileNames[index - 1]]))
        }
        let inner = ModelDescription(name: hostileNames[4], nodes: nodes, outputs: [hostileNames.last ?? ""])
        let model = ModelDescription(name: hostileNames[1], nodes: nodes + [
            .init(name: "nested " + hostileNames[8], typeName: hostileNames[2], outputShape: [2],
                  inputs: [hostileNames[3], hostileNames[5], "ghost " + hostileNames[7]], nested: inner),
        ], outputs: [hostileNames[9]])
        for expands in [false, true] {
            for direction in [DiagramDirection.topToBottom, .leftToRight] {
                let diagram = ModelDiagram(model, direction: direction, showsTrainability: true, expandsNested: expands)
                let document = try XCTUnwrap(SVGDocument(try diagram.renderSVG()), "\(direction) \(expands)")
                let texts = trimmedTexts(document) + document.texts
                for name in hostileNames {
                    for line in displayedLines(of: name) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                        XCTAssertTrue(texts.contains { $0.contains(line.trimmingCharacters(in: .whitespaces)) },
                                      "\(line.debugDescription) missing, expanded: \(expands)")
                    }
                }
                XCTAssertEqual(groups(document, class: "cluster").count, expands ? 1 : 0)
            }
        }
        let typed = ModelDescription(name: "m", nodes: [
            .init(name: "x", typeName: "<Type & \"Co\">", activationName: "gelu\\N", outputShape: [3]),
        ], outputs: ["x"])
        let texts = trimmedTexts(try svg(ModelDiagram(typed)))
        XCTAssertTrue(texts.contains("(<Type & \"Co\">)"), "\(texts)")
        XCTAssertTrue(texts.contains("gelu\\N"), "\(texts)")
    }
}
