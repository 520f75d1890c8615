// NonRegularInputTests.swift: every TapestryNN reader of a file — weights, whole-model files,
// optimizer state, training backups — refuses FIFOs, devices, folders and links to them at
// once, naming the file.

import Foundation
import Tapestry
import TapestryIO
import TapestryNN
import TestSupport
import XCTest

final class NonRegularInputTests: XCTestCase {
    private static func model() -> Sequential<Float> {
        let model = Sequential<Float>(inputShape: [2]) { Dense(inputSize: 2, outputSize: 2) }
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true))
        return model
    }

    private func assertEveryKindIsRefused(
        named name: String, devicesThemselves: Bool = true, line: UInt = #line, _ read: @escaping @Sendable (URL) throws -> Void
    ) throws {
        let folder = try makeTemporaryDirectory(self)
        for input in try nonRegularFiles(in: folder, named: name, devicesThemselves: devicesThemselves) {
            assertRefusedQuickly(input, line: line, { try read(input.url) }) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(input.url.path), "\(input): \(text)", line: line)
                XCTAssertTrue(text.contains(input.kind), "\(input): \(text)", line: line)
                XCTAssertFalse(text.contains("\n"), "\(input): \(text)", line: line)
            }
        }
    }

    func testWeights() throws {
        try assertEveryKindIsRefused(named: "weights.safetensors") { try Self.model().load(weightsFrom: $0) }
    }

    func testWholeModelFiles() throws {
        // What `fashion evaluate --model` and `fashion predict --model` read.
        try assertEveryKindIsRefused(named: "model.safetensors") { _ = try Model<Float>.load(from: $0) }
    }

    func testOptimizerState() throws {
        try assertEveryKindIsRefused(named: "checkpoint.safetensors") { try Self.model().load(optimizerStateFrom: $0) }
    }

    func testTrainingBackupsAsFitResumes() throws {
        // The backup is always `<folder>/backup.safetensors`: each kind in a folder of its own.
        try assertEveryKindIsRefused(named: "backup.safetensors", devicesThemselves: false) { url in
            let backup = BackupAndRestore<Float>(backupDirectory: url.deletingLastPathComponent(), deletesBackupOnEnd: false)
            let model = Self.model()
            _ = try model.fit(Tensor<Float>(zeros: [4, 2]), Tensor<Int32>([0, 1, 0, 1]), epochs: 1, callbacks: [backup], verbose: 0)
        }
    }
}
