/// One statement in the body of a graph or subgraph.
public enum DOTStatement: Sendable, Hashable {
    /// A node with its attributes.
    case node(id: String, attributes: DOTAttributes)
    /// An edge from `tail` to `head` (`->` in a digraph, `--` in a graph).
    case edge(tail: String, head: String, attributes: DOTAttributes)
    /// A nested subgraph or cluster.
    case subgraph(DOTSubgraph)
}

/// What a graph and a subgraph have in common: attribute defaults and a list of statements.
/// The `add…` methods are shared by ``DOTGraph`` and ``DOTSubgraph``.
public protocol DOTGraphBody: Sendable {
    /// Graph attributes (`graph [...]`), e.g. `rankdir`, `label`, `bgcolor`.
    var graphAttributes: DOTAttributes { get set }
    /// Defaults for every node in this body (`node [...]`).
    var nodeDefaults: DOTAttributes { get set }
    /// Defaults for every edge in this body (`edge [...]`).
    var edgeDefaults: DOTAttributes { get set }
    /// Nodes, edges and subgraphs, in output order.
    var statements: [DOTStatement] { get set }
}

extension DOTGraphBody {
    /// Appends a node statement. `id` is escaped with ``DOT/id(_:)``.
    public mutating func addNode(_ id: String, _ attributes: DOTAttributes = [:]) {
        statements.append(.node(id: id, attributes: attributes))
    }

    /// Appends an edge statement from `tail` to `head` (ids escaped with ``DOT/id(_:)``).
    /// Use the `tailport`/`headport` attributes to attach to ports of HTML or record labels.
    public mutating func addEdge(from tail: String, to head: String, _ attributes: DOTAttributes = [:]) {
        statements.append(.edge(tail: tail, head: head, attributes: attributes))
    }

    /// Appends a subgraph or cluster.
    public mutating func addSubgraph(_ subgraph: DOTSubgraph) {
        statements.append(.subgraph(subgraph))
    }

    /// Appends this body's lines (defaults, then statements) to `out`.
    func writeBody(into out: inout String, indent: String, edgeOperator: String) {
        for (keyword, attributes) in [("graph", graphAttributes), ("node", nodeDefaults), ("edge", edgeDefaults)]
        where !attributes.isEmpty {
            out += indent + keyword + " " + attributes.bracketed + ";\n"
        }
        for statement in statements {
            switch statement {
            case .node(let id, let attributes):
                out += indent + DOT.id(id) + suffix(attributes) + ";\n"
            case .edge(let tail, let head, let attributes):
                out += indent + DOT.id(tail) + " " + edgeOperator + " " + DOT.id(head)
                    + suffix(attributes) + ";\n"
            case .subgraph(let subgraph):
                out += indent + "subgraph" + (subgraph.name.map { " " + DOT.id($0) } ?? "") + " {\n"
                subgraph.writeBody(into: &out, indent: indent + "  ", edgeOperator: edgeOperator)
                out += indent + "}\n"
            }
        }
    }

    private func suffix(_ attributes: DOTAttributes) -> String {
        attributes.isEmpty ? "" : " " + attributes.bracketed
    }
}

/// A subgraph; a name starting with `cluster` makes Graphviz draw it as a boxed cluster.
public struct DOTSubgraph: DOTGraphBody, Hashable {
    /// The subgraph's name, or `nil` for an anonymous `{ … }` group.
    public var name: String?
    /// Graph attributes of the subgraph, e.g. `label`, `style`, `color`, `rank`.
    public var graphAttributes: DOTAttributes
    /// Node defaults inside the subgraph.
    public var nodeDefaults: DOTAttributes
    /// Edge defaults inside the subgraph.
    public var edgeDefaults: DOTAttributes
    /// The subgraph's statements.
    public var statements: [DOTStatement] = []

    /// Creates a subgraph named `name` (anonymous when `nil`).
    public init(
        name: String? = nil, graphAttributes: DOTAttributes = [:],
        nodeDefaults: DOTAttributes = [:], edgeDefaults: DOTAttributes = [:]
    ) {
        self.name = name
        self.graphAttributes = graphAttributes
        self.nodeDefaults = nodeDefaults
        self.edgeDefaults = edgeDefaults
    }

    /// Creates a cluster: a subgraph named `"cluster_" + name`, drawn by `dot` as a box
    /// around its nodes, captioned with `label` (shown literally).
    public static func cluster(
        _ name: String, label: String? = nil, graphAttributes: DOTAttributes = [:]
    ) -> DOTSubgraph {
        var subgraph = DOTSubgraph(name: "cluster_" + name, graphAttributes: graphAttributes)
        if let label { subgraph.graphAttributes["label"] = .string(label) }
        return subgraph
    }
}

/// A small DOT writer: build a graph with attributes, nodes, edges and clusters, then take
/// its ``source`` and hand it to ``Graphviz/render(_:layout:format:)``.
///
/// Every name and value is escaped on output, so user data can be passed as is:
///
/// ```swift
/// var graph = DOTGraph(.digraph, graphAttributes: ["rankdir": "LR"])
/// graph.nodeDefaults = ["shape": "box", "fontname": "Helvetica"]
/// graph.addNode("l0", ["label": .string(layer.name)])
/// graph.addNode("l1", ["label": .string(next.name)])
/// graph.addEdge(from: "l0", to: "l1")
/// let svg = try Graphviz.renderSVG(graph.source)
/// ```
public struct DOTGraph: DOTGraphBody, Hashable, CustomStringConvertible {
    /// Whether edges are directed.
    public enum Kind: Sendable, Hashable {
        /// Undirected: `graph { a -- b }`.
        case graph
        /// Directed: `digraph { a -> b }`.
        case digraph
    }

    /// Directed or undirected.
    public var kind: Kind
    /// The graph's name (shown as the SVG `<title>`), or `nil` for an anonymous graph.
    public var name: String?
    /// Whether the graph is `strict` (no multi-edges).
    public var isStrict: Bool
    /// Graph attributes, e.g. `rankdir`, `label`, `bgcolor`, `pad`.
    public var graphAttributes: DOTAttributes
    /// Defaults for every node.
    public var nodeDefaults: DOTAttributes
    /// Defaults for every edge.
    public var edgeDefaults: DOTAttributes
    /// The graph's statements.
    public var statements: [DOTStatement] = []

    /// Creates an empty graph.
    public init(
        _ kind: Kind = .digraph, name: String? = nil, strict: Bool = false,
        graphAttributes: DOTAttributes = [:], nodeDefaults: DOTAttributes = [:],
        edgeDefaults: DOTAttributes = [:]
    ) {
        self.kind = kind
        self.name = name
        self.isStrict = strict
        self.graphAttributes = graphAttributes
        self.nodeDefaults = nodeDefaults
        self.edgeDefaults = edgeDefaults
    }

    /// The graph as DOT text.
    public var source: String {
        var out = (isStrict ? "strict " : "") + (kind == .digraph ? "digraph" : "graph")
        if let name { out += " " + DOT.id(name) }
        out += " {\n"
        writeBody(into: &out, indent: "  ", edgeOperator: kind == .digraph ? "->" : "--")
        out += "}\n"
        return out
    }

    /// The graph as DOT text (same as ``source``).
    public var description: String { source }
}
