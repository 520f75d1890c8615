import Foundation
import XCTest
import Tapestry
import TapestryData
import TapestryIO
import TapestryNN

/// A user layer that multiplies by a fixed factor: loadable once registered.
final class Scale: ConfigurableLayer {
    static var configurationName: String { "Scale" }
    var name: String
    let factor: Double
    init(factor: Double, name: String = "") {
        self.factor = factor
        self.name = name
    }
    convenience init(configuration: LayerConfiguration) throws {
        try self.init(factor: configuration.double("factor"), name: configuration.string("name"))
    }
    var configuration: LayerConfiguration { ["name": .string(name), "factor": .double(factor)] }
    func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { x * Float(factor) }
    func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}

/// A layer that is not configurable.
final class Doubler: Layer {
    var name = "doubler"
    func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { x + x }
    func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}

final class ModelFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func samples(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// Saves, loads, and checks that the loaded model predicts the same bits.
    @discardableResult
    private func assertRoundTrip(_ model: Model<Float>, input: Tensor<Float>, file: StaticString = #filePath, line: UInt = #line) throws -> Model<Float> {
        let url = folder.appendingPathComponent("\(model.name).safetensors")
        try model.save(to: url)
        let loaded = try Model<Float>.load(from: url)
        XCTAssertTrue(type(of: loaded) == type(of: model), file: file, line: line)
        XCTAssertEqual(loaded.name, model.name, file: file, line: line)
        XCTAssertEqual(loaded.namedParameters.map(\.name), model.namedParameters.map(\.name), file: file, line: line)
        XCTAssertEqual(try loaded.predict(input).scalars, try model.predict(input).scalars, file: file, line: line)
        XCTAssertEqual(try loaded.architectureJSON(), try model.architectureJSON(), file: file, line: line)
        return loaded
    }

    func testSequentialMLPRoundTripsBitIdentically() throws {
        setRandomSeed(1)
        let model = Sequential<Float>(name: "mlp", inputShape: [4, 4]) {
            Flatten()
            Dense(inputSize: 16, outputSize: 8, activation: .relu)
            Dense(inputSize: 8, outputSize: 8, activation: .leakyRelu(slope: 0.2))
            Dense(inputSize: 8, outputSize: 3)
            Softmax()
        }
        let loaded = try assertRoundTrip(model, input: samples([5, 4, 4], seed: 2))
        XCTAssertEqual(loaded.modelDescription, model.modelDescription)
    }

    func testConvolutionalModelRoundTripsBitIdentically() throws {
        setRandomSeed(3)
        let model = Sequential<Float>(name: "cnn", inputShape: [8, 7]) {
            Reshape([8, 7, 1])
            Conv2D(inputChannels: 1, filters: 4, kernelSize: (3, 2), strides: (1, 2), padding: .same, activation: .relu)
            BatchNormalization(featureCount: 4, momentum: 0.9, epsilon: 1e-3)
            MaxPooling2D(poolSize: (2, 2))
            Conv2D(inputChannels: 4, filters: 6, kernelSize: (2, 2), dilation: (1, 1))
            AveragePooling2D(poolSize: (2, 1), strides: (1, 1), padding: .same)
            Dropout(rate: 0.25)
            GlobalAveragePooling2D()
            Dense(inputSize: 6, outputSize: 3)
        }
        // Moving statistics away from their initial values, so that loading them matters.
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        try model.fit(samples([16, 8, 7], seed: 4), Tensor<Int32>(shape: [16], scalars: (0..<16).map { Int32($0 % 3) }),
                      epochs: 2, batchSize: 8, verbose: 0)
        let loaded = try assertRoundTrip(model, input: samples([5, 8, 7], seed: 5))
        XCTAssertTrue(loaded.namedParameters.contains { $0.name.hasSuffix("moving_mean") }, "\(loaded.namedParameters.map(\.name))")
        XCTAssertEqual(loaded.modelDescription, model.modelDescription)
    }

    func testCorruptConvolutionConfigurationsAreErrors() throws {
        setRandomSeed(3)
        let model = Sequential<Float>(name: "cnn", inputShape: [6, 6, 1]) {
            Conv2D(inputChannels: 1, filters: 2, kernelSize: (3, 3))
            Dropout(rate: 0.5)
        }
        let json = try model.architectureJSON()
        for (good, bad) in [("\"kernel_size\":[3,3]", "\"kernel_size\":[3,0]"), ("\"padding\":\"valid\"", "\"padding\":\"full\""),
                            ("\"rate\":0.5", "\"rate\":1.5"), ("\"filters\":2", "\"filters\":-2")] {
            XCTAssertTrue(json.contains(good), "\(good) in \(json)")
            XCTAssertThrowsError(try Model<Float>.architecture(fromJSON: Array(json.replacingOccurrences(of: good, with: bad).utf8), source: "test"), bad)
        }
    }

    func testResidualNestedAndSharedGraphsRoundTripBitIdentically() throws {
        setRandomSeed(3)
        // Residual.
        let input = Input<Float>(shape: [6], name: "features")
        var x = try Dense<Float>(inputSize: 6, outputSize: 8, activation: .relu)(input)
        for _ in 0..<2 { x = try Add()([x, try Dense<Float>(inputSize: 8, outputSize: 8, activation: .relu)(x)]) }
        let residual = try Functional(name: "residual", input: input, output: try Dense<Float>(inputSize: 8, outputSize: 3)(x))
        try assertRoundTrip(residual, input: samples([4, 6], seed: 4))

        // Nested: a Sequential and the residual model as layers of another graph.
        let encoder = Sequential<Float>(name: "encoder", inputShape: [6]) { Dense(inputSize: 6, outputSize: 6, activation: .tanh) }
        let outer = Input<Float>(shape: [6])
        let nested = try Functional(name: "nested", input: outer,
                                    output: try Concatenate<Float>()([try residual(try encoder(outer)), try residual(outer)]))
        let loaded = try assertRoundTrip(nested, input: samples([4, 6], seed: 5))
        XCTAssertEqual(loaded.namedParameters.count, 2 + residual.namedParameters.count)

        // Shared layer, two inputs, two outputs, Multiply and Average.
        let shared = Dense<Float>(inputSize: 3, outputSize: 3, activation: .sigmoid, name: "shared")
        let a = Input<Float>(shape: [3], name: "a"), b = Input<Float>(shape: [3], name: "b")
        let sa = try shared(a), sb = try shared(b)
        let siamese = try Functional(name: "siamese", inputs: [a, b], outputs: [try Multiply()([sa, sb]), try Average()([sa, sb, a])])
        let saved = folder.appendingPathComponent("siamese.safetensors")
        try siamese.save(to: saved)
        let twin = try XCTUnwrap(try Model<Float>.load(from: saved) as? Functional<Float>)
        let xa = samples([3, 3], seed: 6), xb = samples([3, 3], seed: 7)
        XCTAssertEqual(twin([xa, xb]).map(\.scalars), siamese([xa, xb]).map(\.scalars))
        XCTAssertEqual(twin.modelDescription, siamese.modelDescription)
    }

    func testRegisteredUserLayerLoadsAndAnUnknownOneIsAClearError() throws {
        let model = Sequential<Float>(name: "scaled", inputShape: [2], layers: [Scale(factor: 2.5), Dense(inputSize: 2, outputSize: 2, seed: 1)])
        let url = folder.appendingPathComponent("scaled.safetensors")
        try model.save(to: url)
        // Not registered yet under a fresh name: rename the type in the stored config.
        var checkpoint = try SafeTensors(contentsOf: url)
        checkpoint.metadata["config"] = checkpoint.metadata["config"]?.replacingOccurrences(of: "\"Scale\"", with: "\"Unheard\"")
        let unknown = folder.appendingPathComponent("unknown.safetensors")
        try checkpoint.write(to: unknown)
        XCTAssertThrowsError(try Model<Float>.load(from: unknown)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(unknown.path): layer scaled (Sequential): unknown layer type \"Unheard\" (layer scale); register it with LayerRegistry.register(_:)"),
                          "\(error)")
        }
        LayerRegistry.register(Scale.self)
        XCTAssertTrue(LayerRegistry.registeredNames(for: Float.self).contains("Scale"))
        let loaded = try Model<Float>.load(from: url)
        let x = samples([2, 2], seed: 1)
        XCTAssertEqual(loaded(x).scalars, model(x).scalars)
    }

    func testALayerThatCannotBeSavedIsNamed() throws {
        let model = Sequential<Float>(name: "custom", inputShape: [2], layers: [Doubler()])
        XCTAssertThrowsError(try model.save(to: folder.appendingPathComponent("custom.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("layer doubler (Doubler) cannot be saved in a whole-model file"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("custom.safetensors").path))
    }

    /// Every prefix of a real config, and configs with wrong types or sizes, are errors
    /// naming the source — never a crash.
    func testCorruptConfigsAreErrorsNeverCrashes() throws {
        let input = Input<Float>(shape: [4], name: "x")
        let hidden = try Dense<Float>(inputSize: 4, outputSize: 4, activation: .relu, seed: 1)(input)
        let model = try Functional(name: "g", input: input, output: try Add<Float>()([input, hidden]))
        let config = Array(try model.architectureJSON().utf8)
        for end in 0..<config.count {
            XCTAssertThrowsError(try Model<Float>.architecture(fromJSON: Array(config[..<end]), source: "cut")) { error in
                XCTAssertTrue("\(error)".hasPrefix("cut: "), "\(error)")
            }
        }
        let text = String(decoding: config, as: UTF8.self)
        let corruptions = [
            text.replacingOccurrences(of: "\"units\":4", with: "\"units\":-4"),
            text.replacingOccurrences(of: "\"units\":4", with: "\"units\":4000000000"),
            text.replacingOccurrences(of: "\"units\":4", with: "\"units\":\"4\""),
            text.replacingOccurrences(of: "\"units\":4", with: "\"units\":8"),
            text.replacingOccurrences(of: "\"activation\":\"relu\"", with: "\"activation\":\"swish\""),
            text.replacingOccurrences(of: "[\"x\",0]", with: "[\"x\",1]"),
            text.replacingOccurrences(of: "\"shape\":[4]", with: "\"shape\":[0]"),
            text.replacingOccurrences(of: "\"name\":\"add\"", with: "\"name\":\"x\""),
            text.replacingOccurrences(of: "\"Functional\"", with: "\"Dense\""),
            #"{"class_name":"ReLU","config":{"name":"r"}}"#,
            #"[]"#,
        ]
        for corrupt in corruptions {
            XCTAssertNotEqual(corrupt, text)
            XCTAssertThrowsError(try Model<Float>.architecture(fromJSON: Array(corrupt.utf8), source: "bad")) { error in
                XCTAssertTrue("\(error)".hasPrefix("bad: "), "\(error)")
            }
        }
        XCTAssertThrowsError(try Model<Float>.architecture(fromJSON: Array(corruptions[3].utf8))) { error in
            XCTAssertEqual("\(error)", "<config>: layer g (Functional): layer add cannot merge operands of shapes [4], [8]: the operands must have the same shape")
        }
    }

    /// A file cannot describe a cycle: a node may only take tensors made before it.
    func testAConfigThatFeedsALayerItsOwnOutputIsRejected() throws {
        let config = #"{"class_name":"Functional","config":{"name":"f","inputs":[{"name":"x","shape":[2]}],"#
            + #""layers":[{"class_name":"ReLU","config":{"name":"r"}}],"nodes":[{"layer":"r","inputs":[["r",0]]}],"outputs":[["r",0]]}}"#
        XCTAssertThrowsError(try Model<Float>.architecture(fromJSON: Array(config.utf8), source: "loop")) { error in
            XCTAssertEqual("\(error)", #"loop: layer f (Functional): a tensor reference must be [name, application] naming a tensor made earlier, got ["r",0]"#)
        }
    }

    func testWeightsOnlyFilesAndMismatchedWeightsAreRejected() throws {
        let model = Sequential<Float>(name: "m", inputShape: [2]) { Dense(inputSize: 2, outputSize: 2, seed: 1) }
        let weights = folder.appendingPathComponent("weights.safetensors")
        try model.save(weightsTo: weights)
        XCTAssertThrowsError(try Model<Float>.load(from: weights)) { error in
            XCTAssertTrue("\(error)".contains("not a whole-model file"), "\(error)")
        }
        XCTAssertThrowsError(try Model<Double>.load(fromBytes: try saved(model), source: "f32")) { error in
            XCTAssertEqual("\(error)", "f32: the model is float32, not float64")
        }
        var checkpoint = try SafeTensors(decoding: try saved(model))
        checkpoint.setTensor(Tensor<Float>(zeros: [3]), named: "dense.bias")
        XCTAssertThrowsError(try Model<Float>.load(fromBytes: try checkpoint.encoded())) { error in
            XCTAssertTrue("\(error)".contains("dense.bias"), "\(error)")
        }
    }

    private func saved(_ model: Model<Float>) throws -> [UInt8] {
        let url = folder.appendingPathComponent("saved.safetensors")
        try model.save(to: url)
        return Array(try Data(contentsOf: url))
    }
}
