import Tapestry

/// The nodes of a graph of layers in an order where each comes after its operands, with
/// the slots that connect them: what `Functional` runs, describes and saves.
struct Graph<Scalar: TensorScalar> {
    /// Every node the outputs depend on, each after its operands.
    let nodes: [SymbolicNode<Scalar>]
    /// For each node, the positions in `nodes` of its operands.
    let operands: [[Int]]
    /// The positions of the model's inputs and outputs in `nodes`.
    let inputSlots: [Int]
    let outputSlots: [Int]
    /// Every layer once, in the order of its first application.
    let layers: [any Layer<Scalar>]
    /// For each node, which application of its layer it is (0 for the first).
    let applicationIndex: [Int]

    /// Orders the nodes that `outputs` depend on, checks them and names what has no name.
    init(inputs: [SymbolicTensor<Scalar>], outputs: [SymbolicTensor<Scalar>]) throws {
        var order: [SymbolicNode<Scalar>] = []
        var position: [ObjectIdentifier: Int] = [:]
        var visiting: [SymbolicNode<Scalar>] = []
        var disconnected: (output: SymbolicNode<Scalar>, consumer: SymbolicNode<Scalar>?, input: SymbolicNode<Scalar>)?
        let inputIDs = inputs.map { ObjectIdentifier($0.node) }
        guard Set(inputIDs).count == inputIDs.count else {
            throw ModelError.invalidArgument("Functional: an input is listed twice: \(inputs.map(\.description))")
        }
        // Depth-first from each output; an input node reached that is not a model input
        // disconnects the graph, a node reached while it is being visited closes a cycle.
        func visit(_ node: SymbolicNode<Scalar>, consumer: SymbolicNode<Scalar>?, output: SymbolicNode<Scalar>) throws {
            let id = ObjectIdentifier(node)
            if position[id] != nil { return }
            if let start = visiting.firstIndex(where: { $0 === node }) {
                throw ModelError.cycle(path: visiting[start...].map(\.displayName) + [node.displayName])
            }
            if case .input = node.operation, !inputIDs.contains(id), disconnected == nil {
                disconnected = (output, consumer, node)
            }
            visiting.append(node)
            for operand in node.inputs { try visit(operand.node, consumer: node, output: output) }
            visiting.removeLast()
            position[id] = order.count
            order.append(node)
        }
        for input in inputs { try visit(input.node, consumer: nil, output: input.node) }
        for output in outputs { try visit(output.node, consumer: nil, output: output.node) }

        // Keras's names for what has none: inputs `input`, `input_1`, …; layers after their
        // type in snake case (`dense`, `dense_1`, …).
        var layers: [any Layer<Scalar>] = []
        var seenLayers = Set<ObjectIdentifier>()
        var applications: [ObjectIdentifier: Int] = [:]
        var applicationIndex: [Int] = []
        for node in order {
            guard let layer = node.layer else { applicationIndex.append(0); continue }
            let id = ObjectIdentifier(layer)
            applicationIndex.append(applications[id, default: 0])
            applications[id, default: 0] += 1
            if seenLayers.insert(id).inserted { layers.append(layer) }
        }
        var used: [String: ObjectIdentifier] = [:]
        for node in order {
            if case .input(let name) = node.operation, !name.isEmpty { try Self.claim(name, by: ObjectIdentifier(node), in: &used) }
        }
        for layer in layers where !layer.name.isEmpty { try Self.claim(layer.name, by: ObjectIdentifier(layer), in: &used) }
        var counters: [String: Int] = [:]
        func fresh(_ base: String) -> String {
            var candidate: String
            repeat {
                let count = counters[base, default: 0]
                counters[base] = count + 1
                candidate = count == 0 ? base : "\(base)_\(count)"
            } while used[candidate] != nil
            return candidate
        }
        for node in order {
            if case .input(let name) = node.operation, name.isEmpty {
                let name = fresh("input")
                used[name] = ObjectIdentifier(node)
                node.operation = .input(name: name)
            }
        }
        for layer in layers where layer.name.isEmpty {
            layer.name = fresh(Model<Scalar>.snakeCase(layer.typeName))
            used[layer.name] = ObjectIdentifier(layer)
        }

        if let disconnected {
            throw ModelError.graphDisconnected(
                output: disconnected.output.name, layer: disconnected.consumer?.name ?? disconnected.output.name,
                missingInput: disconnected.input.name)
        }
        self.nodes = order
        self.operands = order.map { node in node.inputs.map { position[ObjectIdentifier($0.node)] ?? 0 } }
        self.inputSlots = inputIDs.map { position[$0] ?? 0 }
        self.outputSlots = outputs.map { position[ObjectIdentifier($0.node)] ?? 0 }
        self.layers = layers
        self.applicationIndex = applicationIndex
    }

    /// Records `name` as taken, or throws if another input or layer has it.
    private static func claim(_ name: String, by owner: ObjectIdentifier, in used: inout [String: ObjectIdentifier]) throws {
        if let other = used[name], other != owner {
            throw ModelError.invalidArgument("Functional: the name \(name) is used by two inputs or layers; names must be unique in a model")
        }
        used[name] = owner
    }

    /// Runs the nodes in order on a batch of each input.
    func run(_ inputs: [Tensor<Scalar>]) -> [Tensor<Scalar>] {
        var values = [Tensor<Scalar>](repeating: Tensor(0), count: nodes.count)
        for (slot, value) in zip(inputSlots, inputs) { values[slot] = value }
        for (index, node) in nodes.enumerated() {
            switch node.operation {
            case .input: continue
            case .layer(let layer): values[index] = layer.applyLabelled(to: values[operands[index][0]])
            case .merge(let merge): values[index] = merge.applyLabelled(to: operands[index].map { values[$0] })
            }
        }
        return outputSlots.map { values[$0] }
    }

    /// For each layer (by identity), the positions of the nodes that apply it.
    var applications: [ObjectIdentifier: [Int]] {
        var result: [ObjectIdentifier: [Int]] = [:]
        for (index, node) in nodes.enumerated() {
            if let layer = node.layer { result[ObjectIdentifier(layer), default: []].append(index) }
        }
        return result
    }

    /// `dense_1[0][0]`: Keras's name of the tensor a node produces.
    func tensorName(_ index: Int) -> String { "\(nodes[index].name)[\(applicationIndex[index])][0]" }
}
