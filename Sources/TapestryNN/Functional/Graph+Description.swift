import Tapestry

extension Graph {
    /// The graph as a model description: one node per input and per layer (a shared layer
    /// once, taking the operands of all its applications), ordered so each node comes after
    /// the nodes it takes whenever the layers allow it (a layer applied to its own output
    /// cannot).
    func description(name: String) -> ModelDescription {
        // Group the graph's nodes by input or layer.
        var groupOf: [Int] = []
        var groups: [[Int]] = []
        var groupIndex: [ObjectIdentifier: Int] = [:]
        for (index, node) in nodes.enumerated() {
            let id = node.layer.map { ObjectIdentifier($0) } ?? ObjectIdentifier(node)
            if let group = groupIndex[id] {
                groups[group].append(index)
                groupOf.append(group)
            } else {
                groupIndex[id] = groups.count
                groupOf.append(groups.count)
                groups.append([index])
            }
        }
        // Kahn's algorithm over the groups, taking the earliest-first ready group.
        var pending = groups.map { members in Set(members.flatMap { operands[$0] }.map { groupOf[$0] }) }
        for group in groups.indices { pending[group].remove(group) }
        var emitted: [Int] = []
        var done = Set<Int>()
        while emitted.count < groups.count {
            let next = (0..<groups.count).first { !done.contains($0) && pending[$0].isSubset(of: done) }
                ?? (0..<groups.count).first { !done.contains($0) } ?? 0
            emitted.append(next)
            done.insert(next)
        }
        let descriptionNodes = emitted.map { group -> ModelDescription.Node in
            let first = groups[group][0]
            let node = nodes[first]
            let inputs = groups[group].flatMap { operands[$0] }.map { nodes[$0].name }
            guard let layer = node.layer else {
                return .init(name: node.name, typeName: "InputLayer", kind: .input, outputShape: node.shape,
                             dtypeName: Model<Scalar>.dtypeName)
            }
            return layer.description(outputShape: node.shape, inputs: inputs)
        }
        return ModelDescription(name: name, nodes: descriptionNodes, outputs: outputSlots.map { nodes[$0].name })
    }
}
