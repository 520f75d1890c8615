import Foundation
import Tapestry

// The heading above the graph: title, entry counts and the gradient colour key.
extension TapeGraph {
    /// The heading: title, entry counts, and with gradients the colour key.
    func legend() -> String {
        let count = { (kind: TapeEntry.Kind, noun: String) -> String in
            let n = self.entries.filter { $0.kind == kind }.count
            return "\(n) \(noun)\(n == 1 ? "" : "s")"
        }
        let backward = entries.filter { $0.kind == .operation && $0.isBackward }.count
        let summary = "\(entries.count) entries: " + count(.operation, "op")
            + (backward > 0 ? " (\(backward) recorded by backward sweeps)" : "") + ", "
            + count(.variable, "parameter") + ", " + count(.constant, "constant")
            + (collapsesLayers ? "; one node per layer" : "")
        var lines = [
            HTMLLabel.text(title, size: 14, bold: true), HTMLLabel.text(summary, size: 9, color: ChartTheme.mutedText),
        ]
        if backward > 0 { lines += derivativeOrderKey() }
        if let gradientNorms { lines += gradientKey(gradientNorms) }
        // The empty last row keeps the first nodes clear of the heading.
        return "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"1\">"
            + lines.map { "<TR>" + HTMLLabel.cell($0, [("ALIGN", "LEFT")]) + "</TR>" }.joined()
            + "<TR>" + HTMLLabel.cell("", [("HEIGHT", "8")]) + "</TR></TABLE>"
    }

    /// The key to the ops' colours on a tape with ops recorded by backward sweeps: forward
    /// ops, then one row per derivative order present.
    func derivativeOrderKey() -> [String] {
        let orders = Set(entries.filter { $0.kind == .operation }.map(\.derivativeOrder)).sorted()
        return orders.map { order in
            guard order > 0 else {
                return HTMLLabel.text("■ ", size: 10, color: Palette.opBorder, bold: true)
                    + HTMLLabel.text("forward ops (white)", size: 9)
            }
            let meaning = order == 1 ? "the first derivative's ops" : "ops of derivative order \(order)"
            return HTMLLabel.text("■ ", size: 10, color: Palette.backwardBorder(order: order), bold: true)
                + HTMLLabel.text("\(Self.orderText(order)): \(meaning), recorded by a backward sweep (createGraph)", size: 9)
        }
    }

    /// The colour key, an explanation of the numbers and how many parameters fall in each band.
    func gradientKey(_ norms: [Double?]) -> [String] {
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
    static func threshold(_ value: Double) -> String {
        let exponent = log10(value)
        guard exponent.isFinite, exponent == exponent.rounded() else { return formattedNorm(value) }
        return "1e\(Int(exponent))"
    }
}
