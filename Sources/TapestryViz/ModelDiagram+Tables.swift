import Tapestry

// What a model diagram's nodes and clusters look like: the tables, their rows, the colours.
extension ModelDiagram {
    /// Colours and attributes of the diagram.
    enum Style {
        static let border = RGBColor(hex: 0x7D8FA6)
        static let inputHeader = RGBColor(hex: 0xDDEFD9)
        static let weightedHeader = RGBColor(hex: 0xD5E5F7)
        static let plainHeader = RGBColor(hex: 0xE9E9E9)
        static let nestedHeader = RGBColor(hex: 0xE6DDF3)
        static let edge = RGBColor(hex: 0x5F6B7A)
        static let clusterFill = RGBColor(hex: 0xF7F5FB)
        static let clusterBorder = RGBColor(hex: 0xA99BC4)

        /// A nested model expanded as a cluster.
        static let cluster: DOTAttributes = [
            "style": "rounded,filled", "fillcolor": .string(clusterFill.hex), "color": .string(clusterBorder.hex),
            "fontname": .string(ChartTheme.boldFont), "fontsize": 10, "fontcolor": .string(ChartTheme.mutedText.hex),
            "labeljust": "l", "labelloc": "t", "margin": 10,
        ]

        /// The operand's position (from 1) at the head of an edge into a node with several inputs.
        static func operandLabel(_ position: Int) -> DOTAttributes {
            ["headlabel": .string(String(position + 1)), "labelfontsize": 8,
             "labelfontcolor": .string(ChartTheme.mutedText.hex), "labeldistance": 1.6]
        }

        /// A placeholder for an input that names no node.
        static func missingNode(_ name: String) -> DOTAttributes {
            ["shape": "box", "style": "dashed", "color": .string(ChartTheme.mutedText.hex), "fontsize": 9,
             "fontcolor": .string(ChartTheme.mutedText.hex), "label": .string("missing: " + name)]
        }
    }

    /// A node's table: the header `name (Type)` over two columns of the rows the options ask for.
    func table(for node: ModelDescription.Node) -> String {
        let header: RGBColor
        if node.kind == .input {
            header = Style.inputHeader
        } else if node.nested != nil {
            header = Style.nestedHeader
        } else {
            header = node.parameterCount > 0 ? Style.weightedHeader : Style.plainHeader
        }
        let title = HTMLLabel.text(node.name, size: 11, bold: true)
            + HTMLLabel.text(" (" + node.typeName + ")", size: 10, color: ChartTheme.mutedText)
        var body = "<TR>" + HTMLLabel.cell(title, [("COLSPAN", "2"), ("BGCOLOR", header.hex), ("CELLPADDING", "5")])
            + "</TR>"
        let rows = rows(for: node)
        if !rows.isEmpty { body += "<HR/>" }
        for (key, value) in rows {
            body += "<TR>"
                + HTMLLabel.cell(
                    HTMLLabel.text(key, size: 9, color: ChartTheme.mutedText), [("ALIGN", "LEFT"), ("WIDTH", "74")])
                + HTMLLabel.cell(HTMLLabel.text(value, size: 10), [("ALIGN", "LEFT"), ("WIDTH", "92")])
                + "</TR>"
        }
        return "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\""
            + Style.border.hex + "\" BGCOLOR=\"white\">" + body + "</TABLE>"
    }

    /// The rows the options ask for, as (key, value) pairs: an input shows only its shape; a
    /// nested model drawn as one box also its number of layers.
    func rows(for node: ModelDescription.Node) -> [(String, String)] {
        var rows: [(String, String)] = []
        if node.kind == .input {
            if showsShapes { rows.append(("Input shape", ModelDescription.batchShapeText(node.outputShape))) }
            if showsDTypes, let dtype = node.dtypeName { rows.append(("DType", dtype)) }
            return rows
        }
        if showsShapes { rows.append(("Output shape", ModelDescription.batchShapeText(node.outputShape))) }
        if showsDTypes, let dtype = node.dtypeName { rows.append(("DType", dtype)) }
        if showsActivations, let activation = node.activationName { rows.append(("Activation", activation)) }
        if let nested = node.nested {
            rows.append(("Layers", (nested.nodes.filter { $0.kind == .layer }.count).groupedByThousands))
        }
        if showsParameterCounts { rows.append(("Params", node.parameterCount.groupedByThousands)) }
        if showsTrainability { rows.append(("Trainable", Self.trainability(of: node))) }
        return rows
    }

    /// The caption of an expanded nested model's cluster: `encoder (Sequential) · 4,160 params`.
    func clusterCaption(for node: ModelDescription.Node) -> String {
        node.name + " (" + node.typeName + ") · " + node.parameterCount.groupedByThousands + " params"
    }

    /// `yes`, `no`, `partly`, or `–` for a layer without parameters.
    static func trainability(of node: ModelDescription.Node) -> String {
        if node.parameterCount == 0 { return "–" }
        if node.trainableParameterCount == node.parameterCount { return "yes" }
        return node.trainableParameterCount == 0 ? "no" : "partly"
    }
}
