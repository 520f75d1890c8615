import Foundation
import Tapestry

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
    ///   - tape: The tape whose entries are drawn.
    ///   - output: The index of the entry to highlight as the output; the last entry when
    ///     `nil`.
    ///   - gradients: A backward sweep of this tape, ideally `keepingIntermediates: true`.
    ///   - collapsesLayers: Whether each layer's ops are drawn as one node.
    ///   - direction: Top to bottom (the default) or left to right.
    ///   - title: The heading above the graph.
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
}
