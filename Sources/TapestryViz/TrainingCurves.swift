/// Per-epoch metrics recorded while training; element `i` belongs to epoch `i + 1`.
///
/// Plain arrays, so this module does not depend on the training code. Values may be NaN or
/// infinite (a diverged run); the chart skips and reports them.
public struct TrainingHistory: Sendable, Equatable {
    /// Training loss per epoch.
    public var loss: [Double]
    /// Training accuracy per epoch (a fraction, 0...1).
    public var accuracy: [Double]
    /// Validation loss per epoch, if validated.
    public var validationLoss: [Double]?
    /// Validation accuracy per epoch, if validated.
    public var validationAccuracy: [Double]?

    /// Creates a history from per-epoch arrays (they may differ in length).
    public init(
        loss: [Double] = [], accuracy: [Double] = [],
        validationLoss: [Double]? = nil, validationAccuracy: [Double]? = nil
    ) {
        self.loss = loss
        self.accuracy = accuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
    }

    /// The number of epochs: the longest of the four arrays.
    public var epochCount: Int {
        [loss.count, accuracy.count, validationLoss?.count ?? 0, validationAccuracy?.count ?? 0].max() ?? 0
    }

    /// Whether any validation value was recorded.
    public var hasValidation: Bool {
        !(validationLoss ?? []).isEmpty || !(validationAccuracy ?? []).isEmpty
    }
}

/// Training curves: a loss panel and an accuracy panel side by side, each with nice 1-2-5
/// ticks, grid lines, axis labels, markers at the epochs, and training (solid blue, filled
/// markers) against validation (dashed orange, hollow markers) under a shared legend.
///
/// Every mark is placed in points and drawn by Graphviz's `nop2` engine: text and markers
/// are pinned nodes, each unbroken run of a series is one edge with an explicit spline.
/// NaN and infinite values are not plotted: they break the line, are marked with `×` on the
/// epoch axis and listed under the panel. Markers are omitted past 100 epochs.
///
/// ```swift
/// let chart = TrainingCurves(TrainingHistory(loss: loss, accuracy: acc,
///                                            validationLoss: valLoss, validationAccuracy: valAcc))
/// try chart.write(to: URL(fileURLWithPath: "curves.svg"))
/// ```
public struct TrainingCurves: GraphvizPicture {
    /// The metrics to draw.
    public var history: TrainingHistory
    /// The heading above both panels (user text, escaped).
    public var title: String

    /// Creates training curves for `history`.
    public init(_ history: TrainingHistory, title: String = "Training history") {
        self.history = history
        self.title = title
    }

    /// Always `nop2`: every mark is positioned by ``makeGraph()``.
    public var layout: Graphviz.Layout { .nop2 }

    /// One panel's content.
    private struct Panel {
        var title: String
        var metric: String
        var training: [Double]
        var validation: [Double]
        var limits: ClosedRange<Double>?
    }

    // Geometry, in points.
    private static let plotWidth = 300.0
    private static let plotHeight = 190.0
    private static let leftMargin = 64.0
    private static let rightMargin = 22.0
    private static let xInset = 10.0
    private static var panelWidth: Double { leftMargin + plotWidth + rightMargin }

    /// Builds the `nop2` graph of both panels.
    public func makeGraph() -> DOTGraph {
        let panels = [
            Panel(title: "Loss per epoch", metric: "loss",
                  training: history.loss, validation: history.validationLoss ?? [], limits: nil),
            Panel(title: "Accuracy per epoch", metric: "accuracy",
                  training: history.accuracy, validation: history.validationAccuracy ?? [], limits: 0...1),
        ]
        let needsNotes = panels.contains { panel in
            (panel.training + panel.validation).contains { !$0.isFinite }
        }
        let noteHeight = needsNotes ? 18.0 : 0
        let plotBottom = noteHeight + 44
        let plotTop = plotBottom + Self.plotHeight
        let width = 2 * Self.panelWidth
        // The title block grows upwards with each line of a multi-line title.
        let titleLines = Double(max(1, title.split(separator: "\n", omittingEmptySubsequences: false).count))
        let titleHeight = titleLines * NopCanvas.lineHeight(15)
        let height = plotTop + 58 + titleHeight

        var canvas = NopCanvas(width: width, height: height, name: "training_curves")
        canvas.text(title, x: width / 2, y: plotTop + 54 + titleHeight / 2, size: 15, bold: true)
        drawLegend(on: &canvas, centerX: width / 2, y: plotTop + 40)
        let epochAxis = NiceAxis(epochCount: history.epochCount)
        for (index, panel) in panels.enumerated() {
            drawPanel(
                panel, on: &canvas, originX: Double(index) * Self.panelWidth,
                plotBottom: plotBottom, epochAxis: epochAxis, noteY: needsNotes ? 9 : nil)
        }
        return canvas.graph
    }

    private func drawLegend(on canvas: inout NopCanvas, centerX: Double, y: Double) {
        var items: [(name: String, color: RGBColor, dashed: Bool)] = [("training", ChartTheme.training, false)]
        if history.hasValidation { items.append(("validation", ChartTheme.validation, true)) }
        let sampleLength = 28.0, gap = 6.0, spacing = 24.0
        let widths = items.map { sampleLength + gap + canvas.estimatedWidth(of: $0.name, size: 10) }
        var x = centerX - (widths.reduce(0, +) + spacing * Double(items.count - 1)) / 2
        for (item, itemWidth) in zip(items, widths) {
            canvas.line(
                from: CanvasPoint(x: x, y: y), to: CanvasPoint(x: x + sampleLength, y: y),
                color: item.color, width: 2, dashed: item.dashed)
            canvas.marker(
                at: CanvasPoint(x: x + sampleLength / 2, y: y), diameter: 6,
                fill: item.dashed ? RGBColor(hex: 0xFFFFFF) : item.color, stroke: item.color,
                strokeWidth: item.dashed ? 1.5 : 1)
            canvas.text(item.name, x: x + sampleLength + gap, y: y, anchor: .left, size: 10)
            x += itemWidth + spacing
        }
    }

    private func drawPanel(
        _ panel: Panel, on canvas: inout NopCanvas, originX: Double, plotBottom: Double,
        epochAxis: NiceAxis, noteY: Double?
    ) {
        let left = originX + Self.leftMargin
        let right = left + Self.plotWidth
        let top = plotBottom + Self.plotHeight
        let valueAxis = NiceAxis(covering: panel.training + panel.validation, limits: panel.limits)
        let place = { (epoch: Int, value: Double) -> CanvasPoint in
            CanvasPoint(
                x: left + Self.xInset
                    + epochAxis.fraction(of: Double(epoch)) * (Self.plotWidth - 2 * Self.xInset),
                y: plotBottom + valueAxis.fraction(of: value) * Self.plotHeight)
        }

        // Grid lines and ticks.
        for tick in valueAxis.ticks {
            let y = place(1, tick).y
            canvas.line(from: CanvasPoint(x: left, y: y), to: CanvasPoint(x: right, y: y), color: ChartTheme.grid)
            canvas.line(from: CanvasPoint(x: left - 4, y: y), to: CanvasPoint(x: left, y: y), color: ChartTheme.axis)
            canvas.text(valueAxis.label(for: tick), x: left - 7, y: y, anchor: .right, size: 9)
        }
        for tick in epochAxis.ticks {
            let x = place(Int(tick), valueAxis.lower).x
            canvas.line(from: CanvasPoint(x: x, y: plotBottom), to: CanvasPoint(x: x, y: top), color: ChartTheme.grid)
            canvas.line(
                from: CanvasPoint(x: x, y: plotBottom - 4), to: CanvasPoint(x: x, y: plotBottom),
                color: ChartTheme.axis)
            canvas.text(String(Int(tick)), x: x, y: plotBottom - 13, size: 9)
        }
        // Frame, then the two axes on top of it.
        canvas.polyline(
            [CanvasPoint(x: right, y: plotBottom), CanvasPoint(x: right, y: top), CanvasPoint(x: left, y: top)],
            color: ChartTheme.frame)
        canvas.polyline(
            [CanvasPoint(x: left, y: top), CanvasPoint(x: left, y: plotBottom), CanvasPoint(x: right, y: plotBottom)],
            color: ChartTheme.axis)

        // Titles and axis labels.
        canvas.text(panel.title, x: (left + right) / 2, y: top + 14, size: 12, bold: true)
        canvas.text(panel.metric, x: left - 7, y: top + 14, anchor: .right, size: 9, color: ChartTheme.mutedText)
        canvas.text("epoch", x: (left + right) / 2, y: plotBottom - 29, size: 10, color: ChartTheme.mutedText)

        // Series: training first, so validation is drawn on top.
        var skipped: [String] = []
        for (values, isValidation) in [(panel.training, false), (panel.validation, true)] {
            let name = isValidation ? "validation" : "training"
            let bad = drawSeries(
                values, name: name, metric: panel.metric, validation: isValidation,
                on: &canvas, place: place, axisY: plotBottom + 7)
            if !bad.isEmpty { skipped.append(name + " " + Self.describeEpochs(bad)) }
        }
        let finiteCount = (panel.training + panel.validation).filter(\.isFinite).count
        if finiteCount == 0 {
            let message = panel.training.isEmpty && panel.validation.isEmpty ? "no data" : "no finite values"
            canvas.text(
                message, x: (left + right) / 2, y: (plotBottom + top) / 2, size: 11, color: ChartTheme.mutedText)
        }
        if let noteY, !skipped.isEmpty {
            canvas.text(
                "× not plotted (NaN or infinite): " + skipped.joined(separator: "; "),
                x: originX + 8, y: noteY, anchor: .left, size: 9, color: ChartTheme.warning)
        }
    }

    /// Draws one series and returns the epochs whose value is not finite.
    private func drawSeries(
        _ values: [Double], name: String, metric: String, validation: Bool,
        on canvas: inout NopCanvas, place: (Int, Double) -> CanvasPoint, axisY: Double
    ) -> [Int] {
        let color = validation ? ChartTheme.validation : ChartTheme.training
        let fill = validation ? RGBColor(hex: 0xFFFFFF) : color
        let showMarkers = values.count <= 100
        let diameter = values.count <= 30 ? 6.0 : 4.5
        var run: [(epoch: Int, point: CanvasPoint, value: Double)] = []
        var nonFinite: [Int] = []

        func marker(_ item: (epoch: Int, point: CanvasPoint, value: Double)) -> String {
            canvas.marker(
                at: item.point, diameter: diameter, fill: fill, stroke: color,
                strokeWidth: validation ? 1.5 : 1,
                tooltip: "\(name) \(metric), epoch \(item.epoch): \(DOT.number(item.value, decimals: 4))")
        }
        func flush() {
            defer { run.removeAll() }
            guard let first = run.first, let last = run.last else { return }
            if run.count == 1 {
                _ = marker(first)  // An isolated point is always marked, or it would vanish.
                return
            }
            let tail = showMarkers ? marker(first) : nil
            if showMarkers { for item in run.dropFirst().dropLast() { _ = marker(item) } }
            let head = showMarkers ? marker(last) : nil
            canvas.polyline(
                run.map(\.point), color: color, width: 2, dashed: validation, tail: tail, head: head,
                tooltip: "\(name) \(metric)")
        }

        for (index, value) in values.enumerated() {
            let epoch = index + 1
            if value.isFinite {
                run.append((epoch, place(epoch, value), value))
            } else {
                flush()
                nonFinite.append(epoch)
                canvas.text(
                    "×", x: place(epoch, 0).x, y: axisY, size: 11, color: color, bold: true,
                    tooltip: "\(name) \(metric), epoch \(epoch): \(value) (not plotted)")
            }
        }
        flush()
        return nonFinite
    }

    /// "epoch 4" or "epochs 4, 5, 9, 12, 13, 14 and 3 more".
    static func describeEpochs(_ epochs: [Int]) -> String {
        let shown = epochs.prefix(6).map(String.init).joined(separator: ", ")
        let rest = epochs.count > 6 ? " and \(epochs.count - 6) more" : ""
        return (epochs.count == 1 ? "epoch " : "epochs ") + shown + rest
    }
}
