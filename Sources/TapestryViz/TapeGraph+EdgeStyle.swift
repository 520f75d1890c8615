import Foundation
import Tapestry

// Edge colours, labels and widths from the gradient norms.
extension TapeGraph {
    /// How edges look: plain, or coloured and labelled by the cotangent of their source.
    struct EdgeStyle {
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
        func penWidth(forNorm norm: Double) -> Double {
            let thresholds = graph.thresholds
            let ratio = norm / graph.referenceNorm
            guard ratio.isFinite, ratio <= thresholds.exploding else { return 3 }
            guard ratio > 0, thresholds.vanishing > 0, thresholds.exploding > thresholds.vanishing else { return 1 }
            let low = log10(thresholds.vanishing), high = log10(thresholds.exploding)
            return 1 + 1.5 * min(max((log10(ratio) - low) / (high - low), 0), 1)
        }
    }
}
