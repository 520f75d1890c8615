// FashionSubcommandTests.swift: the built `fashion` binary's commands on saved models —
// evaluate, predict and draw a small model saved here — and their clean failures (exit
// status 1, one line naming the file and the reason).

import Foundation
import Tapestry
import TapestryIO
import TapestryNN
import XCTest

final class FashionSubcommandTests: XCTestCase {
    private var folder: URL!
    private var fashion: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
        fashion = try BuiltProducts.executable("fashion")
    }

    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = nil
        return environment
    }

    /// Debian's copy of the data, which the evaluate and predict cases need.
    private func dataFolder() throws -> URL {
        let folder = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist", isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path) else {
            throw XCTSkip("Fashion-MNIST is not installed at \(folder.path)")
        }
        return folder
    }

    /// A small untrained residual model (Flatten → Dense 16 → one skip block → Dense 10).
    private func savedModel() throws -> URL {
        let input = Input<Float>(shape: [28, 28], name: "image")
        let hidden = try Dense<Float>(inputSize: 784, outputSize: 16, activation: .relu, seed: 1)(try Flatten<Float>()(input))
        let block = try Add<Float>()([hidden, try Dense<Float>(inputSize: 16, outputSize: 16, activation: .relu, seed: 2)(hidden)])
        let model = try Functional(name: "tiny_residual", input: input, output: try Dense<Float>(inputSize: 16, outputSize: 10, seed: 3)(block))
        let url = folder.appendingPathComponent("tiny.safetensors")
        try model.save(to: url)
        return url
    }

    private func run(_ arguments: [String]) throws -> ProcessResult {
        try runToCompletion(fashion, arguments, environment: environment, in: folder, timeout: 60)
    }

    private func assertFailure(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try run(arguments)
        XCTAssertTrue(result.exited, file: file, line: line)
        XCTAssertEqual(result.status, 1, file: file, line: line)
        XCTAssertEqual(result.errorLines.count, 1, result.standardError, file: file, line: line)
        XCTAssertFalse(result.standardError.contains("Fatal error"), file: file, line: line)
        return result.errorLines.first ?? ""
    }

    func testDrawWritesTheDiagramOfASavedModel() throws {
        let model = try savedModel()
        let output = folder.appendingPathComponent("pictures")
        let result = try run(["draw", "--model", model.path, "--output", output.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let svg = try String(contentsOf: output.appendingPathComponent("model.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg"))
        XCTAssertTrue(svg.contains(">add</text>") && svg.contains("> (Add)</text>"))
        XCTAssertTrue(result.standardOutput.contains("Wrote model.svg of tiny_residual"))
    }

    func testEvaluateAndPredictASavedModel() throws {
        let data = try dataFolder()
        let model = try savedModel()
        let evaluate = try run(["evaluate", "--model", model.path, "--data-dir", data.path])
        XCTAssertEqual(evaluate.status, 0, evaluate.standardError)
        let line = try XCTUnwrap(evaluate.standardOutput.split(separator: "\n").first { $0.hasPrefix("Test accuracy: ") })
        let figures = line.dropFirst("Test accuracy: ".count).components(separatedBy: ", Test loss: ").compactMap(Double.init)
        XCTAssertEqual(figures.count, 2, String(line))
        XCTAssertTrue((0...1).contains(figures.first ?? -1), String(line))
        XCTAssertGreaterThan(figures.last ?? 0, 0, String(line))

        let predict = try run(["predict", "--model", model.path, "--index", "3", "--data-dir", data.path])
        XCTAssertEqual(predict.status, 0, predict.standardError)
        XCTAssertTrue(predict.standardOutput.hasPrefix("predictions[3]:\narray(["), predict.standardOutput)
        XCTAssertTrue(predict.standardOutput.contains("(true label: 'Trouser')"))
        XCTAssertTrue(predict.standardOutput.contains("┌"))
    }

    func testBadModelFilesFailWithOneLineNamingTheFile() throws {
        let missing = folder.appendingPathComponent("missing.safetensors")
        XCTAssertTrue(try assertFailure(["evaluate", "--model", missing.path]).hasPrefix("fashion: \(missing.path): cannot open the file"))

        let garbage = folder.appendingPathComponent("garbage.safetensors")
        try Data("not a model".utf8).write(to: garbage)
        XCTAssertTrue(try assertFailure(["predict", "--model", garbage.path]).hasPrefix("fashion: \(garbage.path): "))

        let weights = folder.appendingPathComponent("weights.safetensors")
        try Sequential<Float>(inputShape: [2]) { Dense(inputSize: 2, outputSize: 2, seed: 1) }.save(weightsTo: weights)
        XCTAssertTrue(try assertFailure(["draw", "--model", weights.path, "--output", folder.path]).contains("not a whole-model file"))

        var unknown = try SafeTensors(contentsOf: try savedModel())
        unknown.metadata["config"] = unknown.metadata["config"]?.replacingOccurrences(of: "\"Add\"", with: "\"Mystery\"")
        let unknownURL = folder.appendingPathComponent("unknown.safetensors")
        try unknown.write(to: unknownURL)
        let message = try assertFailure(["draw", "--model", unknownURL.path, "--output", folder.path])
        XCTAssertTrue(message.hasPrefix("fashion: \(unknownURL.path): layer tiny_residual (Functional): unknown layer type \"Mystery\""), message)

        XCTAssertEqual(try assertFailure(["predict", "--model", "x", "--index", "10000"]), "fashion: --index must be between 0 and 9999, got 10000")
    }

    func testSaveModelDestinationIsCheckedBeforeTraining() throws {
        let message = try assertFailure(["--epochs", "1", "--save-model", folder.path, "--output", folder.appendingPathComponent("p").path])
        XCTAssertEqual(message, "fashion: cannot write \(folder.path): --save-model names a folder, not a file")
        let explicit = try assertFailure(["train", "--epochs", "1", "--save-model", "/no/such/folder/m.safetensors",
                                          "--output", folder.appendingPathComponent("p").path])
        XCTAssertTrue(explicit.contains("the folder /no/such/folder does not exist"), explicit)
    }
}
