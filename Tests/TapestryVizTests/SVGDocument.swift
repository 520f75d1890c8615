import Foundation
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A parsed SVG document: fails the calling test if the text is not well-formed XML.
struct SVGDocument {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
    }

    /// Every element in document order, with the character data directly inside it.
    private(set) var elements: [Element] = []

    /// Parses `svg`; returns nil (after recording a test failure) if it is not well-formed.
    init?(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        let delegate = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        guard parser.parse() else {
            XCTFail("SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")",
                    file: file, line: line)
            return nil
        }
        elements = delegate.elements
    }

    /// The contents of every `<text>` element, in order.
    var texts: [String] { elements.filter { $0.name == "text" }.map(\.text) }

    /// Elements named `name`.
    func elements(named name: String) -> [Element] { elements.filter { $0.name == name } }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            open.append(elements.count)
            elements.append(Element(name: elementName, attributes: attributes, text: ""))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let index = open.last { elements[index].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
            qualifiedName: String?
        ) {
            _ = open.popLast()
        }
    }
}

/// Hostile strings: every character DOT, HTML-like labels, records or XML treat specially.
let hostileNames: [String] = [
    "quote\"in\"side",
    "<tag attr=\"x\"> & </tag>",
    "{brace} | [bracket] <port>",
    "back\\slash \\N \\l \\G",
    "ends with backslash\\",
    "two\nlines",
    "amp &amp; entity &lt; &#39; &#x41;",
    "'single' \"double\"",
    "comment --> <!-- ]]> <![CDATA[",
    "non-ASCII é ß 中文 🙂",
    "control\u{1}char\u{7F}",
    "tab\tinside",
]

/// What Graphviz should display for a hostile name: its lines, with tabs as spaces and
/// XML-illegal control characters replaced by U+FFFD.
func displayedLines(of name: String) -> [String] {
    let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.map {
        $0 == "\t" ? " " : ($0.value < 0x20 && $0 != "\n") ? "\u{FFFD}" : $0
    }))
    return cleaned.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}
