import Foundation
import XCTest
import Tapestry
import TapestryData
import TapestryIO
import TapestryNN

/// Exported models are checked by the real `onnx.checker` and run by the real onnxruntime
/// (Tests/Interop/check_onnx.py in `.build/test-venv`), whose outputs must match `predict`.
final class ONNXExportTests: XCTestCase {
    /// What check_onnx.py reports about a model it ran.
    private struct RunSummary: Decodable {
        let ir_version: Int
        let opsets: [String: Int]
        let inputs: [String]
        let outputs: [String]
        let operators: [String]
        let operator_counts: [String: Int]
        let initializers: [String]
    }

    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let python = packageRoot.appendingPathComponent(".build/test-venv/bin/python")

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func batch(_ shape: [Int], seed: UInt64) -> Tensor<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// Exports `model`, runs it with onnxruntime on `inputs` and returns its outputs and the summary.
    private func runWithONNXRuntime(_ model: Model<Float>, inputs: [Tensor<Float>], opset: Int = 13,
                                    file: StaticString = #filePath, line: UInt = #line) throws -> ([Tensor<Float>], RunSummary) {
        let modelURL = directory.appendingPathComponent("model.onnx")
        try model.exportONNX(to: modelURL, opset: opset)
        var inputPaths: [String] = []
        for (index, input) in inputs.enumerated() {
            let url = directory.appendingPathComponent("input_\(index).npy")
            try NumPyArray(input).write(to: url)
            inputPaths.append(url.path)
        }
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            XCTFail("the test-only Python environment is missing (\(Self.python.path)): run `make venv`", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = Self.python
        process.arguments = [Self.packageRoot.appendingPathComponent("Tests/Interop/check_onnx.py").path,
                             modelURL.path, directory.path] + inputPaths
        let errorURL = directory.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
            XCTFail("check_onnx.py failed (\(process.terminationStatus)): \(message)", file: file, line: line)
            throw CocoaError(.executableLoad)
        }
        let summary = try JSONDecoder().decode(RunSummary.self, from: data)
        let outputs = try summary.outputs.indices.map { index in
            try NumPyArray(contentsOf: directory.appendingPathComponent("output_\(index).npy")).tensor(as: Float.self)
        }
        return (outputs, summary)
    }

    private func assertClose(_ actual: Tensor<Float>, _ expected: Tensor<Float>, tolerance: Float = 1e-5,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.shape, expected.shape, file: file, line: line)
        let difference = zip(actual.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(difference, tolerance, "largest difference from Tapestry's predictions", file: file, line: line)
    }

    func testMLPRunsInONNXRuntimeLikePredict() throws {
        let model = Sequential<Float>(inputShape: [4, 5], layers: [
            Flatten(),
            Dense(inputSize: 20, outputSize: 16, activation: .relu, seed: 1),
            Dense(inputSize: 16, outputSize: 8, activation: .relu, seed: 2),
            Dense(inputSize: 8, outputSize: 3, seed: 3),
        ])
        let x = batch([7, 4, 5], seed: 4)
        let (outputs, summary) = try runWithONNXRuntime(model, inputs: [x])
        assertClose(outputs[0], try model.predict(x))
        XCTAssertEqual(summary.ir_version, 8)
        XCTAssertEqual(summary.opsets[""], 13)
        XCTAssertEqual(summary.inputs, ["input"])
        XCTAssertEqual(summary.outputs, ["output"])
        XCTAssertEqual(summary.operators, ["Flatten", "Gemm", "Identity", "Relu"])
    }

    func testMLPExportsUnderTheNewestSupportedOpset() throws {
        let model = Sequential<Float>(inputShape: [6], layers: [Dense(inputSize: 6, outputSize: 4, activation: .softmax, seed: 5)])
        let x = batch([3, 6], seed: 6)
        let (outputs, summary) = try runWithONNXRuntime(model, inputs: [x], opset: 17)
        assertClose(outputs[0], try model.predict(x))
        XCTAssertEqual(summary.opsets[""], 17)
    }

    func testCNNWithTrainedBatchNormalizationRunsInONNXRuntimeLikePredict() throws {
        setRandomSeed(7)
        let norm = BatchNormalization<Float>(featureCount: 6)
        let model = Sequential<Float>(inputShape: [12, 12], layers: [
            Reshape([12, 12, 1]),
            Conv2D(inputChannels: 1, filters: 4, kernelSize: (3, 3), activation: .relu),
            MaxPooling2D(poolSize: (2, 2)),
            // 5×5 → 3×3 with one pixel padded on each side.
            Conv2D(inputChannels: 4, filters: 6, kernelSize: (3, 3), strides: (2, 2), padding: .same),
            // 3×3 → 2×2 with the padded pixel after, excluded from the averages.
            AveragePooling2D(poolSize: (2, 2), padding: .same),
            norm,
            Dropout(rate: 0.5),
            Flatten(),
            Dense(inputSize: 24, outputSize: 5),
            Softmax(),
        ])
        let x = batch([16, 12, 12], seed: 8)
        let labels = Tensor<Int32>(shape: [16], scalars: (0..<16).map { Int32($0 % 5) })
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(), metrics: [.accuracy])
        _ = try model.fit(x, labels, epochs: 2, batchSize: 8, verbose: 0)
        XCTAssertNotEqual(norm.movingMean.value.scalars, [Float](repeating: 0, count: 6), "the moving statistics were trained")

        let (outputs, summary) = try runWithONNXRuntime(model, inputs: [x])
        assertClose(outputs[0], try model.predict(x))
        XCTAssertTrue(Set(["Conv", "MaxPool", "AveragePool", "BatchNormalization", "Transpose", "Softmax"])
            .isSubset(of: Set(summary.operators)), "\(summary.operators)")
        XCTAssertFalse(summary.operators.contains("Dropout"))
    }

    func testFunctionalGraphWithMergesAndANestedModelRunsInONNXRuntimeLikePredict() throws {
        let input = Input<Float>(shape: [6], name: "features")
        let a = try Dense<Float>(inputSize: 6, outputSize: 8, activation: .relu, seed: 11)(input)
        let b = try Dense<Float>(inputSize: 8, outputSize: 8, activation: .tanh, seed: 12)(a)
        let sum = try Add<Float>()([a, b])
        let product = try Multiply<Float>()([a, b, sum])
        let mean = try Average<Float>()([sum, product])
        let joined = try Concatenate<Float>()([mean, a])
        let head = Sequential<Float>(name: "head", inputShape: [16], layers: [
            Dense(inputSize: 16, outputSize: 4, activation: .leakyRelu(slope: 0.2), seed: 13),
            Dense(inputSize: 4, outputSize: 3, activation: .sigmoid, seed: 14),
        ])
        let output = try head(joined)
        let model = try Functional(name: "residual", inputs: [input], outputs: [output])
        let x = batch([9, 6], seed: 15)
        let (outputs, summary) = try runWithONNXRuntime(model, inputs: [x])
        assertClose(outputs[0], try model.predict(x))
        XCTAssertEqual(summary.inputs, ["features"])
        XCTAssertEqual(summary.outputs, ["head"])
        XCTAssertTrue(Set(["Sum", "Mul", "Mean", "Concat", "LeakyRelu", "Sigmoid", "Tanh"]).isSubset(of: Set(summary.operators)))
    }

    func testSharedLayerIsStoredOnce() throws {
        let input = Input<Float>(shape: [4], name: "x")
        let shared = Dense<Float>(inputSize: 4, outputSize: 4, activation: .tanh, seed: 41, name: "shared")
        let twice = try shared(try shared(input))
        let model = try Functional(inputs: [input], outputs: [try Add<Float>()([input, twice])])
        let x = batch([6, 4], seed: 42)
        let (outputs, summary) = try runWithONNXRuntime(model, inputs: [x])
        assertClose(outputs[0], try model.predict(x))
        XCTAssertEqual(summary.initializers, ["shared.bias", "shared.kernel"])
    }

    func testFunctionalConvolutionalResidualStaysChannelsFirstAcrossTheAdd() throws {
        let input = Input<Float>(shape: [8, 8, 2], name: "image")
        let first = try Conv2D<Float>(inputChannels: 2, filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu, seed: 21)(input)
        let second = try Conv2D<Float>(inputChannels: 4, filters: 4, kernelSize: (3, 3), padding: .same,
                                       dilation: (2, 2), seed: 22)(first)
        let sum = try Add<Float>()([first, second])
        let joined = try Concatenate<Float>(axis: -1)([sum, first])
        let pooled = try GlobalAveragePooling2D<Float>()(try MaxPooling2D<Float>(poolSize: (3, 3), strides: (2, 2), padding: .same)(joined))
        let logits = try Dense<Float>(inputSize: 8, outputSize: 3, seed: 23)(pooled)
        let model = try Functional(inputs: [input], outputs: [logits, sum])
        let x = batch([5, 8, 8, 2], seed: 24)
        let (outputs, summary) = try runWithONNXRuntime(model, inputs: [x])
        // `predict(inputs:)` rejects one input with two outputs (it packs the input but checks
        // the unpacked shape), so the graph is called directly.
        let expected = model([x])
        XCTAssertEqual(outputs.count, 2)
        assertClose(outputs[0], expected[0])
        assertClose(outputs[1], expected[1])
        XCTAssertTrue(summary.operators.contains("ReduceMean"))
        // Into NCHW for the first convolution; the Add stays NCHW; back to NHWC for the
        // Concatenate (its two operands); into NCHW for the pool; the `sum` output reuses
        // its NHWC copy.
        XCTAssertEqual(summary.operator_counts["Transpose"], 4)
    }

    /// The real data: an MLP trained briefly on Fashion-MNIST predicts the 10,000 test images in
    /// onnxruntime as in Tapestry, with the same accuracy.
    func testFashionMLPOnTheTestImagesMatchesInONNXRuntime() throws {
        let data = try FashionMNIST.load()
        setRandomSeed(31)
        let model = Sequential<Float>(inputShape: [28, 28], layers: [
            Flatten(),
            Dense(inputSize: 784, outputSize: 64, activation: .relu),
            Dense(inputSize: 64, outputSize: 64, activation: .relu),
            Dense(inputSize: 64, outputSize: 10),
        ])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        _ = try model.fit(data.train.prefix(3000), epochs: 1, batchSize: 32, verbose: 0)
        let images = data.test.inputs(at: Array(0..<data.test.count)[...])
        let (outputs, _) = try runWithONNXRuntime(model, inputs: [images])
        let expected = try model.predict(images, batchSize: 1000)
        assertClose(outputs[0], expected)
        func accuracy(_ logits: Tensor<Float>) -> Double {
            let predicted = logits.argmax(alongAxis: 1).scalars
            return Double(zip(predicted, data.test.labels).filter { Int($0) == Int($1) }.count) / Double(data.test.count)
        }
        XCTAssertEqual(data.test.count, 10_000)
        XCTAssertEqual(accuracy(outputs[0]), accuracy(expected))
        XCTAssertGreaterThan(accuracy(expected), 0.6, "the model learned something")
    }

    func testCustomActivationIsReportedWithItsLayer() {
        struct Cube: ActivationFunction {
            func callAsFunction<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> { x * x * x }
        }
        let model = Sequential<Float>(inputShape: [3], layers: [Dense(inputSize: 3, outputSize: 2, activation: Activation("cube", Cube()), name: "cubic")])
        XCTAssertThrowsError(try model.onnxModel()) { error in
            XCTAssertEqual(error as? ONNXExportError, .unsupportedActivation(layer: "cubic", activation: "cube"))
            XCTAssertTrue("\(error)".contains("cubic"))
        }
    }

    func testCustomLayerIsReportedByName() throws {
        final class Doubling: Layer {
            var name = "doubling"
            func callAsFunction(_ input: Tensor<Float>) -> Tensor<Float> { input * 2 }
            func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
        }
        let input = Input<Float>(shape: [3])
        let model = try Functional(inputs: [input], outputs: [try Doubling()(input)])
        XCTAssertThrowsError(try model.onnxModel()) { error in
            XCTAssertEqual(error as? ONNXExportError, .unsupportedLayer(name: "doubling", typeName: "Doubling"))
        }
    }

    func testMissingInputShapeAndUnsupportedOpsetAreErrors() {
        let model = Sequential<Float>(name: "shapeless", layers: [Dense(inputSize: 3, outputSize: 2)])
        XCTAssertThrowsError(try model.onnxModel()) { error in
            XCTAssertEqual(error as? ONNXExportError, .missingInputShape(model: "shapeless"))
        }
        let shaped = Sequential<Float>(inputShape: [3], layers: [Dense(inputSize: 3, outputSize: 2)])
        XCTAssertThrowsError(try shaped.onnxModel(opset: 21)) { error in
            XCTAssertEqual(error as? ONNXExportError, .unsupportedOpset(requested: 21, supported: 13...17))
        }
    }
}
