// ONNXGraphBuilder.swift: translates built-in layers into ONNX nodes. Tapestry's activations
// are channels-last (NHWC); ONNX's Conv, pools and BatchNormalization are channels-first
// (NCHW), so each value remembers its layout and a Transpose is inserted only where an
// operator needs the other one.

import Tapestry
import TapestryIO

/// The nodes and initializers of an ONNX graph, built layer by layer.
struct ONNXGraphBuilder<Scalar: TensorScalar> {
    /// Where the channel axis of a value is.
    enum Layout {
        /// Tapestry's own order: channels last (NHWC for images).
        case channelsLast
        /// ONNX's convolution order: channels right after the batch (NCHW).
        case channelsFirst
    }

    /// A tensor of the graph: its name, its sample shape in Tapestry's (channels-last) order
    /// and how its axes are laid out in the graph.
    struct Value {
        var name: String
        var shape: [Int]
        var layout: Layout
        /// The rank with the batch dimension.
        var rank: Int { shape.count + 1 }
    }

    let elementType: Int64
    private(set) var nodes: [ProtobufWriter] = []
    private(set) var initializers: [ProtobufWriter] = []
    private var usedNames: Set<String> = []
    /// The other-layout copy of a value already transposed, by name.
    private var transposedCopies: [String: Value] = [:]
    /// The initializer of each parameter already stored, by identity.
    private var parameterInitializers: [ObjectIdentifier: String] = [:]

    init() throws {
        guard let type = ONNXProto.dataType(of: Scalar.self) else { throw ONNXExportError.unsupportedScalar(Scalar.dtypeName) }
        elementType = type
    }

    /// Marks `name` as taken (a graph input or output).
    mutating func reserve(_ name: String) { usedNames.insert(name) }

    /// `base`, or `base_1`, `base_2`, … if taken; marked as taken.
    mutating func fresh(_ base: String) -> String {
        var candidate = base
        var count = 0
        while usedNames.contains(candidate) {
            count += 1
            candidate = "\(base)_\(count)"
        }
        usedNames.insert(candidate)
        return candidate
    }

    /// Adds a node with one output named after `base`; returns the output's name.
    mutating func node(_ opType: String, _ inputs: [String], output base: String, _ attributes: [ONNXAttribute] = []) -> String {
        let output = fresh(base)
        nodes.append(ONNXProto.node(opType, name: output, inputs: inputs, outputs: [output], attributes: attributes))
        return output
    }

    /// Adds an `Identity` node copying `input` to the graph output `output` (already reserved).
    mutating func appendIdentity(from input: String, to output: String) {
        nodes.append(ONNXProto.node("Identity", name: output, inputs: [input], outputs: [output], attributes: []))
    }

    /// Adds `tensor` as an initializer named after `base`; returns its name.
    mutating func initializer(_ tensor: Tensor<Scalar>, name base: String) -> String {
        let name = fresh(base)
        let bytes = tensor.withUnsafeScalars { Array(UnsafeRawBufferPointer($0)) }
        initializers.append(ONNXProto.tensor(name: name, dataType: elementType, shape: tensor.shape, rawData: bytes))
        return name
    }

    /// The initializer holding `parameter`'s value (after `transform`), added the first time
    /// and named after `base`; a shared layer's parameters are stored once.
    mutating func initializer(for parameter: Parameter<Scalar>, name base: String,
                              transform: (Tensor<Scalar>) -> Tensor<Scalar> = { $0 }) -> String {
        if let name = parameterInitializers[ObjectIdentifier(parameter)] { return name }
        let name = initializer(transform(parameter.value), name: base)
        parameterInitializers[ObjectIdentifier(parameter)] = name
        return name
    }

    /// Adds an int64 vector initializer named after `base`; returns its name.
    mutating func int64Initializer(_ values: [Int], name base: String) -> String {
        let name = fresh(base)
        var bytes: [UInt8] = []
        for value in values {
            let bits = UInt64(bitPattern: Int64(value))
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
        }
        initializers.append(ONNXProto.tensor(name: name, dataType: ONNXProto.int64Type, shape: [values.count], rawData: bytes))
        return name
    }

    // MARK: Layouts

    /// `value` with channels right after the batch (a Transpose if it is channels-last).
    mutating func channelsFirst(_ value: Value) -> Value {
        guard value.layout == .channelsLast, value.rank >= 3 else { return value }
        if let copy = transposedCopies[value.name] { return copy }
        let last = value.rank - 1
        let name = node("Transpose", [value.name], output: value.name + "_nchw", [.ints("perm", [0, last] + Array(1..<last))])
        let copy = Value(name: name, shape: value.shape, layout: .channelsFirst)
        transposedCopies[value.name] = copy
        transposedCopies[name] = value
        return copy
    }

    /// `value` in Tapestry's channels-last order (a Transpose if it is channels-first).
    mutating func channelsLast(_ value: Value) -> Value {
        guard value.layout == .channelsFirst else { return value }
        if let copy = transposedCopies[value.name] { return copy }
        let name = node("Transpose", [value.name], output: value.name + "_nhwc", [.ints("perm", [0] + Array(2..<value.rank) + [1])])
        let copy = Value(name: name, shape: value.shape, layout: .channelsLast)
        transposedCopies[value.name] = copy
        transposedCopies[name] = value
        return copy
    }

    // MARK: Layers

    /// The nodes computing `layer` of `value`, whose output is returned; `path` names them.
    mutating func apply(_ layer: any Layer<Scalar>, to value: Value, path: String) throws -> Value {
        let outputShape = try layer.outputShape(forInputShape: value.shape)
        switch layer {
        case let model as Sequential<Scalar>:
            return try model.layers.reduce(value) { try apply($1, to: $0, path: path + "/" + $1.name) }
        case let model as Functional<Scalar>:
            guard model.inputs.count == 1, model.outputs.count == 1 else { throw ONNXExportError.unsupportedNesting(model: model.name) }
            return try inline(model, inputs: [value], prefix: path + "/")[0]
        case let dense as Dense<Scalar>:
            let kernel = initializer(for: dense.kernel, name: path + ".kernel")
            let bias = initializer(for: dense.bias, name: path + ".bias")
            let input = channelsLast(value)
            let output = node("Gemm", [input.name, kernel, bias], output: path)
            return try activate(Value(name: output, shape: outputShape, layout: .channelsLast), dense.activation, layer: layer, path: path)
        case let conv as Conv2D<Scalar>:
            let input = channelsFirst(value)
            let kernel = initializer(for: conv.kernel, name: path + ".kernel") { $0.transposed(permutation: [3, 2, 0, 1]) }
            let bias = initializer(for: conv.bias, name: path + ".bias")
            let size = conv.kernelSize
            let reach = ((size.height - 1) * conv.dilation.height + 1, (size.width - 1) * conv.dilation.width + 1)
            let attributes: [ONNXAttribute] = [
                .ints("kernel_shape", [size.height, size.width]),
                .ints("strides", [conv.strides.height, conv.strides.width]),
                .ints("dilations", [conv.dilation.height, conv.dilation.width]),
                .ints("pads", pads(conv.padding, shape: value.shape, reach: reach, strides: conv.strides)),
            ]
            let output = node("Conv", [input.name, kernel, bias], output: path, attributes)
            return try activate(Value(name: output, shape: outputShape, layout: .channelsFirst), conv.activation, layer: layer, path: path)
        case let pool as MaxPooling2D<Scalar>:
            let input = channelsFirst(value)
            let output = node("MaxPool", [input.name], output: path, [
                .ints("kernel_shape", [pool.poolSize.height, pool.poolSize.width]),
                .ints("strides", [pool.strides.height, pool.strides.width]),
                .ints("pads", pads(pool.padding, shape: value.shape, reach: pool.poolSize, strides: pool.strides)),
            ])
            return Value(name: output, shape: outputShape, layout: .channelsFirst)
        case let pool as AveragePooling2D<Scalar>:
            let input = channelsFirst(value)
            let output = node("AveragePool", [input.name], output: path, [
                .ints("kernel_shape", [pool.poolSize.height, pool.poolSize.width]),
                .ints("strides", [pool.strides.height, pool.strides.width]),
                .ints("pads", pads(pool.padding, shape: value.shape, reach: pool.poolSize, strides: pool.strides)),
                .int("count_include_pad", 0),
            ])
            return Value(name: output, shape: outputShape, layout: .channelsFirst)
        case is GlobalAveragePooling2D<Scalar>:
            let axes = value.layout == .channelsFirst ? [2, 3] : [1, 2]
            let output = node("ReduceMean", [value.name], output: path, [.ints("axes", axes), .int("keepdims", 0)])
            return Value(name: output, shape: outputShape, layout: .channelsLast)
        case let norm as BatchNormalization<Scalar>:
            let input = channelsFirst(value)
            let inputs = [input.name] + [norm.gamma, norm.beta, norm.movingMean, norm.movingVariance].map {
                initializer(for: $0, name: path + "." + $0.localName)
            }
            let output = node("BatchNormalization", inputs, output: path, [.float("epsilon", Float(norm.epsilon))])
            return Value(name: output, shape: outputShape, layout: input.layout)
        case is Flatten<Scalar>:
            let output = node("Flatten", [channelsLast(value).name], output: path, [.int("axis", 1)])
            return Value(name: output, shape: outputShape, layout: .channelsLast)
        case is Reshape<Scalar>:
            let shape = int64Initializer([0] + outputShape, name: path + ".shape")
            let output = node("Reshape", [channelsLast(value).name, shape], output: path)
            return Value(name: output, shape: outputShape, layout: .channelsLast)
        case is ReLU<Scalar>:
            return try activate(value, .relu, layer: layer, path: path)
        case is Softmax<Scalar>:
            return try activate(value, .softmax, layer: layer, path: path)
        case is Dropout<Scalar>:
            return value
        default:
            throw ONNXExportError.unsupportedLayer(name: layer.name, typeName: layer.typeName)
        }
    }

    /// `activation` of `value`: nothing for linear, one elementwise node otherwise (a
    /// softmax over the last axis of Tapestry's order).
    mutating func activate(_ value: Value, _ activation: Activation, layer: any Layer<Scalar>, path: String) throws -> Value {
        guard !activation.isCustom else {
            throw ONNXExportError.unsupportedActivation(layer: layer.name, activation: activation.name)
        }
        if let slope = activation.leakyReluSlope {
            let output = node("LeakyRelu", [value.name], output: path + "_leaky_relu", [.float("alpha", Float(slope))])
            return Value(name: output, shape: value.shape, layout: value.layout)
        }
        let opType: String
        switch activation {
        case .linear: return value
        case .relu: opType = "Relu"
        case .sigmoid: opType = "Sigmoid"
        case .tanh: opType = "Tanh"
        case .softmax:
            let input = channelsLast(value)
            let output = node("Softmax", [input.name], output: path + "_softmax", [.int("axis", -1)])
            return Value(name: output, shape: value.shape, layout: .channelsLast)
        default: throw ONNXExportError.unsupportedActivation(layer: layer.name, activation: activation.name)
        }
        let output = node(opType, [value.name], output: path + "_" + opType.lowercased())
        return Value(name: output, shape: value.shape, layout: value.layout)
    }

    /// ONNX's `pads` (top, left, bottom, right) for Tapestry's padding of a channels-last
    /// sample `shape`; `.same` puts an odd pixel after, as TensorFlow does.
    func pads(_ padding: Padding, shape: [Int], reach: (height: Int, width: Int), strides: (height: Int, width: Int)) -> [Int] {
        guard let vertical = padding.outputSize(input: shape[0], reach: reach.height, stride: strides.height),
              let horizontal = padding.outputSize(input: shape[1], reach: reach.width, stride: strides.width) else {
            return [0, 0, 0, 0]
        }
        return [vertical.before, horizontal.before, vertical.after, horizontal.after]
    }

    // MARK: Merges and graphs

    /// The node merging `values` with `layer`.
    mutating func merge(_ layer: any MergeLayer<Scalar>, _ values: [Value], path: String) throws -> Value {
        let outputShape = try layer.outputShape(forInputShapes: values.map(\.shape))
        let sameLayout = values.allSatisfy { $0.layout == values[0].layout }
        let operands = sameLayout && !(layer is Concatenate<Scalar>) ? values : values.map { channelsLast($0) }
        let names = operands.map(\.name)
        let output: String
        switch layer {
        case is Add<Scalar>: output = node("Sum", names, output: path)
        case is Average<Scalar>: output = node("Mean", names, output: path)
        case is Multiply<Scalar>:
            var product = names[0]
            for (offset, name) in names.dropFirst().enumerated() {
                product = node("Mul", [product, name], output: offset == names.count - 2 ? path : path + "_partial")
            }
            output = product
        case let concatenate as Concatenate<Scalar>:
            let axis = concatenate.axis < 0 ? concatenate.axis : concatenate.axis + 1
            output = node("Concat", names, output: path, [.int("axis", axis)])
        default:
            throw ONNXExportError.unsupportedLayer(name: layer.name, typeName: layer.typeName)
        }
        return Value(name: output, shape: outputShape, layout: operands[0].layout)
    }

    /// The nodes of `model`'s graph applied to `inputs`; returns its outputs.
    mutating func inline(_ model: Functional<Scalar>, inputs: [Value], prefix: String) throws -> [Value] {
        let graph = model.graph
        var values = [Value?](repeating: nil, count: graph.nodes.count)
        for (slot, input) in zip(graph.inputSlots, inputs) { values[slot] = input }
        for (index, graphNode) in graph.nodes.enumerated() {
            let operands = graph.operands[index].compactMap { values[$0] }
            let path = prefix + graphNode.name
            switch graphNode.operation {
            case .input: continue
            case .layer(let layer): values[index] = try apply(layer, to: operands[0], path: path)
            case .merge(let merge): values[index] = try self.merge(merge, operands, path: path)
            }
        }
        return graph.outputSlots.compactMap { values[$0] }
    }
}
