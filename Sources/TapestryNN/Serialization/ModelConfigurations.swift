import Tapestry

extension Sequential: ConfigurableLayer {
    /// `Sequential`.
    public static var configurationName: String { "Sequential" }

    /// `name`, `input_shape` (or `null`) and `layers`, each `{"class_name", "config"}`.
    ///
    /// - Throws: `ConfigurationError` naming a layer that is not a `ConfigurableLayer`.
    public var configuration: LayerConfiguration {
        get throws {
            ["name": .string(name), "input_shape": inputShape.map { .array($0.map(ConfigurationValue.int)) } ?? .null,
             "layers": .array(try layers.map { try $0.configurationEntry() })]
        }
    }

    /// Rebuilds the model's layers through `LayerRegistry`.
    public convenience init(configuration: LayerConfiguration) throws {
        let inputShape: [Int]? = configuration["input_shape"] == .null ? nil : try configuration.shape("input_shape")
        let layers: [any Layer<Scalar>] = try configuration.array("layers").map { try layer(from: $0) }
        let names = layers.map(\.name).filter { !$0.isEmpty }
        guard Set(names).count == names.count else { throw ConfigurationError("layer names must be unique, got \(names)") }
        self.init(name: try configuration.string("name"), inputShape: inputShape, layers: layers)
    }
}

extension Functional: ConfigurableLayer {
    /// `Functional`.
    public static var configurationName: String { "Functional" }

    /// `name`; `inputs` (`{"name", "shape"}`); `layers`, each once; `nodes`, every
    /// application in order as `{"layer", "inputs": [[tensor, application], …]}`; and
    /// `outputs`, as `[[layer, application], …]` (Keras's inbound nodes, flattened).
    public var configuration: LayerConfiguration {
        get throws {
            func reference(_ slot: Int) -> ConfigurationValue {
                .array([.string(graph.nodes[slot].name), .int(graph.applicationIndex[slot])])
            }
            var nodes: [ConfigurationValue] = []
            for (index, node) in graph.nodes.enumerated() where node.layer != nil {
                nodes.append(.object(["layer": .string(node.name), "inputs": .array(graph.operands[index].map(reference))]))
            }
            return [
                "name": .string(name),
                "inputs": .array(inputs.map { .object(["name": .string($0.sourceName), "shape": .array($0.shape.map(ConfigurationValue.int))]) }),
                "layers": .array(try layers.map { try $0.configurationEntry() }),
                "nodes": .array(nodes),
                "outputs": .array(graph.outputSlots.map(reference)),
            ]
        }
    }

    /// Rebuilds the graph: its inputs, its layers through `LayerRegistry`, each application
    /// in order (a node may only take tensors made before it, so a file cannot describe a
    /// cycle), and its outputs.
    public convenience init(configuration: LayerConfiguration) throws {
        var tensors: [String: [SymbolicTensor<Scalar>]] = [:]
        var inputs: [SymbolicTensor<Scalar>] = []
        for entry in try configuration.array("inputs") {
            guard case .object(let members) = entry else { throw ConfigurationError("inputs must be objects") }
            let input = LayerConfiguration(members)
            let name = try input.string("name")
            guard tensors[name] == nil else { throw ConfigurationError("two inputs are named \(name.prefix(64))") }
            let tensor = SymbolicTensor<Scalar>(shape: try input.shape("shape"), name: name)
            tensors[name] = [tensor]
            inputs.append(tensor)
        }
        var layers: [String: any Layer<Scalar>] = [:]
        for entry in try configuration.array("layers") {
            let layer: any Layer<Scalar> = try TapestryNN.layer(from: entry)
            guard !layer.name.isEmpty, layers[layer.name] == nil, tensors[layer.name] == nil else {
                throw ConfigurationError("layer names must be unique and not empty, got \"\(layer.name.prefix(64))\" twice")
            }
            layers[layer.name] = layer
        }
        func tensor(_ reference: ConfigurationValue) throws -> SymbolicTensor<Scalar> {
            guard case .array(let parts) = reference, parts.count == 2, case .string(let name) = parts[0], case .int(let index) = parts[1],
                  let made = tensors[name], made.indices.contains(index) else {
                throw ConfigurationError("a tensor reference must be [name, application] naming a tensor made earlier, got \(reference.jsonText.prefix(80))")
            }
            return made[index]
        }
        for entry in try configuration.array("nodes") {
            guard case .object(let members) = entry else { throw ConfigurationError("nodes must be objects") }
            let node = LayerConfiguration(members)
            let name = try node.string("layer")
            guard let layer = layers[name] else { throw ConfigurationError("a node applies layer \(name.prefix(64)), which is not listed") }
            let operands = try node.array("inputs").map(tensor)
            let output: SymbolicTensor<Scalar>
            do {
                if let merge = layer as? any MergeLayer<Scalar> {
                    output = try merge(operands)
                } else {
                    guard operands.count == 1 else { throw ConfigurationError("layer \(name) takes one input, got \(operands.count)") }
                    output = try layer(operands[0])
                }
            } catch let error as ModelError {
                throw ConfigurationError("\(error)")
            }
            tensors[name, default: []].append(output)
        }
        do {
            try self.init(name: try configuration.string("name"), inputs: inputs, outputs: try configuration.array("outputs").map(tensor))
        } catch let error as ModelError {
            throw ConfigurationError("\(error)")
        }
    }
}
