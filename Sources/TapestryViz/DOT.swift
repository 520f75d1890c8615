import Foundation

/// Escaping helpers for writing DOT text by hand or through ``DOTGraph``.
///
/// Every string that comes from user data (layer names, class names, titles) must pass
/// through one of these before it lands in DOT text:
/// - ``quoted(_:)`` for ordinary attribute values such as `label`, `tooltip`, `xlabel`;
/// - ``htmlEscaped(_:)`` for text placed inside an HTML-like label (`label=<…>`);
/// - ``id(_:)`` for graph, node and subgraph names.
///
/// The results are valid DOT for any input (quotes, `<`, `>`, `&`, braces, `|`, backslashes,
/// newlines, control characters, non-ASCII), and the SVG Graphviz renders from them is
/// well-formed XML that shows the original text.
public enum DOT {
    /// `text` as a double-quoted DOT string that Graphviz displays literally.
    ///
    /// Backslashes are doubled (so `\N`, `\l` and friends are not expanded), quotes are
    /// `\"`, the record-label metacharacters `{ } | < >` are backslash-escaped (so the value
    /// is also safe in `shape=record` labels), `&` becomes `&amp;` (Graphviz decodes
    /// entities in labels), line breaks become centred `\n` line breaks, tabs become spaces
    /// (record and HTML-like labels drop them), and control characters that XML forbids
    /// become U+FFFD.
    public static func quoted(_ text: String) -> String {
        "\"" + escaped(text) + "\""
    }

    /// The body of ``quoted(_:)`` without the surrounding quotes, for composing a label with
    /// Graphviz escape sequences, e.g. `"\"" + DOT.escaped(name) + "\\l\""` for a
    /// left-justified line.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        forEachScalar(in: text) { scalar in
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "{", "}", "|", "<", ">":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "&": out += "&amp;"
            case "\n": out += "\\n"
            case "\t": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` escaped for the inside of an HTML-like label: `&`, `<`, `>`, `"` and `'` become
    /// entities, line breaks become `<BR/>`, tabs become spaces, control characters that XML
    /// forbids become U+FFFD, and backslashes are doubled — Graphviz expands `\N`, `\G` and
    /// `\\` inside HTML-like labels too (measured with Graphviz 2.42), so a lone backslash
    /// would not survive. `]` becomes `&#93;`: Graphviz 2.43 rejects a text run that is just
    /// `]` (a syntax error) and silently drops `]]` after a `<BR/>` (found by fuzzing).
    ///
    /// Graphviz rejects an element with nothing in it (`<FONT></FONT>`, `<I></I>`, an empty
    /// label `<>`), so do not wrap the result of an empty string in one; a table cell may be empty.
    public static func htmlEscaped(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        forEachScalar(in: text) { scalar in
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += " "
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "]": out += "&#93;"
            case "\n": out += "<BR/>"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `name` as a DOT identifier for a graph, node or subgraph: written bare when it is a
    /// plain ASCII identifier that is not a DOT keyword, otherwise quoted.
    ///
    /// Use the same function for every mention of a name so that node and edge statements
    /// agree. `&` is written as `&amp;` so the SVG `<title>` shows the name as given (Graphviz
    /// passes entities through); backslashes are doubled, which keeps the DOT valid but shows
    /// them doubled in the `<title>` (the DOT lexer cannot express a lone trailing backslash).
    /// Node names are not labels: give nodes an explicit `label` when the name comes from
    /// user data.
    public static func id(_ name: String) -> String {
        if isPlainIdentifier(name) { return name }
        var out = "\""
        forEachScalar(in: name) { scalar in
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "&": out += "&amp;"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `value` written compactly for a DOT attribute: at most `decimals` digits after the
    /// point, trailing zeros dropped, never `-0`; non-finite values are written as `0`.
    public static func number(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return "0" }
        var text = String(format: "%.\(max(0, min(decimals, 12)))f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    private static let keywords: Set<String> = ["node", "edge", "graph", "digraph", "subgraph", "strict"]

    private static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !keywords.contains(name.lowercased())
        else { return false }
        func isLetter(_ s: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_"
        }
        return isLetter(first)
            && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }

    /// Calls `body` with each scalar of `text`, with CR LF and lone CR turned into LF and
    /// every scalar XML 1.0 cannot carry (C0 controls other than tab and LF, U+FFFE, U+FFFF)
    /// turned into U+FFFD, so Graphviz never copies an illegal character into SVG.
    private static func forEachScalar(in text: String, _ body: (Unicode.Scalar) -> Void) {
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar.value {
            case 0x0D:
                body("\n")
            case 0x0A:
                if !previousWasCR { body("\n") }
            case 0x09:
                body(scalar)
            case 0x00...0x1F, 0xFFFE, 0xFFFF:
                body("\u{FFFD}")
            default:
                body(scalar)
            }
        }
    }
}
