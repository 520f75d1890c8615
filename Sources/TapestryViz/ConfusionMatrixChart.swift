/// A confusion-matrix heatmap: row = true class, column = predicted class.
///
/// Each cell shows its count on a sequential blue scale (square-root scaled, so that small
/// off-diagonal error counts stay visible next to a large diagonal) with black or white
/// text, whichever contrasts more. A recall column, a precision row, the overall accuracy
/// and a colour key frame the matrix. The whole chart is one HTML-like table laid out by
/// `dot`.
///
/// ```swift
/// let chart = try ConfusionMatrixChart(counts: matrix, classNames: FashionMNIST.classNames)
/// try chart.write(to: URL(fileURLWithPath: "confusion.svg"))
/// ```
public struct ConfusionMatrixChart: GraphvizPicture {
    /// `counts[t][p]`: how many samples of true class `t` were predicted as class `p`.
    public let counts: [[Int]]
    /// The class names, in class-index order (user text, escaped).
    public let classNames: [String]
    /// The heading above the matrix (user text, escaped).
    public var title: String

    /// Creates a confusion-matrix chart.
    ///
    /// - Throws: ``ChartInputError`` unless `counts` is an n×n matrix of non-negative counts
    ///   with n = `classNames.count` ≥ 1.
    public init(counts: [[Int]], classNames: [String], title: String = "Confusion matrix") throws {
        let n = classNames.count
        guard n >= 1 else { throw ChartInputError("a confusion matrix needs at least one class") }
        guard counts.count == n else {
            throw ChartInputError("confusion matrix has \(counts.count) rows for \(n) class names")
        }
        for (row, values) in counts.enumerated() {
            guard values.count == n else {
                throw ChartInputError("confusion matrix row \(row) has \(values.count) columns, expected \(n)")
            }
            if let column = values.firstIndex(where: { $0 < 0 }) {
                throw ChartInputError("confusion matrix count at row \(row), column \(column) is negative")
            }
        }
        self.counts = counts
        self.classNames = classNames
        self.title = title
    }

    /// Always `dot`: the chart is a single node.
    public var layout: Graphviz.Layout { .dot }

    private static let scale = SequentialScale.blues
    private static let summaryBackground = RGBColor(hex: 0xF2F2F2)

    /// Where `count` falls on the colour scale, 0...1.
    private static func intensity(_ count: Int, maximum: Int) -> Double {
        maximum > 0 ? (Double(count) / Double(maximum)).squareRoot() : 0
    }

    /// Builds the graph: one plain node whose label is the table.
    public func makeGraph() -> DOTGraph {
        let n = classNames.count
        // Sums in Double: no overflow trap whatever the counts.
        let rowTotals = counts.map { $0.reduce(0.0) { $0 + Double($1) } }
        let columnTotals = (0..<n).map { column in counts.reduce(0.0) { $0 + Double($1[column]) } }
        let correct = (0..<n).reduce(0.0) { $0 + Double(counts[$1][$1]) }
        let total = rowTotals.reduce(0, +)
        let maximum = counts.joined().max() ?? 0
        let columns = n + 2

        var rows: [String] = []
        rows.append(HTMLLabel.cell(HTMLLabel.text(title, size: 15, bold: true), [("COLSPAN", "\(columns)")]))
        let summary = "accuracy " + HTMLLabel.percent(correct, of: total)
            + " (\(DOT.number(correct, decimals: 0)) of \(DOT.number(total, decimals: 0)) correct)"
        rows.append(HTMLLabel.cell(
            HTMLLabel.text(summary, size: 10, color: ChartTheme.mutedText), [("COLSPAN", "\(columns)")]))
        rows.append(
            HTMLLabel.cell()
                + HTMLLabel.cell(
                    HTMLLabel.text("predicted class →", size: 10, color: ChartTheme.mutedText, bold: true),
                    [("COLSPAN", "\(n)")])
                + HTMLLabel.cell())
        rows.append(
            HTMLLabel.cell(
                HTMLLabel.text("true class ↓", size: 10, color: ChartTheme.mutedText, bold: true),
                [("ALIGN", "RIGHT"), ("VALIGN", "BOTTOM")])
                + classNames.map {
                    HTMLLabel.cell(HTMLLabel.text($0, size: 9, bold: true), [("VALIGN", "BOTTOM")])
                }.joined()
                + HTMLLabel.cell(
                    HTMLLabel.text("recall", size: 9, color: ChartTheme.mutedText, bold: true),
                    [("VALIGN", "BOTTOM")]))

        for (trueClass, name) in classNames.enumerated() {
            var row = HTMLLabel.cell(HTMLLabel.text(name, size: 9, bold: true), [("ALIGN", "RIGHT")])
            for predicted in 0..<n {
                let count = counts[trueClass][predicted]
                let background = Self.scale.color(at: Self.intensity(count, maximum: maximum))
                let ink = count == 0 ? RGBColor(hex: 0xA0A0A0) : background.contrastingText
                row += HTMLLabel.cell(
                    HTMLLabel.text(String(count), size: 10, color: ink, bold: predicted == trueClass),
                    [("BGCOLOR", background.hex), ("WIDTH", "46"), ("HEIGHT", "30")])
            }
            row += HTMLLabel.cell(
                HTMLLabel.text(
                    HTMLLabel.percent(Double(counts[trueClass][trueClass]), of: rowTotals[trueClass]), size: 9),
                [("BGCOLOR", Self.summaryBackground.hex), ("WIDTH", "46")])
            rows.append(row)
        }
        rows.append(
            HTMLLabel.cell(
                HTMLLabel.text("precision", size: 9, color: ChartTheme.mutedText, bold: true), [("ALIGN", "RIGHT")])
                + (0..<n).map { column in
                    HTMLLabel.cell(
                        HTMLLabel.text(
                            HTMLLabel.percent(Double(counts[column][column]), of: columnTotals[column]), size: 9),
                        [("BGCOLOR", Self.summaryBackground.hex), ("HEIGHT", "22")])
                }.joined()
                + HTMLLabel.cell())
        rows.append(HTMLLabel.cell(colorKey(maximum: maximum), [("COLSPAN", "\(columns)"), ("ALIGN", "RIGHT")]))

        let table = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"3\">"
            + rows.map { "<TR>" + $0 + "</TR>" }.joined() + "</TABLE>"
        var graph = DOTGraph(.digraph, name: "confusion_matrix")
        graph.graphAttributes = ["bgcolor": "white", "pad": 0.15]
        graph.nodeDefaults = ["fontname": .string(ChartTheme.font), "fontcolor": .string(ChartTheme.text.hex)]
        graph.addNode("matrix", ["shape": "plain", "label": .html(table)])
        return graph
    }

    /// A row of swatches labelled with the counts they stand for.
    private func colorKey(maximum: Int) -> String {
        let steps = 6
        let labelWidth = 40, swatchWidth = 36, swatchHeight = 16
        var cells = HTMLLabel.cell(
            HTMLLabel.text("count", size: 9, color: ChartTheme.mutedText),
            [("WIDTH", "\(labelWidth)"), ("HEIGHT", "\(swatchHeight)"), ("FIXEDSIZE", "TRUE")])
        var swatches = 0
        var previous = -1
        for step in 0..<steps {
            // Invert the square-root scale so the swatches are evenly spaced in colour.
            let fraction = Double(step) / Double(steps - 1)
            let value = Int((fraction * fraction * Double(maximum)).rounded())
            if value == previous { continue }
            previous = value
            swatches += 1
            let background = Self.scale.color(at: Self.intensity(value, maximum: maximum))
            cells += HTMLLabel.cell(
                HTMLLabel.text(String(value), size: 8, color: background.contrastingText),
                [("BGCOLOR", background.hex), ("WIDTH", "\(swatchWidth)"), ("HEIGHT", "\(swatchHeight)"),
                 ("FIXEDSIZE", "TRUE")])
        }
        // A fixed size keeps the key compact instead of stretched across the matrix.
        let width = labelWidth + swatches * swatchWidth + swatches + 2
        return "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"0\""
            + " FIXEDSIZE=\"TRUE\" WIDTH=\"\(width)\" HEIGHT=\"\(swatchHeight + 2)\"><TR>" + cells + "</TR></TABLE>"
    }
}
