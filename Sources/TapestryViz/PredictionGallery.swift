/// A grid of images with the model's verdict on each: the image (drawn from its pixels by
/// Graphviz), the predicted and true class names, and a probability bar per class.
///
/// Correct cards have a thin gray frame and a blue predicted bar; wrong cards have a red
/// frame, a red predicted bar, a red "✗ predicted" caption, and the true class's bar in
/// green. The true class's name is bold in every bar list.
///
/// Each image is an HTML-like table with one cell per run of equal pixels in a row
/// (`COLSPAN`), fixed to `pixelSize` points per pixel; background cells get no colour of
/// their own, so only ink is drawn. Intensities are quantised to `grayLevels` levels to
/// make runs longer and the SVG smaller.
public struct PredictionGallery: GraphvizPicture {
    /// How intensities map to gray.
    public enum PixelStyle: Sendable, Equatable {
        /// 0 → white, 255 → black: dark ink on paper, as the products were photographed.
        case darkOnLight
        /// 0 → black, 255 → white: the data as stored.
        case lightOnDark
    }

    /// One classified image.
    public struct Item: Sendable, Equatable {
        /// The image.
        public var image: GrayscaleImage
        /// The model's probability for each class, in class-index order.
        public var probabilities: [Double]
        /// The index of the true class.
        public var trueClass: Int
        /// The index of the predicted class.
        public var predictedClass: Int

        /// Creates an item; `predictedClass` defaults to the most probable class (NaN
        /// probabilities are ignored).
        public init(image: GrayscaleImage, probabilities: [Double], trueClass: Int, predictedClass: Int? = nil) {
            self.image = image
            self.probabilities = probabilities
            self.trueClass = trueClass
            self.predictedClass = predictedClass ?? Self.mostProbable(probabilities)
        }

        /// Whether the prediction is right.
        public var isCorrect: Bool { predictedClass == trueClass }

        private static func mostProbable(_ probabilities: [Double]) -> Int {
            var best = 0
            var bestValue = -Double.infinity
            for (index, value) in probabilities.enumerated() where !value.isNaN && value > bestValue {
                best = index
                bestValue = value
            }
            return best
        }
    }

    /// The classified images, drawn left to right, top to bottom.
    public let items: [Item]
    /// The class names, in class-index order (user text, escaped).
    public let classNames: [String]
    /// The heading (user text, escaped); the count of correct predictions is appended.
    public var title: String
    /// Cards per row.
    public let columns: Int
    /// Points per image pixel.
    public let pixelSize: Int
    /// Number of gray levels the pixels are quantised to.
    public let grayLevels: Int
    /// How intensities map to gray.
    public var pixelStyle: PixelStyle

    /// Creates a gallery.
    ///
    /// - Throws: ``ChartInputError`` if there are no class names, an item's probabilities do
    ///   not match the classes, a class index is out of range, or `columns` (≥ 1),
    ///   `pixelSize` (1...20) or `grayLevels` (2...256) is out of range.
    public init(
        items: [Item], classNames: [String], title: String = "Predictions", columns: Int = 4,
        pixelSize: Int = 3, grayLevels: Int = 16, pixelStyle: PixelStyle = .darkOnLight
    ) throws {
        guard !classNames.isEmpty else { throw ChartInputError("a prediction gallery needs class names") }
        guard columns >= 1 else { throw ChartInputError("gallery columns must be at least 1, got \(columns)") }
        guard (1...20).contains(pixelSize) else { throw ChartInputError("pixel size must be 1...20, got \(pixelSize)") }
        guard (2...256).contains(grayLevels) else {
            throw ChartInputError("gray levels must be 2...256, got \(grayLevels)")
        }
        let range = 0..<classNames.count
        for (index, item) in items.enumerated() {
            guard item.probabilities.count == classNames.count else {
                throw ChartInputError(
                    "item \(index) has \(item.probabilities.count) probabilities for \(classNames.count) classes")
            }
            guard range.contains(item.trueClass), range.contains(item.predictedClass) else {
                throw ChartInputError(
                    "item \(index) names class \(item.trueClass) or \(item.predictedClass), "
                        + "outside 0..<\(classNames.count)")
            }
        }
        self.items = items
        self.classNames = classNames
        self.title = title
        self.columns = columns
        self.pixelSize = pixelSize
        self.grayLevels = grayLevels
        self.pixelStyle = pixelStyle
    }

    /// Always `dot`: the gallery is a single node.
    public var layout: Graphviz.Layout { .dot }

    private static let barLength = 60
    private static let barThickness = 6
    private static let barRowHeight = 9
    private static let track = RGBColor(hex: 0xEEEEEE)

    /// Builds the graph: one plain node whose label is the whole gallery.
    public func makeGraph() -> DOTGraph {
        let correct = items.filter(\.isCorrect).count
        let perRow = min(columns, max(items.count, 1))
        var rows: [String] = []
        rows.append(HTMLLabel.cell(
            HTMLLabel.text(title, size: 15, bold: true)
                + HTMLLabel.text("   \(correct) of \(items.count) correct", size: 11, color: ChartTheme.mutedText),
            [("COLSPAN", "\(perRow)")]))
        rows.append(HTMLLabel.cell(legend(), [("COLSPAN", "\(perRow)")]))
        if items.isEmpty {
            rows.append(HTMLLabel.cell(HTMLLabel.text("no images", size: 11, color: ChartTheme.mutedText)))
        }
        var index = 0
        while index < items.count {
            let end = min(index + perRow, items.count)
            rows.append(items[index..<end].map { HTMLLabel.cell(card($0), [("VALIGN", "TOP")]) }.joined())
            index = end
        }
        let table = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"8\" CELLPADDING=\"0\">"
            + rows.map { "<TR>" + $0 + "</TR>" }.joined() + "</TABLE>"

        var graph = DOTGraph(.digraph, name: "prediction_gallery")
        graph.graphAttributes = ["bgcolor": "white", "pad": 0.1]
        graph.nodeDefaults = ["fontname": .string(ChartTheme.font), "fontcolor": .string(ChartTheme.text.hex)]
        graph.addNode("gallery", ["shape": "plain", "label": .html(table)])
        return graph
    }

    /// One line of text: coloured squares name the bar colours.
    private func legend() -> String {
        func swatch(_ color: RGBColor, _ text: String) -> String {
            HTMLLabel.text("■ ", size: 11, color: color)
                + HTMLLabel.text(text + "      ", size: 9, color: ChartTheme.mutedText)
        }
        return swatch(ChartTheme.correct, "predicted, correct")
            + swatch(ChartTheme.wrong, "predicted, wrong")
            + swatch(ChartTheme.truth, "true class, when missed")
            + HTMLLabel.text("bold name = true class", size: 9, color: ChartTheme.mutedText)
    }

    private func card(_ item: Item) -> String {
        let frame = item.isCorrect ? RGBColor(hex: 0xC8C8C8) : ChartTheme.wrong
        let predictedName = classNames[item.predictedClass]
        let confidence = item.probabilities[item.predictedClass]
        let percent = confidence.isFinite ? " " + String(Int((min(max(confidence, 0), 1) * 100).rounded())) + "%" : ""
        let verdict = item.isCorrect
            ? HTMLLabel.text("✓ " + predictedName + percent, size: 10, color: ChartTheme.correct, bold: true)
            : HTMLLabel.text("✗ " + predictedName + percent, size: 10, color: ChartTheme.wrong, bold: true)
        let truth = HTMLLabel.text("true: " + classNames[item.trueClass], size: 9, color: ChartTheme.mutedText)

        return "<TABLE BORDER=\"\(item.isCorrect ? 1 : 2)\" COLOR=\"\(frame.hex)\" CELLBORDER=\"0\""
            + " CELLSPACING=\"4\" CELLPADDING=\"0\" BGCOLOR=\"#ffffff\">"
            + "<TR>" + HTMLLabel.cell(imageTable(item.image), [("VALIGN", "MIDDLE")])
            + HTMLLabel.cell(bars(item)) + "</TR>"
            + "<TR>" + HTMLLabel.cell(verdict, [("COLSPAN", "2"), ("ALIGN", "LEFT")]) + "</TR>"
            + "<TR>" + HTMLLabel.cell(truth, [("COLSPAN", "2"), ("ALIGN", "LEFT")]) + "</TR>"
            + "</TABLE>"
    }

    /// The image as a table of fixed-size cells, one per run of equal (quantised) pixels.
    func imageTable(_ image: GrayscaleImage) -> String {
        let levels = grayLevels - 1
        let darkOnLight = pixelStyle == .darkOnLight
        func shade(_ value: UInt8) -> Int {
            let level = (Int(value) * levels + 127) / 255
            let gray = (level * 255 + levels / 2) / levels
            return darkOnLight ? 255 - gray : gray
        }
        let background = shade(0)
        let size = pixelSize
        // FIXEDSIZE keeps Graphviz from stretching the rows to fill a taller card, which
        // would open gaps between pixel rows.
        var out = "<TABLE BORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\" FIXEDSIZE=\"TRUE\""
            + " WIDTH=\"\(image.columns * size)\" HEIGHT=\"\(image.rows * size)\""
            + " BGCOLOR=\"\(Self.hex(gray: background))\">"
        for row in 0..<image.rows {
            out += "<TR>"
            var column = 0
            while column < image.columns {
                let gray = shade(image[row, column])
                var end = column + 1
                while end < image.columns && shade(image[row, end]) == gray { end += 1 }
                let span = end - column
                out += "<TD FIXEDSIZE=\"TRUE\" WIDTH=\"\(span * size)\" HEIGHT=\"\(size)\""
                if span > 1 { out += " COLSPAN=\"\(span)\"" }
                // Background runs need no colour: the table's own background shows through.
                if gray != background { out += " BGCOLOR=\"\(Self.hex(gray: gray))\"" }
                out += "></TD>"
                column = end
            }
            out += "</TR>"
        }
        return out + "</TABLE>"
    }

    private static func hex(gray: Int) -> String {
        RGBColor(gray: UInt8(clamping: gray)).hex
    }

    /// One row per class: name, then a bar on a light track.
    private func bars(_ item: Item) -> String {
        var out = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\">"
        for (index, name) in classNames.enumerated() {
            let raw = item.probabilities[index]
            let probability = raw.isFinite ? min(max(raw, 0), 1) : 0
            let color: RGBColor
            if index == item.predictedClass {
                color = item.isCorrect ? ChartTheme.correct : ChartTheme.wrong
            } else if index == item.trueClass {
                color = ChartTheme.truth
            } else {
                color = ChartTheme.neutralBar
            }
            let nameColor = index == item.predictedClass || index == item.trueClass ? color : ChartTheme.mutedText
            out += "<TR>"
            out += HTMLLabel.cell(
                HTMLLabel.text(name, size: 7, color: nameColor, bold: index == item.trueClass),
                [("ALIGN", "RIGHT"), ("HEIGHT", "\(Self.barRowHeight)")])
            out += HTMLLabel.cell("", [("WIDTH", "3")])
            out += HTMLLabel.cell(bar(length: Int((probability * Double(Self.barLength)).rounded()), color: color))
            out += "</TR>"
        }
        return out + "</TABLE>"
    }

    private func bar(length: Int, color: RGBColor) -> String {
        let full = Self.barLength, thickness = Self.barThickness
        func segment(_ width: Int, _ background: RGBColor) -> String {
            HTMLLabel.cell("", [
                ("WIDTH", "\(width)"), ("HEIGHT", "\(thickness)"), ("FIXEDSIZE", "TRUE"), ("BGCOLOR", background.hex),
            ])
        }
        let cells: String
        switch length {
        case ..<1: cells = segment(full, Self.track)
        case full...: cells = segment(full, color)
        default: cells = segment(length, color) + segment(full - length, Self.track)
        }
        return "<TABLE BORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\" FIXEDSIZE=\"TRUE\" WIDTH=\"\(full)\""
            + " HEIGHT=\"\(thickness)\"><TR>" + cells + "</TR></TABLE>"
    }
}
