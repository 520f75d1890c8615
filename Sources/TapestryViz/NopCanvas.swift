/// A point in Graphviz coordinates: points (1/72 inch), origin bottom-left, y up.
struct CanvasPoint: Equatable, Sendable {
    var x: Double
    var y: Double
}

/// Draws marks at fixed positions through Graphviz's `nop2` engine (internal).
///
/// Text and markers are pinned nodes (`pos="x,y!"`); lines are edges whose spline `pos`
/// is given explicitly — a polyline written as a cubic B-spline with repeated control
/// points — so `nop2` draws them exactly where they are placed. Decorative lines hang
/// between two invisible corner nodes that also pin the drawing's bounding box.
struct NopCanvas {
    enum Anchor {
        case left, center, right
    }

    private(set) var graph: DOTGraph
    private var nextID = 0
    private let cornerIDs = ("corner_lo", "corner_hi")

    /// A canvas spanning 0...width × 0...height points.
    init(width: Double, height: Double, name: String) {
        graph = DOTGraph(.graph, name: name)
        graph.graphAttributes = [
            "bgcolor": "white",
            "pad": 0.1,
            // Keep our coordinates as given, and draw lines before nodes so markers and
            // text sit on top of grid lines and series.
            "notranslate": true,
            "outputorder": "edgesfirst",
            "fontname": .string(ChartTheme.font),
        ]
        graph.nodeDefaults = [
            "shape": "plaintext", "fixedsize": true, "margin": 0, "label": "",
            "fontname": .string(ChartTheme.font), "fontcolor": .string(ChartTheme.text.hex),
        ]
        graph.edgeDefaults = ["penwidth": 1]
        graph.addNode(cornerIDs.0, ["pos": .position(x: 0, y: 0), "style": "invis", "width": 0, "height": 0])
        graph.addNode(cornerIDs.1, ["pos": .position(x: width, y: height), "style": "invis", "width": 0, "height": 0])
    }

    private mutating func makeID(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    /// The spline `pos` of a polyline through `points` (at least two).
    static func splinePosition(_ points: [CanvasPoint]) -> DOTValue {
        func text(_ p: CanvasPoint) -> String { DOT.number(p.x) + "," + DOT.number(p.y) }
        guard let first = points.first else { return .string("") }
        var parts = [text(first)]
        var previous = first
        for point in points.dropFirst() {
            // Control points equal to the segment's ends make each Bézier piece straight.
            parts += [text(previous), text(point), text(point)]
            previous = point
        }
        return .string(parts.joined(separator: " "))
    }

    /// A straight polyline through `points`, drawn as one edge. With explicit `tail` and
    /// `head` node ids the edge joins them (e.g. the first and last marker of a series).
    mutating func polyline(
        _ points: [CanvasPoint], color: RGBColor, width: Double = 1, dashed: Bool = false,
        tail: String? = nil, head: String? = nil, tooltip: String? = nil
    ) {
        guard points.count >= 2 else { return }
        var attributes: DOTAttributes = [
            "pos": NopCanvas.splinePosition(points), "color": .string(color.hex),
        ]
        if width != 1 { attributes["penwidth"] = .number(width) }
        if dashed { attributes["style"] = "dashed" }
        if let tooltip { attributes["tooltip"] = .string(tooltip) }
        graph.addEdge(from: tail ?? cornerIDs.0, to: head ?? cornerIDs.1, attributes)
    }

    /// A straight segment.
    mutating func line(
        from start: CanvasPoint, to end: CanvasPoint, color: RGBColor, width: Double = 1,
        dashed: Bool = false
    ) {
        polyline([start, end], color: color, width: width, dashed: dashed)
    }

    /// Text whose `anchor` side (or centre) is at `x`, vertically centred on `y`; line breaks
    /// in `text` start new lines.
    mutating func text(
        _ text: String, x: Double, y: Double, anchor: Anchor = .center, size: Double = 10,
        color: RGBColor = ChartTheme.text, bold: Bool = false, tooltip: String? = nil
    ) {
        // Fixed-size boxes only need to be about right: text is aligned inside them, and
        // their size only feeds the bounding box.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let width = (lines.map { estimatedWidth(of: $0, size: size) }.max() ?? 0) + 2
        let centerX: Double
        let justification: DOTValue.Justification
        switch anchor {
        case .left: (centerX, justification) = (x + width / 2, .left)
        case .center: (centerX, justification) = (x, .center)
        case .right: (centerX, justification) = (x - width / 2, .right)
        }
        var attributes: DOTAttributes = [
            "pos": .position(x: centerX, y: y),
            "width": .number(width / 72, decimals: 3),
            "height": .number(Self.lineHeight(size) * Double(lines.count) / 72, decimals: 3),
            "label": .lines(lines, justification: justification),
            "fontsize": .number(size),
        ]
        if color != ChartTheme.text { attributes["fontcolor"] = .string(color.hex) }
        if bold { attributes["fontname"] = .string(ChartTheme.boldFont) }
        if let tooltip { attributes["tooltip"] = .string(tooltip) }
        graph.addNode(makeID("t"), attributes)
    }

    /// A round marker; returns its node id so lines can end on it.
    @discardableResult
    mutating func marker(
        at point: CanvasPoint, diameter: Double, fill: RGBColor, stroke: RGBColor,
        strokeWidth: Double = 1, tooltip: String? = nil
    ) -> String {
        let id = makeID("m")
        var attributes: DOTAttributes = [
            "pos": .position(x: point.x, y: point.y),
            "shape": "circle",
            "width": .number(diameter / 72, decimals: 3),
            "style": "filled",
            "fillcolor": .string(fill.hex),
            "color": .string(stroke.hex),
        ]
        if strokeWidth != 1 { attributes["penwidth"] = .number(strokeWidth) }
        if let tooltip { attributes["tooltip"] = .string(tooltip) }
        graph.addNode(id, attributes)
        return id
    }

    /// The height of one line of text at `size` points, with a little leading.
    static func lineHeight(_ size: Double) -> Double { size * 1.25 }

    /// A rough width of `text` in Helvetica at `size` points (for box sizes and centring).
    func estimatedWidth(of text: String, size: Double) -> Double {
        let ems = text.unicodeScalars.reduce(0.0) { sum, scalar in
            switch scalar {
            case "i", "j", "l", "I", ".", ",", ":", ";", "'", "|", "!", " ": return sum + 0.3
            case "m", "w", "M", "W", "%", "@": return sum + 0.85
            case "A"..."Z", "0"..."9", "_", "–", "×": return sum + 0.66
            default: return sum + 0.56
            }
        }
        return ems * size
    }
}
