import Foundation

/// Small builders for Graphviz HTML-like labels (internal). All text is escaped with
/// ``DOT/htmlEscaped(_:)``; markup is produced only here.
enum HTMLLabel {
    /// `text`, escaped, in a `<FONT>` with the given size and colour, optionally bold.
    ///
    /// Bold is a bold face rather than `<B>`: Graphviz 2.42's pango plugin leaks the markup
    /// attributes of every `<B>` span (about 350 bytes each, measured with valgrind), while a
    /// face name costs nothing extra and renders the same (`font-weight="bold"` in SVG).
    static func text(
        _ text: String, size: Double? = nil, color: RGBColor? = nil, bold: Bool = false
    ) -> String {
        let body = DOT.htmlEscaped(text)
        // Graphviz rejects an element with nothing in it (`<FONT …></FONT>` is a syntax error),
        // so empty text (an empty title or class name) is written as nothing at all.
        guard !body.isEmpty else { return "" }
        var attributes = ""
        if bold { attributes += " FACE=\"\(ChartTheme.boldFont)\"" }
        if let size { attributes += " POINT-SIZE=\"\(DOT.number(size))\"" }
        if let color { attributes += " COLOR=\"\(color.hex)\"" }
        return attributes.isEmpty ? body : "<FONT" + attributes + ">" + body + "</FONT>"
    }

    /// A `<TD>` with the given attributes (written in order) around `content`.
    static func cell(_ content: String = "", _ attributes: [(String, String)] = []) -> String {
        "<TD" + attributes.map { " \($0.0)=\"\($0.1)\"" }.joined() + ">" + content + "</TD>"
    }

    /// A percentage with one decimal, e.g. `91.3%`; `–` when `denominator` is zero.
    static func percent(_ numerator: Double, of denominator: Double) -> String {
        guard denominator > 0 else { return "–" }
        return String(format: "%.1f%%", 100 * numerator / denominator)
    }
}
