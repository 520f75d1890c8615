import Tapestry

// The collapsed drawing: one node per layer, edges labelled with the tensors that cross.
extension TapeGraph {
    func addCollapsed(_ grouping: Grouping, edges: EdgeStyle, to graph: inout DOTGraph) {
        func nodeID(_ index: Int) -> String {
            grouping.groupOfEntry[index].map { "layer_\($0)" } ?? Self.entryID(index)
        }
        for (index, entry) in entries.enumerated() where grouping.groupOfEntry[index] == nil {
            graph.addNode(Self.entryID(entry.index), entryAttributes(entry))
        }
        for (group, label) in grouping.labels.enumerated() {
            graph.addNode("layer_\(group)", ["shape": "plain", "style": "", "label": .html(
                layerTable(label: label, members: grouping.members[group].map { entries[$0] }))])
        }
        struct Crossing: Hashable {
            var source: Int
            var head: String
        }
        var seen = Set<Crossing>()
        for entry in entries {
            for operand in entry.inputs where operand < entries.count {
                let tail = nodeID(operand), head = nodeID(entry.index)
                // One edge per tensor and receiving node, however many of its ops use it.
                guard tail != head, seen.insert(Crossing(source: operand, head: head)).inserted else { continue }
                var attributes = edges.attributes(from: operand)
                var label = Self.shapeText(entries[operand].shape)
                if case .string(let norm)? = attributes["label"] { label += "\n‖∇‖ " + norm }
                attributes["label"] = .string(label)
                graph.addEdge(from: tail, to: head, attributes)
            }
        }
    }

    /// One layer as a table: its label, its ops, its parameters with their gradient norms.
    func layerTable(label: String, members: [TapeEntry]) -> String {
        let isOutput = members.contains { $0.index == outputIndex }
        var opCounts: [(String, Int)] = []
        for entry in members where entry.kind == .operation {
            if let position = opCounts.firstIndex(where: { $0.0 == entry.op }) {
                opCounts[position].1 += 1
            } else {
                opCounts.append((entry.op, 1))
            }
        }
        let columns = gradientNorms == nil ? "2" : "3"
        let ops = opCounts.map { $0.1 > 1 ? "\($0.0) ×\($0.1)" : $0.0 }.joined(separator: " · ")
        var rows = [HTMLLabel.cell(
            HTMLLabel.text(label, size: 11, bold: true),
            [("COLSPAN", columns), ("BGCOLOR", (isOutput ? Palette.outputFill : Palette.layerHeader).hex)])]
        if !ops.isEmpty {
            rows.append(HTMLLabel.cell(
                HTMLLabel.text(ops, size: 9, color: ChartTheme.mutedText), [("COLSPAN", columns)]))
        }
        for entry in members where entry.kind != .operation {
            var row = HTMLLabel.cell(HTMLLabel.text(entry.name ?? entry.op, size: 9), [("ALIGN", "LEFT")])
                + HTMLLabel.cell(HTMLLabel.text(Self.shapeText(entry.shape), size: 9, color: ChartTheme.mutedText),
                                 [("ALIGN", "LEFT")])
            if let norm = gradientNorms?[entry.index] {
                let band = band(forNorm: norm)
                let color = band == .normal ? ChartTheme.text : Palette.color(band)
                row += HTMLLabel.cell(
                    HTMLLabel.text("‖∇‖ " + Self.formattedNorm(norm), size: 9, color: color, bold: band != .normal),
                    [("ALIGN", "LEFT")])
            }
            rows.append(row)
        }
        let border = isOutput ? Palette.outputBorder : Palette.opBorder
        return "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\"\(border.hex)\""
            + " BGCOLOR=\"white\">" + rows.map { "<TR>" + $0 + "</TR>" }.joined() + "</TABLE>"
    }
}
