import Tapestry

/// Model descriptions written out by hand, as a model would describe itself.
enum ModelDescriptionFixtures {
    /// The demo's Fashion-MNIST MLP: an input, a flatten, three dense layers in a chain.
    static let fashion = ModelDescription(name: "sequential", nodes: [
        .init(name: "input", typeName: "InputLayer", kind: .input, outputShape: [28, 28]),
        .init(name: "flatten", typeName: "Flatten", outputShape: [784], inputs: ["input"]),
        .init(name: "dense", typeName: "Dense", activationName: "relu", outputShape: [64],
              parameterCount: 50_240, inputs: ["flatten"]),
        .init(name: "dense_1", typeName: "Dense", activationName: "relu", outputShape: [64],
              parameterCount: 4_160, inputs: ["dense"]),
        .init(name: "dense_2", typeName: "Dense", activationName: "linear", outputShape: [10],
              parameterCount: 650, inputs: ["dense_1"]),
    ], outputs: ["dense_2"])

    /// Two inputs through one shared layer, merged by an add; a concatenate with a skip
    /// from the first input; two outputs.
    static let siamese = ModelDescription(name: "siamese", nodes: [
        .init(name: "left", typeName: "InputLayer", kind: .input, outputShape: [4]),
        .init(name: "right", typeName: "InputLayer", kind: .input, outputShape: [4]),
        .init(name: "shared", typeName: "Dense", activationName: "relu", outputShape: [4],
              parameterCount: 20, inputs: ["left", "right"]),
        .init(name: "add", typeName: "Add", outputShape: [4], inputs: ["shared", "shared"]),
        .init(name: "concatenate", typeName: "Concatenate", outputShape: [8], inputs: ["add", "left"]),
    ], outputs: ["concatenate", "add"])

    /// An encoder model used as a layer between an input and a classifier head.
    static let encoder = ModelDescription(name: "encoder", nodes: [
        .init(name: "encoder_input", typeName: "InputLayer", kind: .input, outputShape: [16]),
        .init(name: "hidden", typeName: "Dense", activationName: "relu", outputShape: [8],
              parameterCount: 136, inputs: ["encoder_input"]),
        .init(name: "code", typeName: "Dense", activationName: "tanh", outputShape: [4],
              parameterCount: 36, inputs: ["hidden"]),
    ], outputs: ["code"])

    /// `input → encoder (nested) → head`.
    static let classifier = ModelDescription(name: "classifier", nodes: [
        .init(name: "input", typeName: "InputLayer", kind: .input, outputShape: [16]),
        .init(name: "encoder", typeName: "Sequential", outputShape: [4], parameterCount: 172,
              inputs: ["input"], nested: encoder),
        .init(name: "head", typeName: "Dense", activationName: "softmax", outputShape: [3],
              parameterCount: 15, inputs: ["encoder"]),
    ], outputs: ["head"])

    /// A ResNet-like stack: an input, then `blocks` residual blocks of dense → dense → add,
    /// each add also taking the block's input (the skip edge). `1 + 3 × blocks` nodes and
    /// `4 × blocks` edges.
    static func residual(blocks: Int, width: Int = 32) -> ModelDescription {
        var nodes: [ModelDescription.Node] = [
            .init(name: "input", typeName: "InputLayer", kind: .input, outputShape: [width]),
        ]
        var previous = "input"
        for block in 0..<blocks {
            let first = "block\(block)_dense_a", second = "block\(block)_dense_b", add = "block\(block)_add"
            nodes.append(.init(name: first, typeName: "Dense", activationName: "relu", outputShape: [width],
                               parameterCount: width * width + width, inputs: [previous]))
            nodes.append(.init(name: second, typeName: "Dense", outputShape: [width],
                               parameterCount: width * width + width, inputs: [first]))
            nodes.append(.init(name: add, typeName: "Add", outputShape: [width], inputs: [second, previous]))
            previous = add
        }
        return ModelDescription(name: "resnet_like", nodes: nodes, outputs: [previous])
    }
}
