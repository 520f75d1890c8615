import Foundation
import XCTest
import Tapestry
import TapestryIO
@testable import TapestryNN

/// `BackupAndRestore`: an interrupted `fit`, run again, ends exactly where an uninterrupted one does.
final class BackupAndRestoreTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops `fit` before the update of its `stopBeforeBatch`-th batch (counted over all
    /// epochs, from 1), as a crash would, so nothing after the last backup is kept.
    private final class Interruption: Callback {
        typealias Scalar = Float
        let stopBeforeBatch: Int
        private var batches = 0
        init(stopBeforeBatch: Int) { self.stopBeforeBatch = stopBeforeBatch }
        func batchDidCompute(step: Int, loss: Double, model: Model<Float>) -> CallbackDecision {
            batches += 1
            return batches == stopBeforeBatch ? .stop(reason: "simulated crash") : .proceed
        }
    }

    /// A fresh spiral MLP compiled with Adam and accuracy; the weights (and the dropout
    /// masks) differ per `initSeed`.
    private func makeModel(initSeed: UInt64, dropout: Bool = false) -> Sequential<Float> {
        setRandomSeed(initSeed)
        let model = dropout
            ? Sequential<Float>(inputShape: [2]) {
                Dense(inputSize: 2, outputSize: 64, activation: .relu)
                Dropout(rate: 0.3)
                Dense(inputSize: 64, outputSize: 2)
            }
            : TrainingTests.spiralModel()
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true),
                      metrics: [.accuracy])
        return model
    }

    private func fit(_ model: Sequential<Float>, callbacks: [any Callback<Float>]) throws -> History {
        let (x, y) = TrainingTests.twoSpirals(perClass: 30)   // 60 samples, 48 after the split
        return try model.fit(x, y, epochs: 4, batchSize: 10, validationSplit: 0.2, callbacks: callbacks, verbose: 0, seed: 5)
    }

    /// Runs once uninterrupted, then interrupted before batch `stop` and resumed in a new
    /// model, and checks History metrics and weights are equal bit for bit.
    private func checkResumption(
        saveFrequency: BackupAndRestore<Float>.SaveFrequency, stopBeforeBatch stop: Int, dropout: Bool = false,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let reference = makeModel(initSeed: 1, dropout: dropout)
        let expected = try fit(reference, callbacks: [])

        let folder = directory.appendingPathComponent("run-\(UUID().uuidString)")
        let interrupted = makeModel(initSeed: 1, dropout: dropout)
        let first = BackupAndRestore<Float>(backupDirectory: folder, saveFrequency: saveFrequency, deletesBackupOnEnd: false)
        let partial = try fit(interrupted, callbacks: [first, Interruption(stopBeforeBatch: stop)])
        XCTAssertEqual(partial.stopReason, "simulated crash", file: file, line: line)
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.backupURL.path), "a backup was written", file: file, line: line)

        // A new process: other initial weights, which the backup replaces.
        let resumed = makeModel(initSeed: 99, dropout: dropout)
        let second = BackupAndRestore<Float>(backupDirectory: folder, saveFrequency: saveFrequency)
        let history = try fit(resumed, callbacks: [second])
        XCTAssertEqual(history.epochs.map(\.epoch), expected.epochs.map(\.epoch), file: file, line: line)
        XCTAssertEqual(history.epochs.map(\.metrics), expected.epochs.map(\.metrics), "History, bit for bit", file: file, line: line)
        XCTAssertNotNil(history.epochs.first?.metrics["val_accuracy"], file: file, line: line)
        XCTAssertEqual(resumed.parameters.map(\.value), reference.parameters.map(\.value), "weights, bit for bit", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: second.backupURL.path), "deleted at the end", file: file, line: line)
    }

    func testResumingFromAnEpochBackupMatchesAnUninterruptedRun() throws {
        // 5 batches an epoch: batch 13 is the 3rd of epoch 3, so epoch 3 restarts from the epoch-2 backup.
        try checkResumption(saveFrequency: .epoch, stopBeforeBatch: 13)
    }

    func testResumingMidEpochMatchesAnUninterruptedRun() throws {
        // Backups after steps 2 and 4 of each epoch: batch 10 (step 5 of epoch 2) resumes after step 4.
        try checkResumption(saveFrequency: .steps(2), stopBeforeBatch: 10)
        try checkResumption(saveFrequency: .steps(2), stopBeforeBatch: 8)
    }

    func testResumingAModelWithDropoutRestoresItsMasks() throws {
        try checkResumption(saveFrequency: .steps(2), stopBeforeBatch: 9, dropout: true)
        try checkResumption(saveFrequency: .epoch, stopBeforeBatch: 12, dropout: true)
    }

    func testAFinishedBackupReturnsTheSavedHistoryWithoutTraining() throws {
        let folder = directory.appendingPathComponent("done")
        let model = makeModel(initSeed: 1)
        let backup = BackupAndRestore<Float>(backupDirectory: folder, deletesBackupOnEnd: false)
        let expected = try fit(model, callbacks: [backup])
        let file = try SafeTensors(contentsOf: backup.backupURL)
        XCTAssertEqual(file.names.filter { $0.hasPrefix("optimizer/") }.count, 2 * model.trainableParameters.count, "m and v")
        let again = makeModel(initSeed: 3)
        let history = try fit(again, callbacks: [BackupAndRestore<Float>(backupDirectory: folder)])
        XCTAssertEqual(history.epochs, expected.epochs, "the saved History, seconds included")
        XCTAssertEqual(again.parameters.map(\.value), model.parameters.map(\.value))
    }

    func testABackupOfAnotherModelIsRejectedBeforeTraining() throws {
        let folder = directory.appendingPathComponent("other")
        let model = makeModel(initSeed: 1)
        _ = try fit(model, callbacks: [BackupAndRestore<Float>(backupDirectory: folder, deletesBackupOnEnd: false)])
        setRandomSeed(1)
        let other = Sequential<Float>(inputShape: [2]) { Dense(inputSize: 2, outputSize: 2) }
        other.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        let before = other.parameters.map(\.value)
        XCTAssertThrowsError(try fit(other, callbacks: [BackupAndRestore<Float>(backupDirectory: folder)])) { error in
            XCTAssertTrue("\(error)".contains("resume"), "\(error)")
        }
        XCTAssertEqual(other.parameters.map(\.value), before)
    }

    func testGeneratorStateContinuesTheSequence() throws {
        var generator = SeededRandomNumberGenerator(seed: 8)
        _ = (0..<5).map { _ in generator.next() }
        var copy = try XCTUnwrap(SeededRandomNumberGenerator(state: generator.state))
        XCTAssertEqual((0..<10).map { _ in copy.next() }, (0..<10).map { _ in generator.next() })
        XCTAssertNil(SeededRandomNumberGenerator(state: [0, 0, 0, 0]))
        XCTAssertNil(SeededRandomNumberGenerator(state: [1, 2, 3]))
    }

    func testModelCheckpointWithOptimizerStateContinuesTrainingExactly() throws {
        let (x, y) = TrainingTests.twoSpirals(perClass: 30)
        let reference = makeModel(initSeed: 1)
        try reference.fit(x, y, epochs: 2, batchSize: 10, verbose: 0, seed: 5)
        let checkpoint = ModelCheckpoint<Float>(path: directory.appendingPathComponent("with-adam.safetensors").path,
                                                includesOptimizerState: true)
        let trained = makeModel(initSeed: 1)
        try trained.fit(x, y, epochs: 1, batchSize: 10, callbacks: [checkpoint], verbose: 0, seed: 5)

        let restored = makeModel(initSeed: 42)
        let url = try XCTUnwrap(checkpoint.savedFiles.first)
        try restored.load(weightsFrom: url)
        try restored.load(optimizerStateFrom: url)
        let adam = try XCTUnwrap(restored.optimizer as? Adam<Float>)
        XCTAssertEqual(adam.snapshot(of: restored.trainableParameters).step, 6)
        // One more epoch on the same data in the same order as the reference's second epoch.
        var generator = SeededRandomNumberGenerator(seed: 5)
        var order = Array(0..<60)
        generator.shuffle(&order)
        generator.shuffle(&order)
        for start in stride(from: 0, to: 60, by: 10) {
            let batch = Array(order[start..<start + 10])
            try restored.trainOnBatch(x.gathering(atIndices: batch), y.gathering(atIndices: batch))
        }
        XCTAssertEqual(restored.parameters.map(\.value), reference.parameters.map(\.value), "Adam's moments were restored")

        let plain = directory.appendingPathComponent("plain.safetensors")
        try trained.save(weightsTo: plain)
        XCTAssertThrowsError(try restored.load(optimizerStateFrom: plain))
    }
}
