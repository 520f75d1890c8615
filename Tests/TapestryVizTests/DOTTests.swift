import XCTest

@testable import TapestryViz

final class DOTTests: XCTestCase {
    func testQuotedEscapesEverySpecialCharacter() {
        XCTAssertEqual(DOT.quoted("plain"), "\"plain\"")
        XCTAssertEqual(DOT.quoted("a\"b"), "\"a\\\"b\"")
        XCTAssertEqual(DOT.quoted("back\\slash"), "\"back\\\\slash\"")
        XCTAssertEqual(DOT.quoted("ends\\"), "\"ends\\\\\"")
        XCTAssertEqual(DOT.quoted("{x|y}<p>"), "\"\\{x\\|y\\}\\<p\\>\"")
        XCTAssertEqual(DOT.quoted("a & b"), "\"a &amp; b\"")
        XCTAssertEqual(DOT.quoted("l1\nl2\r\nl3\rl4"), "\"l1\\nl2\\nl3\\nl4\"")
        XCTAssertEqual(DOT.quoted("nul\u{0}bell\u{7}"), "\"nul\u{FFFD}bell\u{FFFD}\"")
        XCTAssertEqual(DOT.quoted("é中🙂'\t"), "\"é中🙂' \"")
    }

    func testHTMLEscapedEscapesMarkupAndKeepsBackslashes() {
        XCTAssertEqual(DOT.htmlEscaped("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;")
        XCTAssertEqual(DOT.htmlEscaped("a\nb"), "a<BR/>b")
        XCTAssertEqual(DOT.htmlEscaped("{x} \\ y\tz"), "{x} \\\\ y z")
        XCTAssertEqual(DOT.htmlEscaped("\u{1B}[0m"), "\u{FFFD}[0m")
    }

    func testIDsAreBareOnlyWhenSafe() {
        XCTAssertEqual(DOT.id("dense_1"), "dense_1")
        XCTAssertEqual(DOT.id("node"), "\"node\"")
        XCTAssertEqual(DOT.id("Graph"), "\"Graph\"")
        XCTAssertEqual(DOT.id("1abc"), "\"1abc\"")
        XCTAssertEqual(DOT.id(""), "\"\"")
        XCTAssertEqual(DOT.id("a b"), "\"a b\"")
        XCTAssertEqual(DOT.id("q\"\\"), "\"q\\\"\\\\\"")
        XCTAssertEqual(DOT.id("a&b"), "\"a&amp;b\"")
    }

    func testNumbersAreCompact() {
        XCTAssertEqual(DOT.number(3), "3")
        XCTAssertEqual(DOT.number(2.50), "2.5")
        XCTAssertEqual(DOT.number(1.23456), "1.23")
        XCTAssertEqual(DOT.number(-0.0001), "0")
        XCTAssertEqual(DOT.number(.nan), "0")
        XCTAssertEqual(DOT.number(0.1234, decimals: 3), "0.123")
    }

    func testGraphSourceIsDeterministicDOT() {
        var graph = DOTGraph(.digraph, name: "model", graphAttributes: ["rankdir": "LR"])
        graph.nodeDefaults = ["shape": "box"]
        graph.addNode("a", ["label": "Input \"x\""])
        graph.addNode("b", ["label": .html("<B>" + DOT.htmlEscaped("<Dense>") + "</B>"), "width": 1.5])
        var cluster = DOTSubgraph.cluster("block", label: "Block {1}")
        cluster.addNode("c", ["label": .lines(["left", "aligned"], justification: .left)])
        cluster.addEdge(from: "b", to: "c", ["style": "dashed", "penwidth": 2])
        graph.addSubgraph(cluster)
        graph.addEdge(from: "a", to: "b")
        XCTAssertEqual(graph.source, """
            digraph model {
              graph [rankdir="LR"];
              node [shape="box"];
              a [label="Input \\"x\\""];
              b [label=<<B>&lt;Dense&gt;</B>>, width=1.5];
              subgraph cluster_block {
                graph [label="Block \\{1\\}"];
                c [label="left\\laligned\\l"];
                b -> c [style="dashed", penwidth=2];
              }
              a -> b;
            }

            """)
        var undirected = DOTGraph(.graph, strict: true)
        undirected.addEdge(from: "x", to: "y")
        XCTAssertEqual(undirected.source, "strict graph {\n  x -- y;\n}\n")
    }

    func testAttributesKeepFirstPositionAndLastValue() {
        var attributes: DOTAttributes = ["a": 1, "b": 2, "a": 3]
        XCTAssertEqual(attributes.entries.map(\.key), ["a", "b"])
        XCTAssertEqual(attributes["a"], 3)
        attributes["b"] = nil
        attributes["c"] = true
        XCTAssertEqual(attributes.bracketed, "[a=3, c=true]")
    }

    func testWriterOutputRendersWithClustersAndPorts() throws {
        var graph = DOTGraph(.digraph)
        var cluster = DOTSubgraph.cluster("layers", label: "Sequential")
        cluster.addNode("d1", ["shape": "record", "label": .raw("\"<in> in|<out> out\"")])
        cluster.addNode("d2", ["shape": "box", "label": "dense_2"])
        graph.addSubgraph(cluster)
        graph.addEdge(from: "d1", to: "d2", ["tailport": "out"])
        let document = try XCTUnwrap(SVGDocument(try Graphviz.renderSVG(graph.source)))
        XCTAssertTrue(document.texts.contains("Sequential"))
        XCTAssertTrue(document.texts.contains("dense_2"))
        XCTAssertEqual(document.elements(named: "g").filter { $0.attributes["class"] == "cluster" }.count, 1)
    }

    func testLineJustificationReachesTheSVG() throws {
        var graph = DOTGraph(.digraph)
        graph.nodeDefaults = ["shape": "box", "width": 3]
        graph.addNode("l", ["label": .lines(["left"], justification: .left)])
        graph.addNode("r", ["label": .lines(["right"], justification: .right)])
        let document = try XCTUnwrap(SVGDocument(try Graphviz.renderSVG(graph.source)))
        let anchors = Dictionary(
            uniqueKeysWithValues: document.elements(named: "text").map { ($0.text, $0.attributes["text-anchor"] ?? "") })
        XCTAssertEqual(anchors["left"], "start")
        XCTAssertEqual(anchors["right"], "end")
    }

    /// Every hostile name, used as a quoted label, an HTML-like label, a cluster label, an
    /// edge label and a node name, yields valid DOT, well-formed SVG and the original text.
    func testHostileNamesRenderLiterally() throws {
        for (index, name) in hostileNames.enumerated() {
            var graph = DOTGraph(.digraph, name: name)
            var cluster = DOTSubgraph.cluster("c\(index)", label: name)
            cluster.addNode(name, ["label": .string(name), "shape": "box"])
            graph.addSubgraph(cluster)
            graph.addNode("html", ["shape": "plain", "label": .html(
                "<TABLE><TR><TD>" + DOT.htmlEscaped(name) + "</TD></TR></TABLE>")])
            graph.addNode("record", ["shape": "record", "label": .string(name)])
            graph.addEdge(from: name, to: "html", ["label": .string(name)])

            let svg: String
            do {
                svg = try Graphviz.renderSVG(graph.source)
            } catch {
                XCTFail("name #\(index) \(name.debugDescription) failed: \(error)\n\(graph.source)")
                continue
            }
            guard let document = SVGDocument(svg) else {
                XCTFail("name #\(index) \(name.debugDescription) gave malformed SVG")
                continue
            }
            let lines = displayedLines(of: name)
            for line in lines where !line.isEmpty {
                // Cluster label, node label, record label, edge label and HTML cell.
                let shown = document.texts.filter { $0 == line }.count
                XCTAssertGreaterThanOrEqual(
                    shown, 5, "name #\(index): line \(line.debugDescription) shown \(shown)× in \(document.texts)")
            }
            // The node name reaches the SVG title intact, and the raw SVG escapes markup.
            let titles = document.elements(named: "title").map(\.text)
            // (Names keep tabs; backslashes and line breaks show escaped, see DOT.id.)
            let expectedTitle = String(String.UnicodeScalarView(name.unicodeScalars.map {
                ($0.value < 0x20 && $0 != "\t") ? "\u{FFFD}" : $0
            }))
            if !name.contains("\\") && !name.contains("\n") {
                XCTAssertTrue(titles.contains(expectedTitle), "name #\(index) titles \(titles)")
            }
            XCTAssertFalse(svg.contains("<tag attr"), "markup leaked into the SVG")
        }
    }
}
