import Foundation
import Tapestry
import TapestryData
import TapestryIO
import XCTest
@testable import TapestryNN

/// The TensorBoard callback, read back by TensorBoard's own `EventAccumulator` in the
/// test-only venv (`make venv`).
final class TensorBoardTests: XCTestCase {
    /// What read_events.py reports for one run.
    private struct Run: Decodable {
        let scalars: [String: [[Double]]]
        let histograms: [String: [[Double]]]
        let graph: [Node]?

        struct Node: Decodable {
            let name: String
            let op: String
            let inputs: [String]

            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                name = try container.decode(String.self)
                op = try container.decode(String.self)
                inputs = try container.decode([String].self)
            }
        }
    }

    func testTensorBoardReadsEveryScalarOfTheHistory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tensorboard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        setRandomSeed(3)
        var generator = SeededRandomNumberGenerator(seed: 5)
        let x = Tensor<Float>(randomNormal: [40, 3], using: &generator)
        let y = Tensor<Int32>((0..<40).map { Int32($0 % 2) })
        let model = Sequential<Float>(inputShape: [3]) {
            Dense(inputSize: 3, outputSize: 8, activation: .relu)
            Dense(inputSize: 8, outputSize: 2)
        }
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let board = TensorBoard<Float>(
            logDirectory: folder, updateFrequency: .batches(2),
            gradientSample: x[0..<8], labels: Tensor<Int32>(Array(y.scalars[0..<8])))
        let history = try model.fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.2, callbacks: [board], verbose: 0)
        XCTAssertEqual(history.epochs.count, 3)

        let output = try InteropPythonForNN.run([InteropPythonForNN.script("read_events.py"), folder.path])
        let runs = try JSONDecoder().decode([String: Run].self, from: output)
        let train = try XCTUnwrap(runs["train"], "runs: \(runs.keys.sorted())")
        let validation = try XCTUnwrap(runs["validation"], "runs: \(runs.keys.sorted())")

        // Every metric of every epoch, at step = epoch, as the 32-bit float TensorBoard stores.
        for record in history.epochs {
            for (name, value) in record.metrics {
                let (run, tag) = name.hasPrefix("val_") ? (validation, "epoch_" + name.dropFirst(4)) : (train, "epoch_" + name)
                let events = try XCTUnwrap(run.scalars[tag], "\(tag) missing; tags: \(run.scalars.keys.sorted())")
                let logged = events.filter { $0[0] == Double(record.epoch) }
                XCTAssertEqual(logged.count, 1, "\(tag) at epoch \(record.epoch)")
                XCTAssertEqual(logged.first?[1], Double(Float(value)), "\(tag) at epoch \(record.epoch)")
            }
        }
        XCTAssertEqual(Set(history.metricNames), ["loss", "accuracy", "val_loss", "val_accuracy"])
        XCTAssertEqual(train.scalars["epoch_learning_rate"]?.map { $0[1] }, [Double(Float(0.01)), Double(Float(0.01)), Double(Float(0.01))])
        // 32 training samples in batches of 8: 4 batches an epoch, batch_loss every 2.
        XCTAssertEqual(train.scalars["batch_loss"]?.map { $0[0] }, [2, 4, 6, 8, 10, 12])

        // Histograms of every weight and gradient, every epoch, of the right size.
        for (name, parameter) in model.namedParameters {
            for kind in ["weights", "gradients"] {
                let events = try XCTUnwrap(train.histograms["\(kind)/\(name)"], "\(kind)/\(name); tags: \(train.histograms.keys.sorted())")
                XCTAssertEqual(events.map { $0[0] }, [1, 2, 3])
                for event in events {
                    XCTAssertEqual(event[1], Double(parameter.value.scalarCount), "\(kind)/\(name) count")
                    XCTAssertEqual(event[5], Double(parameter.value.scalarCount), "\(kind)/\(name) bucket total")
                    XCTAssertLessThanOrEqual(event[2], event[3])
                }
            }
            // The last weights histogram describes the trained weights.
            let last = try XCTUnwrap(train.histograms["weights/\(name)"]?.last)
            let scalars = parameter.value.scalars.map(Double.init)
            XCTAssertEqual(last[2], scalars.min())
            XCTAssertEqual(last[3], scalars.max())
        }

        // The graph of a training step: parameters feed matmuls, and every input is a node.
        let graph = try XCTUnwrap(train.graph, "no graph written")
        let names = Set(graph.map(\.name))
        XCTAssertEqual(graph.filter { $0.op == "variable" }.count, model.namedParameters.count)
        XCTAssertTrue(graph.allSatisfy { $0.inputs.allSatisfy(names.contains) })
        XCTAssertGreaterThan(graph.count, model.namedParameters.count + 3)
        XCTAssertNil(board.trainingEventFile, "the event files are closed after training")
    }

    func testWithoutASampleOnlyWeightsAreHistogrammedAndNoValidationRunIsMade() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tensorboard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = Sequential<Float>(inputShape: [2]) { Dense(inputSize: 2, outputSize: 2, seed: 1) }
        model.compile(optimizer: SGD(learningRate: 0.1), loss: SparseCategoricalCrossentropy(fromLogits: true))
        let board = TensorBoard<Float>(logDirectory: folder, histogramFrequency: 2)
        try model.fit(Tensor<Float>([[0, 1], [1, 0], [1, 1]]), Tensor<Int32>([0, 1, 1]), epochs: 2, callbacks: [board], verbose: 0)

        let runs = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        XCTAssertEqual(runs, ["train"])
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("train").path)
        XCTAssertEqual(files.count, 1)
        let bytes = try Data(contentsOf: folder.appendingPathComponent("train/\(files[0])"))
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("weights/dense.kernel"), "weights histogrammed")
        XCTAssertFalse(text.contains("gradients/"), "no gradient histograms without a sample")
        XCTAssertFalse(text.contains("batch_loss"), "epoch updates only by default")
        XCTAssertTrue(text.contains("epoch_loss") && text.contains("epoch_learning_rate"))
    }
}

/// The test-only venv's python (`.build/test-venv`, made by `make venv`), for TensorBoard.
private enum InteropPythonForNN {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let executable = packageRoot.appendingPathComponent(".build/test-venv/bin/python")

    static func script(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/Interop/\(name)").path
    }

    /// Runs the venv's python; fails the test (no skip) when the venv is missing.
    static func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("the test-only Python environment is missing (\(executable.path)): run `make venv`", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-tb-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: (try? Data(contentsOf: errorFile)) ?? Data(), as: UTF8.self)
            XCTFail("python \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(message)", file: file, line: line)
            throw CocoaError(.executableLoad)
        }
        return data
    }
}
