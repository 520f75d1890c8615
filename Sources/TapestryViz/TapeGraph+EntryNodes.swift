import Tapestry

// The expanded drawing: one node per tape entry, clustered by layer.
extension TapeGraph {
    func addExpanded(_ grouping: Grouping, edges: EdgeStyle, to graph: inout DOTGraph) {
        for (index, entry) in entries.enumerated() where grouping.groupOfEntry[index] == nil {
            graph.addNode(Self.entryID(entry.index), entryAttributes(entry))
        }
        for (group, label) in grouping.labels.enumerated() {
            var cluster = cluster(for: label)
            for index in grouping.members[group] {
                cluster.addNode(Self.entryID(index), entryAttributes(entries[index]))
            }
            graph.addSubgraph(cluster)
        }
        for entry in entries {
            for operand in entry.inputs where operand < entries.count {
                var attributes = edges.attributes(from: operand)
                // An edge into an op a backward sweep recorded takes that sweep's colour.
                if entry.isBackward, attributes["color"] == nil {
                    attributes["color"] = .string(Palette.backwardBorder(order: entry.derivativeOrder).hex)
                }
                // A rank of slack between layers lets the next layer's parameters sit below
                // the previous layer, so the clusters stack instead of stepping sideways.
                let tailGroup = grouping.groupOfEntry[operand], headGroup = grouping.groupOfEntry[entry.index]
                if tailGroup != headGroup { attributes["minlen"] = 2 }
                graph.addEdge(from: Self.entryID(operand), to: Self.entryID(entry.index), attributes)
            }
        }
    }

    func cluster(for label: String) -> DOTSubgraph {
        DOTSubgraph.cluster(label, label: label, graphAttributes: [
            "style": "rounded,filled", "fillcolor": .string(Palette.clusterFill.hex),
            "color": .string(Palette.clusterBorder.hex), "fontname": .string(ChartTheme.boldFont),
            "fontsize": 10, "fontcolor": .string(ChartTheme.mutedText.hex), "labeljust": "r", "margin": 10,
        ])
    }

    static func entryID(_ index: Int) -> String { "e\(index)" }

    /// A node for one entry: an op, a parameter, a constant, or the output. The one place an
    /// entry's look is decided (with ``EdgeStyle`` for edges), so styling by other properties
    /// of an entry, such as the pass that recorded it, belongs here.
    func entryAttributes(_ entry: TapeEntry) -> DOTAttributes {
        var lines = [HTMLLabel.text(entry.name ?? entry.op, size: entry.kind == .operation ? 11 : 10, bold: true),
                     HTMLLabel.text(Self.shapeText(entry.shape), size: 9, color: ChartTheme.mutedText)]
        var attributes: DOTAttributes = [:]
        switch entry.kind {
        case .operation:
            if entry.isBackward {
                // Recorded by a backward sweep that built a graph: coloured by its order.
                attributes = ["fillcolor": .string(Palette.backwardFill(order: entry.derivativeOrder).hex),
                              "color": .string(Palette.backwardBorder(order: entry.derivativeOrder).hex)]
                lines.append(HTMLLabel.text(Self.orderText(entry.derivativeOrder), size: 8,
                                            color: Palette.backwardBorder(order: entry.derivativeOrder)))
            }
            if entry.index == outputIndex {
                attributes = ["fillcolor": .string(Palette.outputFill.hex), "color": .string(Palette.outputBorder.hex),
                              "penwidth": 2]
                lines.append(HTMLLabel.text("output", size: 9, color: Palette.outputBorder, bold: true))
            }
        case .constant:
            attributes = ["style": "rounded,filled,dashed", "fillcolor": .string(Palette.constantFill.hex),
                          "color": .string(Palette.constantBorder.hex)]
            lines.append(HTMLLabel.text("constant", size: 9, color: ChartTheme.mutedText))
        case .variable:
            attributes = ["style": "filled", "fillcolor": .string(Palette.parameterFill.hex),
                          "color": .string(Palette.parameterBorder.hex)]
            if let norm = gradientNorms?[entry.index] {
                let band = band(forNorm: norm)
                lines.append(HTMLLabel.text(
                    "‖∇‖ " + Self.formattedNorm(norm), size: 9, color: Palette.color(band), bold: band != .normal))
                if band != .normal {
                    let fill = band == .vanishing ? Palette.vanishingFill : Palette.explodingFill
                    attributes["color"] = .string(Palette.color(band).hex)
                    attributes["fillcolor"] = .string(fill.hex)
                    attributes["penwidth"] = 2
                }
            }
        }
        attributes["label"] = .html(Self.stacked(lines))
        return attributes
    }

    /// Lines of label text stacked in a borderless table: Graphviz spaces `<BR/>` lines of
    /// mixed sizes too tightly (a bold name's descenders touch the next line).
    static func stacked(_ lines: [String]) -> String {
        "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"0\">"
            + lines.map { "<TR><TD>" + $0 + "</TD></TR>" }.joined() + "</TABLE>"
    }

    /// What recorded an op of derivative `order ≥ 1`: `backward ∂¹`, `backward ∂²`, …
    static func orderText(_ order: Int) -> String {
        let superscripts: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return "backward ∂" + String(String(order).compactMap { $0.wholeNumberValue.map { superscripts[$0] } })
    }

    /// `(2, 64)`, or `scalar` for a rank-0 shape.
    static func shapeText(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
