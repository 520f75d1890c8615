import Tapestry

// How a description becomes nodes, clusters and edges: DOT ids, name resolution, and where
// the edges into and out of an expanded nested model attach.
extension ModelDiagram {
    /// One description being drawn, the whole model or a nested model expanded as a
    /// cluster: its nodes' DOT ids and what each node's inputs resolve to.
    struct Scope {
        /// The description drawn in this scope.
        let model: ModelDescription
        /// The DOT id of each node: positional (`node_3`, nested `node_3_0`), so user
        /// text never reaches an id and the same description gives the same ids.
        let ids: [String]
        /// For each node, the index of the node each input names, `nil` when no earlier
        /// node has that name.
        let operands: [[Int?]]
        /// The nodes named as outputs that exist.
        let outputs: [Int]
        /// The scopes of the nested models drawn expanded, by node index.
        let children: [Int: Scope]

        /// Resolves `model`'s names; `id` prefixes the ids of its nodes.
        init(_ model: ModelDescription, id: String, expandsNested: Bool) {
            self.model = model
            ids = model.nodes.indices.map { id + "_\($0)" }
            // An input names the latest node so far with that name: the description lists
            // every node after its inputs, so later nodes cannot feed it.
            var latest: [String: Int] = [:]
            var operands: [[Int?]] = []
            operands.reserveCapacity(model.nodes.count)
            for (index, node) in model.nodes.enumerated() {
                operands.append(node.inputs.map { latest[$0] })
                latest[node.name] = index
            }
            self.operands = operands
            outputs = model.outputs.compactMap { latest[$0] }
            var children: [Int: Scope] = [:]
            if expandsNested {
                for (index, node) in model.nodes.enumerated() {
                    if let nested = node.nested, !nested.nodes.isEmpty {
                        children[index] = Scope(nested, id: ids[index], expandsNested: true)
                    }
                }
            }
            self.children = children
        }

        /// The DOT ids that edges leaving node `index` start from: the node itself, or the
        /// outputs of an expanded nested model (its last node if it names none).
        func exits(of index: Int) -> [String] {
            guard let child = children[index] else { return [ids[index]] }
            let outputs = child.outputs.isEmpty ? [child.model.nodes.count - 1] : child.outputs
            return outputs.flatMap { child.exits(of: $0) }
        }

        /// The DOT ids that edges into node `index` end at, one group per entry point: the
        /// node itself, or the inputs of an expanded nested model (the nodes that take no
        /// inputs if it has no input nodes, its first node if there are none of those).
        func entryGroups(of index: Int) -> [[String]] {
            guard let child = children[index] else { return [[ids[index]]] }
            let nodes = child.model.nodes
            var entries = nodes.indices.filter { nodes[$0].kind == .input }
            if entries.isEmpty { entries = nodes.indices.filter { nodes[$0].inputs.isEmpty } }
            if entries.isEmpty { entries = [0] }
            return entries.map { child.entryGroups(of: $0).flatMap { $0 } }
        }

        /// Adds a table node per node, and a cluster per expanded nested model.
        func addNodes(of diagram: ModelDiagram, to body: inout some DOTGraphBody) {
            for (index, node) in model.nodes.enumerated() {
                if let child = children[index] {
                    var cluster = DOTSubgraph.cluster(
                        ids[index], label: diagram.clusterCaption(for: node), graphAttributes: Style.cluster)
                    child.addNodes(of: diagram, to: &cluster)
                    body.addSubgraph(cluster)
                } else {
                    body.addNode(ids[index], ["label": .html(diagram.table(for: node))])
                }
            }
        }

        /// Adds an edge for every input of every node, in node then operand order, with the
        /// edges inside an expanded nested model right after the edges into it.
        func addEdges(to graph: inout DOTGraph, missing: inout MissingNodes) {
            for (index, node) in model.nodes.enumerated() {
                let heads = entryGroups(of: index)
                // Operand k goes to entry k when the counts match; otherwise to every entry.
                let paired = heads.count == node.inputs.count
                let numbersOperands = node.inputs.count > 1 && children[index] == nil
                for (position, name) in node.inputs.enumerated() {
                    let tails = operands[index][position].map { exits(of: $0) }
                        ?? [missing.id(for: name, in: ids.first ?? "", graph: &graph)]
                    let attributes: DOTAttributes = numbersOperands ? Style.operandLabel(position) : [:]
                    for tail in tails {
                        for head in paired ? heads[position] : heads.flatMap({ $0 }) {
                            graph.addEdge(from: tail, to: head, attributes)
                        }
                    }
                }
                children[index]?.addEdges(to: &graph, missing: &missing)
            }
        }
    }

    /// The dashed placeholders for inputs that name no node, one per scope and name.
    struct MissingNodes {
        private var ids: [String: String] = [:]

        /// The id of the placeholder for `name` in the scope whose first node is `scope`,
        /// adding the placeholder node to `graph` the first time.
        mutating func id(for name: String, in scope: String, graph: inout DOTGraph) -> String {
            let key = scope + "\u{0}" + name
            if let id = ids[key] { return id }
            let id = "missing_\(ids.count)"
            ids[key] = id
            graph.addNode(id, Style.missingNode(name))
            return id
        }
    }
}
