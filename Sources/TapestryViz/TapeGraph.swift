import Foundation
import Tapestry
import TapestryNN

/// The op-level computation graph, drawn from a recorded `Tape` itself: one node per tape
/// entry, one edge per tracked operand, ops grouped by the layer that recorded them, and —
/// after a backward pass — the gradient flowing along every edge.
///
/// - Op nodes show the op's name and output shape; parameter (variable) nodes their dotted
///   name and shape on green; constants (the input batch) are dashed gray; the output (the
///   loss: the last entry unless another is named) is orange.
/// - Entries are grouped by their tape label (the layer's name): one cluster per distinct
///   label, named `cluster_` + label and captioned with it. A nested model's labels are
///   full paths (`outer/dense`); each full path gets its own cluster, so a `/` inside a
///   hostile name never splits a layer. A parameter is recorded before any layer runs, so
///   it has no label: it is drawn in the cluster of the layer that uses it when exactly one
///   layer does, and outside any cluster otherwise (shared weights).
/// - With ``collapsesLayers`` each label becomes one node listing its ops and parameters,
///   and the edges between layers carry the shape of the tensor that crosses them (and its
///   gradient norm). Unlabelled entries such as the input stay single nodes.
///
/// ## Gradient flow
///
/// Given the `Gradients` of a backward sweep that kept intermediates, each parameter node
/// and each edge is labelled with the L2 norm of the cotangent of the edge's source entry
/// (‖∂output/∂x‖ for the tensor x the edge carries; gradients flow against the arrows).
/// Norms are read relative to the norm of the output's own cotangent, the seed (1 for a
/// scalar loss), and coloured by ``GradientThresholds`` on that log scale: blue below
/// 1e-6 (vanishing, zero included), gray in between, red above 1e3 or not finite
/// (exploding). Edge width grows mildly with the log of the norm, from 1 (vanishing) to
/// 2.5 (at the exploding threshold), and is 3 beyond it. A legend above the graph explains
/// the colours and counts the parameters in each band. Edges whose source gets no
/// cotangent (the constant input's path) are dashed and unlabelled. Without intermediates
/// only the parameters and the leaves' edges are annotated.
///
/// ```swift
/// let step = try model.recordStep(inputs: batch, targets: labels)
/// try TapeGraph(step: step).write(to: URL(fileURLWithPath: "tape.svg"))
/// try TapeGraph(step: step, collapsesLayers: true).write(to: URL(fileURLWithPath: "layers.svg"))
/// ```
public struct TapeGraph: GraphvizPicture {
    /// Where a gradient norm falls relative to the reference norm.
    public enum GradientBand: String, Sendable, Hashable, CaseIterable {
        /// Below ``GradientThresholds/vanishing`` (zero included): drawn blue.
        case vanishing
        /// Between the thresholds: drawn gray.
        case normal
        /// Above ``GradientThresholds/exploding``, NaN or infinite: drawn red.
        case exploding
    }

    /// The ratios to the reference norm that separate the ``GradientBand``s.
    public struct GradientThresholds: Sendable, Hashable {
        /// Norms below `vanishing × reference` are vanishing.
        public var vanishing: Double
        /// Norms above `exploding × reference` are exploding.
        public var exploding: Double

        /// Creates thresholds; the defaults are 1e-6 and 1e3.
        public init(vanishing: Double = 1e-6, exploding: Double = 1e3) {
            self.vanishing = vanishing
            self.exploding = exploding
        }
    }

    /// The drawn entries: the tape up to and including the output (entries recorded after
    /// it cannot contribute to it).
    public let entries: [TapeEntry]
    /// The index of the highlighted output entry; `nil` for an empty tape.
    public let outputIndex: Int?
    /// The L2 norm of each drawn entry's cotangent (`nil` where it has none), once
    /// annotated with gradients.
    public private(set) var gradientNorms: [Double?]?
    /// Whether each layer is drawn as one node.
    public var collapsesLayers: Bool
    /// Top to bottom (the default) or left to right.
    public var direction: DiagramDirection
    /// The ratios that separate vanishing, normal and exploding gradients.
    public var thresholds: GradientThresholds
    /// The heading above the graph (user text, escaped).
    public var title: String

    /// Creates the graph of `tape`, optionally annotated with the gradient flow.
    ///
    /// - Parameters:
    ///   - output: The index of the entry to highlight as the output; the last entry when
    ///     `nil`.
    ///   - gradients: A backward sweep of this tape, ideally `keepingIntermediates: true`.
    /// - Throws: ``ChartInputError`` if `output` is not an entry of the tape, or
    ///   `gradients` does not belong to it (too few cotangents, or a cotangent whose shape
    ///   differs from its entry's).
    public init<Scalar: TensorScalar>(
        tape: Tape<Scalar>, output: Int? = nil, gradients: Gradients<Scalar>? = nil,
        collapsesLayers: Bool = false, direction: DiagramDirection = .topToBottom,
        title: String = "Recorded tape"
    ) throws {
        let all = tape.entries
        if let output, !all.indices.contains(output) {
            throw ChartInputError("output entry \(output) is not on the tape (\(all.count) entries)")
        }
        let outputIndex = output ?? all.indices.last
        self.entries = outputIndex.map { Array(all[...$0]) } ?? []
        self.outputIndex = outputIndex
        self.collapsesLayers = collapsesLayers
        self.direction = direction
        self.thresholds = GradientThresholds()
        self.title = title
        if let gradients { gradientNorms = try Self.checkedNorms(gradients, for: entries) }
    }

    /// Creates the graph of a recorded training step, annotated with its gradient flow
    /// unless `showsGradients` is false.
    public init<Scalar: TensorScalar>(
        step: RecordedStep<Scalar>, showsGradients: Bool = true, collapsesLayers: Bool = false,
        direction: DiagramDirection = .topToBottom, title: String = "Recorded training step"
    ) {
        let entries = step.tape.entries
        self.entries = entries
        self.outputIndex = entries.indices.last
        self.collapsesLayers = collapsesLayers
        self.direction = direction
        self.thresholds = GradientThresholds()
        self.title = title
        if showsGradients { gradientNorms = Self.norms(step.gradients, count: entries.count) }
    }

    /// This graph annotated with the cotangents of `gradients`.
    ///
    /// - Throws: ``ChartInputError`` if `gradients` does not belong to the drawn tape.
    public func annotated<Scalar: TensorScalar>(with gradients: Gradients<Scalar>) throws -> TapeGraph {
        var copy = self
        copy.gradientNorms = try Self.checkedNorms(gradients, for: entries)
        return copy
    }

    /// The L2 norm of `tensor`: the square root of the sum of its squared scalars, summed in
    /// `Double` in storage order.
    public static func norm<Scalar: TensorScalar>(of tensor: Tensor<Scalar>) -> Double {
        tensor.withUnsafeScalars { scalars in
            // The generic conversion to Double is ~100 ns a scalar when unspecialised (5 ms
            // for the Fashion MLP's gradients); the common scalar types get a concrete loop.
            if Scalar.self == Float.self {
                return scalars.withMemoryRebound(to: Float.self) { sumOfSquares($0) }.squareRoot()
            }
            if Scalar.self == Double.self {
                return scalars.withMemoryRebound(to: Double.self) { sumOfSquares($0) }.squareRoot()
            }
            return scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        }
    }

    private static func sumOfSquares(_ scalars: UnsafeBufferPointer<Float>) -> Double {
        scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
    }

    private static func sumOfSquares(_ scalars: UnsafeBufferPointer<Double>) -> Double {
        scalars.reduce(0.0) { $0 + $1 * $1 }
    }

    /// A norm as the graph writes it: three significant digits (`0.0123`, `1.23e-05`), `0`,
    /// `NaN` or `∞`.
    public static func formattedNorm(_ norm: Double) -> String {
        if norm.isNaN { return "NaN" }
        if norm.isInfinite { return "∞" }
        if norm == 0 { return "0" }
        return String(format: "%.3g", norm)
    }

    /// The norm the bands are relative to: the output's cotangent (the seed of the backward
    /// sweep, 1 for a scalar loss), or 1 when it is unknown, zero or not finite.
    public var referenceNorm: Double {
        guard let outputIndex, let norm = gradientNorms?[outputIndex], norm.isFinite, norm > 0 else { return 1 }
        return norm
    }

    /// The band of a cotangent with norm `norm`.
    public func band(forNorm norm: Double) -> GradientBand {
        let ratio = norm / referenceNorm
        if !ratio.isFinite || ratio > thresholds.exploding { return .exploding }
        return ratio < thresholds.vanishing ? .vanishing : .normal
    }

    /// Always `dot`: a layered drawing.
    public var layout: Graphviz.Layout { .dot }

    /// The norms of `gradients` after checking that they belong to `entries`' tape.
    private static func checkedNorms<Scalar>(
        _ gradients: Gradients<Scalar>, for entries: [TapeEntry]
    ) throws -> [Double?] {
        guard gradients.cotangents.count >= entries.count else {
            throw ChartInputError(
                "gradients have \(gradients.cotangents.count) cotangents for a tape of \(entries.count) entries")
        }
        for entry in entries {
            if let cotangent = gradients.cotangents[entry.index], cotangent.shape != entry.shape {
                throw ChartInputError(
                    "the cotangent of entry \(entry.index) (\(entry.op)) has shape \(cotangent.shape), "
                        + "the entry \(entry.shape): the gradients belong to another tape")
            }
        }
        return norms(gradients, count: entries.count)
    }

    private static func norms<Scalar>(_ gradients: Gradients<Scalar>, count: Int) -> [Double?] {
        (0..<count).map { index in
            index < gradients.cotangents.count ? gradients.cotangents[index].map { norm(of: $0) } : nil
        }
    }

    // MARK: Drawing

    private enum Palette {
        static let opBorder = RGBColor(hex: 0x8A99AD)
        static let parameterFill = RGBColor(hex: 0xE3F1DF)
        static let parameterBorder = RGBColor(hex: 0x5E9155)
        static let constantFill = RGBColor(hex: 0xF1F1F1)
        static let constantBorder = RGBColor(hex: 0x9A9A9A)
        static let outputFill = RGBColor(hex: 0xFFE4C2)
        static let outputBorder = RGBColor(hex: 0xD9822B)
        static let clusterFill = RGBColor(hex: 0xF5F8FC)
        static let clusterBorder = RGBColor(hex: 0xB3C0D1)
        static let layerHeader = RGBColor(hex: 0xD5E5F7)
        static let edge = RGBColor(hex: 0x6F7D8E)
        static let noGradient = RGBColor(hex: 0xB5B5B5)
        static let vanishing = RGBColor(hex: 0x2166AC)
        static let normal = RGBColor(hex: 0x767676)
        static let exploding = RGBColor(hex: 0xC62828)
        static let vanishingFill = RGBColor(hex: 0xD6E6F5)
        static let explodingFill = RGBColor(hex: 0xF9D9D6)

        static func color(_ band: GradientBand) -> RGBColor {
            switch band {
            case .vanishing: vanishing
            case .normal: normal
            case .exploding: exploding
            }
        }
    }

    /// The layers of the drawn entries: which group each entry belongs to, in order of each
    /// group's first op.
    private struct Grouping {
        /// The distinct labels, ordered by their first op.
        var labels: [String] = []
        /// The index into `labels` of each entry's group, `nil` for an ungrouped entry.
        var groupOfEntry: [Int?] = []
        /// The entries of each group, in tape order.
        var members: [[Int]] = []

        init(_ entries: [TapeEntry]) {
            var consumerLabels = [Set<String?>](repeating: [], count: entries.count)
            for entry in entries {
                for operand in entry.inputs where operand < entries.count {
                    consumerLabels[operand].insert(entry.label)
                }
            }
            let effective: [String?] = entries.map { entry in
                if let label = entry.label { return label }
                let consumers = consumerLabels[entry.index]
                guard entry.kind == .variable, consumers.count == 1, let only = consumers.first else { return nil }
                return only
            }
            var firstOp: [String: Int] = [:]
            var firstAny: [String: Int] = [:]
            for (entry, label) in zip(entries, effective) {
                guard let label else { continue }
                if firstAny[label] == nil { firstAny[label] = entry.index }
                if entry.kind == .operation, firstOp[label] == nil { firstOp[label] = entry.index }
            }
            // A layer's parameters come first on the tape; its first op says where it runs.
            let order = { (label: String) in (firstOp[label] ?? firstAny[label] ?? 0, firstAny[label] ?? 0) }
            labels = firstAny.keys.sorted { order($0) < order($1) }
            let position = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
            groupOfEntry = effective.map { $0.flatMap { position[$0] } }
            members = Array(repeating: [], count: labels.count)
            for (index, group) in groupOfEntry.enumerated() { if let group { members[group].append(index) } }
        }
    }

    /// Builds the graph: clusters of op nodes (or one node per layer), edges, legend.
    public func makeGraph() -> DOTGraph {
        var graph = DOTGraph(.digraph, name: "tape")
        graph.graphAttributes = [
            "rankdir": .string(direction.rankdir), "bgcolor": "white", "pad": 0.2, "nodesep": 0.25,
            "ranksep": 0.32, "fontname": .string(ChartTheme.font), "fontcolor": .string(ChartTheme.text.hex),
            "labelloc": "t", "labeljust": "l", "label": .html(legend()),
        ]
        graph.nodeDefaults = [
            "shape": "box", "style": "rounded,filled", "fillcolor": "white",
            "color": .string(Palette.opBorder.hex), "fontname": .string(ChartTheme.font),
            "fontcolor": .string(ChartTheme.text.hex), "margin": "0.12,0.04",
        ]
        graph.edgeDefaults = [
            "color": .string(Palette.edge.hex), "arrowsize": 0.6, "fontname": .string(ChartTheme.font),
            "fontsize": 8, "fontcolor": .string(ChartTheme.mutedText.hex),
        ]
        if entries.isEmpty {
            graph.addNode("empty", [
                "label": "empty tape", "style": "dashed", "fontcolor": .string(ChartTheme.mutedText.hex),
            ])
            return graph
        }
        let grouping = Grouping(entries)
        let edges = EdgeStyle(graph: self)
        if collapsesLayers {
            addCollapsed(grouping, edges: edges, to: &graph)
        } else {
            addExpanded(grouping, edges: edges, to: &graph)
        }
        return graph
    }

    // MARK: Expanded

    private func addExpanded(_ grouping: Grouping, edges: EdgeStyle, to graph: inout DOTGraph) {
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
                // A rank of slack between layers lets the next layer's parameters sit below
                // the previous layer, so the clusters stack instead of stepping sideways.
                let tailGroup = grouping.groupOfEntry[operand], headGroup = grouping.groupOfEntry[entry.index]
                if tailGroup != headGroup { attributes["minlen"] = 2 }
                graph.addEdge(from: Self.entryID(operand), to: Self.entryID(entry.index), attributes)
            }
        }
    }

    private func cluster(for label: String) -> DOTSubgraph {
        DOTSubgraph.cluster(label, label: label, graphAttributes: [
            "style": "rounded,filled", "fillcolor": .string(Palette.clusterFill.hex),
            "color": .string(Palette.clusterBorder.hex), "fontname": .string(ChartTheme.boldFont),
            "fontsize": 10, "fontcolor": .string(ChartTheme.mutedText.hex), "labeljust": "r", "margin": 10,
        ])
    }

    private static func entryID(_ index: Int) -> String { "e\(index)" }

    /// A node for one entry: an op, a parameter, a constant, or the output.
    private func entryAttributes(_ entry: TapeEntry) -> DOTAttributes {
        var lines = [HTMLLabel.text(entry.name ?? entry.op, size: entry.kind == .operation ? 11 : 10, bold: true),
                     HTMLLabel.text(Self.shapeText(entry.shape), size: 9, color: ChartTheme.mutedText)]
        var attributes: DOTAttributes = [:]
        switch entry.kind {
        case .operation:
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
    private static func stacked(_ lines: [String]) -> String {
        "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"0\">"
            + lines.map { "<TR><TD>" + $0 + "</TD></TR>" }.joined() + "</TABLE>"
    }

    // MARK: Collapsed

    private func addCollapsed(_ grouping: Grouping, edges: EdgeStyle, to graph: inout DOTGraph) {
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
    private func layerTable(label: String, members: [TapeEntry]) -> String {
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

    // MARK: Edges and legend

    /// How edges look: plain, or coloured and labelled by the cotangent of their source.
    private struct EdgeStyle {
        let graph: TapeGraph
        /// Whether the gradients kept the cotangents of ops, so edges from ops can be
        /// annotated too (computed once: a tape can be long).
        let annotatesOps: Bool

        init(graph: TapeGraph) {
            self.graph = graph
            let norms = graph.gradientNorms
            annotatesOps = norms.map { norms in
                graph.entries.contains { $0.kind == .operation && norms[$0.index] != nil }
            } ?? false
        }

        /// An edge carrying entry `source`'s value.
        func attributes(from source: Int) -> DOTAttributes {
            guard let norms = graph.gradientNorms, annotatesOps || graph.entries[source].kind != .operation
            else { return [:] }
            guard let norm = norms[source] else {
                return ["color": .string(Palette.noGradient.hex), "style": "dashed"]
            }
            let color = Palette.color(graph.band(forNorm: norm)).hex
            return ["label": .string(TapeGraph.formattedNorm(norm)), "fontcolor": .string(color), "color": .string(color),
                    "penwidth": .number(penWidth(forNorm: norm))]
        }

        /// 1 at the vanishing threshold and below, growing linearly with the log of the norm
        /// to 2.5 at the exploding threshold; 3 beyond it.
        private func penWidth(forNorm norm: Double) -> Double {
            let thresholds = graph.thresholds
            let ratio = norm / graph.referenceNorm
            guard ratio.isFinite, ratio <= thresholds.exploding else { return 3 }
            guard ratio > 0, thresholds.vanishing > 0, thresholds.exploding > thresholds.vanishing else { return 1 }
            let low = log10(thresholds.vanishing), high = log10(thresholds.exploding)
            return 1 + 1.5 * min(max((log10(ratio) - low) / (high - low), 0), 1)
        }
    }

    /// The heading: title, entry counts, and with gradients the colour key.
    private func legend() -> String {
        let count = { (kind: TapeEntry.Kind, noun: String) -> String in
            let n = self.entries.filter { $0.kind == kind }.count
            return "\(n) \(noun)\(n == 1 ? "" : "s")"
        }
        let summary = "\(entries.count) entries: " + count(.operation, "op") + ", "
            + count(.variable, "parameter") + ", " + count(.constant, "constant")
            + (collapsesLayers ? "; one node per layer" : "")
        var lines = [
            HTMLLabel.text(title, size: 14, bold: true), HTMLLabel.text(summary, size: 9, color: ChartTheme.mutedText),
        ]
        if let gradientNorms { lines += gradientKey(gradientNorms) }
        // The empty last row keeps the first nodes clear of the heading.
        return "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">"
            + lines.map { "<TR>" + HTMLLabel.cell($0, [("ALIGN", "LEFT")]) + "</TR>" }.joined()
            + "<TR>" + HTMLLabel.cell("", [("HEIGHT", "8")]) + "</TR></TABLE>"
    }

    /// The colour key, an explanation of the numbers and how many parameters fall in each band.
    private func gradientKey(_ norms: [Double?]) -> [String] {
        var counts: [GradientBand: Int] = [:]
        for entry in entries where entry.kind == .variable {
            if let norm = norms[entry.index] { counts[band(forNorm: norm), default: 0] += 1 }
        }
        let seed = "‖seed‖"
        let vanishing = Self.threshold(thresholds.vanishing), exploding = Self.threshold(thresholds.exploding)
        let items: [(String, RGBColor, String)] = [
            ("━━", Palette.vanishing, "vanishing: ‖∇‖ < \(vanishing) × \(seed) (zero included)"),
            ("━━", Palette.normal, "normal"),
            ("━━", Palette.exploding, "exploding: ‖∇‖ > \(exploding) × \(seed), NaN or ∞"),
            ("╌╌", Palette.noGradient, "no gradient flows"),
        ]
        var lines = items.map { glyph, color, text in
            HTMLLabel.text(glyph + " ", size: 10, color: color, bold: true) + HTMLLabel.text(text, size: 9)
        }
        let notes = [
            "Numbers: L2 norm ‖∇‖ of the cotangent of the tensor on the edge; \(seed) = "
                + Self.formattedNorm(referenceNorm) + ".",
            "Gradients flow against the arrows; line width grows with log ‖∇‖.",
            "Parameters: " + GradientBand.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue)" }
                .joined(separator: " · "),
        ]
        lines += notes.map { HTMLLabel.text($0, size: 9, color: ChartTheme.mutedText) }
        return lines
    }

    /// `1e-6` for a power of ten, otherwise like ``formattedNorm(_:)``.
    private static func threshold(_ value: Double) -> String {
        let exponent = log10(value)
        guard exponent.isFinite, exponent == exponent.rounded() else { return formattedNorm(value) }
        return "1e\(Int(exponent))"
    }

    /// `(2, 64)`, or `scalar` for a rank-0 shape.
    static func shapeText(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
