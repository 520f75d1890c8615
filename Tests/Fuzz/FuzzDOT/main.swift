// FuzzDOT: the DOT escapers, fed arbitrary text (bytes decoded as UTF-8, invalid sequences
// replaced).
//
// For any string `s`, the graph
//
//     digraph { a [label=DOT.quoted(s)];
//               b [label=<<TABLE><TR><TD>DOT.htmlEscaped(s)</TD></TR></TABLE>>];
//               DOT.id(s) [label="c"]; a -> b; a -> DOT.id(s) }
//
// must render through `Graphviz.renderSVG` without an error, the SVG must be well-formed XML,
// `DOT.id(s)` must name exactly one node (the third, unless `s` is "a" or "b"), and both
// labels must show `s` itself (compared with white space removed, since Graphviz breaks and
// trims lines, and with the characters the escapers document as replaced, replaced).
// A confusion-matrix chart titled `s` with a class named `s` must render to XML too: it puts
// the text in the `<FONT>` elements the charts use.
//
// (A table cell holds the HTML-escaped text because Graphviz rejects an HTML-like label or a
// `<FONT>`, `<I>` or `<B>` element with nothing in it, and `s` may be empty.)

import Foundation
import FuzzSupport
import TapestryViz

#if canImport(FoundationXML)
import FoundationXML
#endif

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let dot = """
        digraph {
          a [label=\(DOT.quoted(text))];
          b [label=<<TABLE BORDER="0"><TR><TD>\(DOT.htmlEscaped(text))</TD></TR></TABLE>>];
          \(DOT.id(text)) [label="c"];
          a -> b;
          a -> \(DOT.id(text));
        }
        """
    let svg: String
    do {
        svg = try Graphviz.renderSVG(dot)
    } catch {
        require(false, "Graphviz rejected the escaped text \(text.debugDescription): \(error)\n\(dot)")
        return 0
    }
    guard let document = SVGNodes(svg) else {
        require(false, "the SVG for \(text.debugDescription) is not well-formed XML:\n\(svg)")
        return 0
    }
    let expectedNodes = text == "a" || text == "b" ? 2 : 3
    require(document.nodes.count == expectedNodes,
            "\(document.nodes.count) nodes for DOT.id(\(text.debugDescription)), expected \(expectedNodes):\n\(dot)")
    require(document.edgeCount == 2, "\(document.edgeCount) edges, expected 2:\n\(dot)")

    let shown = visible(text)
    for title in ["a", "b"] where !(expectedNodes == 2 && title == text) {
        let label = document.nodes[title].map { visible($0.joined()) }
        require(label == shown, "node \(title) shows \(label.debugDescription), expected \(shown.debugDescription):\n\(dot)")
    }
    checkChart(text)
    return 0
}

/// A chart whose title and class name are `text` renders to well-formed XML.
func checkChart(_ text: String) {
    do {
        let chart = try ConfusionMatrixChart(counts: [[1]], classNames: [text], title: text)
        let svg = try chart.renderSVG()
        require(SVGNodes(svg) != nil, "the chart SVG for \(text.debugDescription) is not well-formed XML:\n\(svg)")
    } catch {
        require(false, "a chart titled \(text.debugDescription) did not render: \(error)")
    }
}

/// `text` as a label shows it: white space removed (Graphviz breaks lines and trims them),
/// and the characters that XML cannot carry replaced by U+FFFD, as the escapers document.
func visible(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: continue
        case 0x00...0x1F, 0xFFFE, 0xFFFF: out.append("\u{FFFD}")
        default:
            if !scalar.properties.isWhitespace { out.append(scalar) }
        }
    }
    return String(out)
}

/// The node titles of a Graphviz SVG and the text shown in each node, parsed with XMLParser.
struct SVGNodes {
    /// The text runs of each node, by the node's `<title>`.
    var nodes: [String: [String]] = [:]
    /// The number of edge groups.
    var edgeCount = 0

    init?(_ svg: String) {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        guard parser.parse() else { return nil }
        nodes = collector.nodes
        edgeCount = collector.edgeCount
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var nodes: [String: [String]] = [:]
        var edgeCount = 0
        private var groupClass: String?
        private var title: String?
        private var element = ""
        private var characters = ""

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            if name == "g", let kind = attributes["class"], kind == "node" || kind == "edge" {
                groupClass = kind
                title = nil
                if kind == "edge" { edgeCount += 1 }
            }
            element = name
            characters = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            characters += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard groupClass == "node" else { return }
            if name == "title" {
                title = characters
                nodes[characters, default: []] = nodes[characters] ?? []
            } else if name == "text", let title {
                nodes[title, default: []].append(characters)
            }
            characters = ""
        }
    }
}

runFuzzTarget(fuzz, name: "FuzzDOT")
