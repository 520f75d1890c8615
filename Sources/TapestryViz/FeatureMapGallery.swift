/// Grids of small images made from numbers — a convolution's learned filters, the feature
/// maps an image produces after each layer — drawn by Graphviz from their values, like
/// ``PredictionGallery`` draws pixels.
///
/// Each section has a title and a grid of maps. A map is an HTML-like table with one cell
/// per run of equal (quantised) values in a row, fixed to `pixelSize` points per value;
/// zero-valued runs get no colour of their own, so only ink is drawn.
///
/// ```swift
/// let filters = try FeatureMapGallery.Section(
///     title: "conv2d: 32 learned 3×3 filters", maps: kernels, columns: 16, pixelSize: 8, shading: .diverging)
/// try FeatureMapGallery(title: "What the CNN sees", sections: [filters])
///     .write(to: URL(fileURLWithPath: "filters.svg"))
/// ```
public struct FeatureMapGallery: GraphvizPicture {
    /// How values map to colour.
    public enum Shading: Sendable, Equatable {
        /// Activations: each map's minimum white and its maximum black (a constant map
        /// stays white), so a map's pattern shows whatever its range.
        case ink
        /// Signed weights: negative blue, zero white, positive red, scaled by the largest
        /// magnitude in the section, so maps compare with each other.
        case diverging
    }

    /// One map: `rows × columns` values, row-major.
    public struct Map: Sendable, Equatable {
        /// Height in values.
        public let rows: Int
        /// Width in values.
        public let columns: Int
        /// Row-major values.
        public let values: [Double]

        /// Creates a map.
        ///
        /// - Throws: ``ChartInputError`` unless the sizes are positive, `values.count ==
        ///   rows × columns`, and every value is finite.
        public init(rows: Int, columns: Int, values: [Double]) throws {
            guard rows > 0, columns > 0 else { throw ChartInputError("map size \(rows)×\(columns) is not positive") }
            let (expected, overflow) = rows.multipliedReportingOverflow(by: columns)
            guard !overflow, values.count == expected else {
                throw ChartInputError("map of \(rows)×\(columns) was given \(values.count) values")
            }
            guard values.allSatisfy(\.isFinite) else { throw ChartInputError("map of \(rows)×\(columns) holds NaN or infinity") }
            self.rows = rows
            self.columns = columns
            self.values = values
        }
    }

    /// A titled grid of maps drawn alike.
    public struct Section: Sendable, Equatable {
        /// The heading above the grid (user text, escaped).
        public var title: String
        /// The maps, left to right, top to bottom.
        public var maps: [Map]
        /// Maps per row.
        public var columns: Int
        /// Points per value.
        public var pixelSize: Int
        /// How values map to colour.
        public var shading: Shading

        /// Creates a section.
        ///
        /// - Throws: ``ChartInputError`` unless `columns ≥ 1` and `pixelSize` is in 1...20.
        public init(title: String, maps: [Map], columns: Int = 8, pixelSize: Int = 2, shading: Shading = .ink) throws {
            guard columns >= 1 else { throw ChartInputError("section columns must be at least 1, got \(columns)") }
            guard (1...20).contains(pixelSize) else { throw ChartInputError("pixel size must be 1...20, got \(pixelSize)") }
            self.title = title
            self.maps = maps
            self.columns = columns
            self.pixelSize = pixelSize
            self.shading = shading
        }
    }

    /// The heading above all sections (user text, escaped).
    public var title: String
    /// The sections, top to bottom.
    public let sections: [Section]
    /// Colour steps on each side of zero the values are quantised to.
    public let levels: Int

    /// Creates a gallery.
    ///
    /// - Throws: ``ChartInputError`` unless `levels` is in 2...128.
    public init(title: String, sections: [Section], levels: Int = 8) throws {
        guard (2...128).contains(levels) else { throw ChartInputError("levels must be 2...128, got \(levels)") }
        self.title = title
        self.sections = sections
        self.levels = levels
    }

    /// Always `dot`: the gallery is a single node.
    public var layout: Graphviz.Layout { .dot }

    static let negative = RGBColor(hex: 0x2166AC)
    static let positive = RGBColor(hex: 0xB2182B)

    /// Builds the graph: one plain node whose label is the whole gallery.
    public func makeGraph() -> DOTGraph {
        var rows = [HTMLLabel.cell(HTMLLabel.text(title, size: 15, bold: true), [("ALIGN", "LEFT")])]
        for section in sections {
            rows.append(HTMLLabel.cell(HTMLLabel.text(section.title, size: 11, color: ChartTheme.mutedText),
                                       [("ALIGN", "LEFT")]))
            rows.append(HTMLLabel.cell(grid(section), [("ALIGN", "LEFT")]))
        }
        let table = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"6\" CELLPADDING=\"0\">"
            + rows.map { "<TR>" + $0 + "</TR>" }.joined() + "</TABLE>"
        var graph = DOTGraph(.digraph, name: "feature_maps")
        graph.graphAttributes = ["bgcolor": "white", "pad": 0.1]
        graph.nodeDefaults = ["fontname": .string(ChartTheme.font), "fontcolor": .string(ChartTheme.text.hex)]
        graph.addNode("gallery", ["shape": "plain", "label": .html(table)])
        return graph
    }

    private func grid(_ section: Section) -> String {
        if section.maps.isEmpty { return HTMLLabel.text("no maps", size: 11, color: ChartTheme.mutedText) }
        let largest = section.maps.lazy.flatMap(\.values).map(Swift.abs).max() ?? 0
        var out = "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"3\" CELLPADDING=\"0\">"
        var index = 0
        while index < section.maps.count {
            let end = min(index + section.columns, section.maps.count)
            out += "<TR>"
            for map in section.maps[index..<end] {
                let floor = section.shading == .ink ? (map.values.min() ?? 0) : 0
                let scale = section.shading == .ink ? (map.values.max() ?? 0) - floor : largest
                out += HTMLLabel.cell(mapTable(map, floor: floor, scale: scale, section: section), [("VALIGN", "TOP")])
            }
            out += "</TR>"
            index = end
        }
        return out + "</TABLE>"
    }

    /// The quantised level of `value` in `-levels...levels` (0 for zero or a zero scale).
    func level(_ value: Double, scale: Double, shading: Shading) -> Int {
        guard scale > 0 else { return 0 }
        let clipped = shading == .ink ? min(max(value, 0), scale) : min(max(value, -scale), scale)
        return Int((clipped / scale * Double(levels)).rounded())
    }

    func color(level: Int, shading: Shading) -> RGBColor {
        let t = Double(Swift.abs(level)) / Double(levels)
        let target: RGBColor = shading == .ink ? RGBColor(gray: 0) : (level < 0 ? Self.negative : Self.positive)
        return RGBColor(red: 1 + (target.red - 1) * t, green: 1 + (target.green - 1) * t, blue: 1 + (target.blue - 1) * t)
    }

    /// The map as a table of fixed-size cells, one per run of equal levels, on a thin frame.
    private func mapTable(_ map: Map, floor: Double, scale: Double, section: Section) -> String {
        let size = section.pixelSize
        var out = "<TABLE BORDER=\"1\" CELLBORDER=\"0\" COLOR=\"\(ChartTheme.frame.hex)\" CELLSPACING=\"0\" CELLPADDING=\"0\""
            + " FIXEDSIZE=\"TRUE\" WIDTH=\"\(map.columns * size)\" HEIGHT=\"\(map.rows * size)\" BGCOLOR=\"#ffffff\">"
        for row in 0..<map.rows {
            out += "<TR>"
            var column = 0
            while column < map.columns {
                let value = level(map.values[row * map.columns + column] - floor, scale: scale, shading: section.shading)
                var end = column + 1
                while end < map.columns
                        && level(map.values[row * map.columns + end] - floor, scale: scale, shading: section.shading) == value {
                    end += 1
                }
                let span = end - column
                out += "<TD FIXEDSIZE=\"TRUE\" WIDTH=\"\(span * size)\" HEIGHT=\"\(size)\""
                if span > 1 { out += " COLSPAN=\"\(span)\"" }
                if value != 0 { out += " BGCOLOR=\"\(color(level: value, shading: section.shading).hex)\"" }
                out += "></TD>"
                column = end
            }
            out += "</TR>"
        }
        return out + "</TABLE>"
    }
}
