import Tapestry
import TapestryNN

/// A layer-level diagram of a model, in the spirit of Keras's `plot_model`: an input node,
/// then one node per layer, joined in order.
///
/// Each node is a small table: a header `name (Type)`, then the rows the options ask for —
/// the output shape as Keras prints it (`(None, 64)`, `None` standing for the batch), the
/// activation, the parameter count grouped in thousands like `summary()` (`50,240`) and
/// whether the parameters are trainable. A footnote gives the model's totals. Layers with
/// parameters have a blue header, layers without a gray one, the input a green one.
///
/// The diagram is a snapshot: it copies what it shows from the model when it is made, so
/// it is `Sendable` and its DOT text is deterministic (the same model gives the same bytes).
///
/// ```swift
/// let diagram = ModelDiagram(model, direction: .leftToRight, showsTrainability: true)
/// try diagram.write(to: URL(fileURLWithPath: "model.svg"))
/// ```
public struct ModelDiagram: GraphvizPicture {
    /// What the diagram shows about one layer.
    public struct LayerSummary: Sendable, Hashable {
        /// The layer's name (user text, escaped).
        public var name: String
        /// The layer's type, e.g. `Dense` (escaped).
        public var typeName: String
        /// The activation's name, e.g. `relu`, if the layer has one (escaped).
        public var activationName: String?
        /// The shape of one output sample, batch excluded; `nil` when unknown.
        public var outputShape: [Int]?
        /// The number of scalars in the layer's parameters.
        public var parameterCount: Int
        /// The number of those scalars that optimizers update.
        public var trainableParameterCount: Int

        /// Creates a layer summary.
        public init(
            name: String, typeName: String, activationName: String? = nil, outputShape: [Int]?,
            parameterCount: Int = 0, trainableParameterCount: Int? = nil
        ) {
            self.name = name
            self.typeName = typeName
            self.activationName = activationName
            self.outputShape = outputShape
            self.parameterCount = parameterCount
            self.trainableParameterCount = trainableParameterCount ?? parameterCount
        }

        /// Summarises `layer`, whose output samples have `outputShape`.
        public init<Scalar: TensorScalar>(_ layer: any TapestryNN.Layer<Scalar>, outputShape: [Int]?) {
            self.init(
                name: layer.name, typeName: layer.typeName, activationName: layer.activationName,
                outputShape: outputShape, parameterCount: layer.parameterCount,
                trainableParameterCount: layer.parameters.filter(\.isTrainable)
                    .reduce(0) { $0 + $1.value.scalarCount })
        }
    }

    /// The model's name, shown in the footnote (user text, escaped).
    public var modelName: String
    /// The shape of one input sample, batch excluded; `nil` when the model does not say.
    public var inputShape: [Int]?
    /// The layers, in order.
    public var layers: [LayerSummary]
    /// Top to bottom (the default) or left to right.
    public var direction: DiagramDirection
    /// Whether each node shows its output shape (Keras's `show_shapes`).
    public var showsShapes: Bool
    /// Whether layers with an activation show it (Keras's `show_layer_activations`).
    public var showsActivations: Bool
    /// Whether each layer shows if its parameters are trainable (Keras's `show_trainable`):
    /// `yes`, `no`, `partly`, or `–` for a layer without parameters.
    public var showsTrainability: Bool

    /// Creates a diagram of `model`.
    ///
    /// Output shapes come from the model's `inputShape`; without one, or from the first
    /// layer that rejects its input on, they are shown as `?`.
    public init<Scalar: TensorScalar>(
        _ model: Sequential<Scalar>, direction: DiagramDirection = .topToBottom,
        showsShapes: Bool = true, showsActivations: Bool = true, showsTrainability: Bool = false
    ) {
        var shape = model.inputShape
        let layers = model.layers.map { layer -> LayerSummary in
            shape = shape.flatMap { try? layer.outputShape(forInputShape: $0) }
            return LayerSummary(layer, outputShape: shape)
        }
        self.init(
            modelName: model.name, inputShape: model.inputShape, layers: layers, direction: direction,
            showsShapes: showsShapes, showsActivations: showsActivations, showsTrainability: showsTrainability)
    }

    /// Creates a diagram from layer summaries, for models that are not a `Sequential`.
    public init(
        modelName: String, inputShape: [Int]?, layers: [LayerSummary],
        direction: DiagramDirection = .topToBottom, showsShapes: Bool = true,
        showsActivations: Bool = true, showsTrainability: Bool = false
    ) {
        self.modelName = modelName
        self.inputShape = inputShape
        self.layers = layers
        self.direction = direction
        self.showsShapes = showsShapes
        self.showsActivations = showsActivations
        self.showsTrainability = showsTrainability
    }

    /// Always `dot`: a layered drawing.
    public var layout: Graphviz.Layout { .dot }

    private static let border = RGBColor(hex: 0x7D8FA6)
    private static let inputHeader = RGBColor(hex: 0xDDEFD9)
    private static let weightedHeader = RGBColor(hex: 0xD5E5F7)
    private static let plainHeader = RGBColor(hex: 0xE9E9E9)
    private static let edge = RGBColor(hex: 0x5F6B7A)

    /// Builds the graph: an input node and one table node per layer, in a chain.
    public func makeGraph() -> DOTGraph {
        var graph = DOTGraph(.digraph, name: "model")
        graph.graphAttributes = [
            "rankdir": .string(direction.rankdir), "bgcolor": "white", "pad": 0.2,
            "nodesep": 0.3, "ranksep": 0.3, "fontname": .string(ChartTheme.font), "fontsize": 10,
            "fontcolor": .string(ChartTheme.mutedText.hex), "labelloc": "b", "label": .string(footnote),
        ]
        graph.nodeDefaults = [
            "shape": "plain", "fontname": .string(ChartTheme.font), "fontcolor": .string(ChartTheme.text.hex),
        ]
        graph.edgeDefaults = ["color": .string(Self.edge.hex), "arrowsize": 0.7, "penwidth": 1.2]

        var inputRows: [(String, String)] = []
        if showsShapes { inputRows.append(("Input shape", Self.shapeText(inputShape))) }
        graph.addNode("input", ["label": .html(table(
            name: "input", typeName: "InputLayer", header: Self.inputHeader, rows: inputRows))])
        var previous = "input"
        for (index, layer) in layers.enumerated() {
            let id = "layer_\(index)"
            graph.addNode(id, ["label": .html(table(
                name: layer.name, typeName: layer.typeName,
                header: layer.parameterCount > 0 ? Self.weightedHeader : Self.plainHeader,
                rows: rows(for: layer)))])
            graph.addEdge(from: previous, to: id)
            previous = id
        }
        return graph
    }

    /// The table rows the options ask for, as (key, value) pairs.
    private func rows(for layer: LayerSummary) -> [(String, String)] {
        var rows: [(String, String)] = []
        if showsShapes { rows.append(("Output shape", Self.shapeText(layer.outputShape))) }
        if showsActivations, let activation = layer.activationName { rows.append(("Activation", activation)) }
        rows.append(("Params", Self.grouped(layer.parameterCount)))
        if showsTrainability { rows.append(("Trainable", Self.trainability(of: layer))) }
        return rows
    }

    /// `yes`, `no`, `partly`, or `–` for a layer without parameters.
    private static func trainability(of layer: LayerSummary) -> String {
        if layer.parameterCount == 0 { return "–" }
        if layer.trainableParameterCount == layer.parameterCount { return "yes" }
        return layer.trainableParameterCount == 0 ? "no" : "partly"
    }

    /// A node's table: the header `name (Type)` over two columns of rows.
    private func table(name: String, typeName: String, header: RGBColor, rows: [(String, String)]) -> String {
        let title = HTMLLabel.text(name, size: 11, bold: true)
            + HTMLLabel.text(" (" + typeName + ")", size: 10, color: ChartTheme.mutedText)
        var body = "<TR>" + HTMLLabel.cell(title, [("COLSPAN", "2"), ("BGCOLOR", header.hex), ("CELLPADDING", "5")])
            + "</TR>"
        if !rows.isEmpty { body += "<HR/>" }
        for (key, value) in rows {
            body += "<TR>"
                + HTMLLabel.cell(
                    HTMLLabel.text(key, size: 9, color: ChartTheme.mutedText), [("ALIGN", "LEFT"), ("WIDTH", "74")])
                + HTMLLabel.cell(HTMLLabel.text(value, size: 10), [("ALIGN", "LEFT"), ("WIDTH", "92")])
                + "</TR>"
        }
        return "<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\""
            + Self.border.hex + "\" BGCOLOR=\"white\">" + body + "</TABLE>"
    }

    /// `sequential · 55,050 params (55,050 trainable)`.
    private var footnote: String {
        let total = layers.reduce(0) { $0 + $1.parameterCount }
        let trainable = layers.reduce(0) { $0 + $1.trainableParameterCount }
        return modelName + " · " + Self.grouped(total) + " params (" + Self.grouped(trainable) + " trainable)"
    }

    /// `(None, 28, 28)` with the batch as `None`, `(None,)` for scalar samples, `?` when unknown.
    static func shapeText(_ shape: [Int]?) -> String {
        guard let shape else { return "?" }
        return shape.isEmpty ? "(None,)" : "(None, " + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// `50240` → `50,240`, as `summary()` writes parameter counts.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
