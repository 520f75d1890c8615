import Tapestry

/// A layer-level diagram of a model, in the spirit of Keras's `plot_model`, drawn from the
/// model's `ModelDescription` alone: one node per input and per layer, and an edge for
/// every input a node takes — chains, branches, merges, several outputs and shared layers.
///
/// Each node is a small table: a header `name (Type)`, then the rows the options ask for —
/// the output shape as Keras prints it (`(None, 26, 26, 32)`, `None` standing for the
/// batch, `?` when unknown), the activation, the parameter count grouped in thousands like
/// `summary()` (`50,240`) and whether the parameters are trainable. A footnote gives the
/// model's totals. Layers with parameters have a blue header, layers without a gray one,
/// inputs a green one, and models used as layers a violet one.
///
/// - A node that takes several inputs (a merge, or a layer shared by several paths) gets
///   one edge per input, in operand order, each labelled at its head with the operand's
///   position (`1`, `2`, …). A shared layer is drawn once.
/// - A model used as a layer is one box with its totals and its number of layers, or with
///   ``expandsNested`` a cluster of its own nodes (Keras's `expand_nested`); the edges into
///   it go to its inputs (operand *k* to input *k*) and the edges out of it leave from its
///   outputs.
/// - An input naming no earlier node of its description is drawn as a dashed `missing:`
///   node, so a faulty description shows where it is faulty.
///
/// The diagram is a snapshot: it copies the description when it is made, so it is
/// `Sendable` and its DOT text is deterministic (the same description gives the same bytes).
///
/// ```swift
/// let diagram = ModelDiagram(model, direction: .leftToRight, showsTrainability: true)
/// try diagram.write(to: URL(fileURLWithPath: "model.svg"))
/// ```
public struct ModelDiagram: GraphvizPicture {
    /// The structure drawn (names and type names are user text, escaped).
    public var model: ModelDescription
    /// Top to bottom (the default) or left to right.
    public var direction: DiagramDirection
    /// Whether each node shows its output shape (Keras's `show_shapes`).
    public var showsShapes: Bool
    /// Whether layers with an activation show it (Keras's `show_layer_activations`).
    public var showsActivations: Bool
    /// Whether each layer shows if its parameters are trainable (Keras's `show_trainable`):
    /// `yes`, `no`, `partly`, or `–` for a layer without parameters.
    public var showsTrainability: Bool
    /// Whether models used as layers are drawn as clusters of their own nodes (Keras's
    /// `expand_nested`) rather than as one box.
    public var expandsNested: Bool
    /// Whether each node shows its output's scalar type (`float32`, Keras's `show_dtype`).
    public var showsDTypes: Bool
    /// Whether each layer shows its parameter count.
    public var showsParameterCounts: Bool

    /// Creates a diagram of `model`'s structure as it is now.
    public init(
        _ model: some ModelDescribing, direction: DiagramDirection = .topToBottom,
        showsShapes: Bool = true, showsActivations: Bool = true, showsTrainability: Bool = false,
        expandsNested: Bool = false, showsDTypes: Bool = false, showsParameterCounts: Bool = true
    ) {
        self.init(
            model.modelDescription, direction: direction, showsShapes: showsShapes,
            showsActivations: showsActivations, showsTrainability: showsTrainability,
            expandsNested: expandsNested, showsDTypes: showsDTypes, showsParameterCounts: showsParameterCounts)
    }

    /// Creates a diagram of a description, for example one written by hand for a model
    /// that does not describe itself.
    public init(
        _ description: ModelDescription, direction: DiagramDirection = .topToBottom,
        showsShapes: Bool = true, showsActivations: Bool = true, showsTrainability: Bool = false,
        expandsNested: Bool = false, showsDTypes: Bool = false, showsParameterCounts: Bool = true
    ) {
        self.showsDTypes = showsDTypes
        self.showsParameterCounts = showsParameterCounts
        self.model = description
        self.direction = direction
        self.showsShapes = showsShapes
        self.showsActivations = showsActivations
        self.showsTrainability = showsTrainability
        self.expandsNested = expandsNested
    }

    /// Always `dot`: a layered drawing.
    public var layout: Graphviz.Layout { .dot }

    /// Builds the graph: the nodes (nested models as clusters when expanded), then every edge.
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
        graph.edgeDefaults = ["color": .string(Style.edge.hex), "arrowsize": 0.7, "penwidth": 1.2]

        let scope = Scope(model, id: "node", expandsNested: expandsNested)
        scope.addNodes(of: self, to: &graph)
        var missing = MissingNodes()
        scope.addEdges(to: &graph, missing: &missing)
        return graph
    }

    /// `sequential · 55,050 params (55,050 trainable)`.
    private var footnote: String {
        model.name + " · " + model.parameterCount.groupedByThousands + " params ("
            + model.trainableParameterCount.groupedByThousands + " trainable)"
    }
}
