// FuzzTrainingState: the training-state readers, fed whole files: `BackupAndRestore`'s backup
// (read as `fit` resumes from it) and `load(optimizerStateFrom:)`'s weights-and-optimizer file.
//
// Properties, for every input:
// - `restoredTrainingState(for:)` and `load(optimizerStateFrom:)` return or throw a one-line
//   `CheckpointError` or `ModelError` naming the file; they never trap;
// - `fit` resuming from a state that was read either throws a `ModelError` before training
//   or trains to finite-shaped weights; the backup it then writes reads again, and written
//   once more gives the same bytes (the layout round-trips);
// - after `load(optimizerStateFrom:)`, whether it threw or not, the model still trains.
//
// `FuzzTrainingState --write-seeds FOLDER` writes genuine files (an end-of-epoch backup, a
// mid-epoch one, a weights-and-optimizer checkpoint) as seeds.

import Foundation
import FuzzSupport
import Tapestry
import TapestryIO
@_spi(Testing) import TapestryNN

let scratch = ScratchFile(name: "backup.safetensors")
let backupFolder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tapestry-fuzz-\(getpid())-backup")
let rewriteFolder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tapestry-fuzz-\(getpid())-rewrite")
let backupPath = backupFolder.appendingPathComponent("backup.safetensors").path

let inputs = Tensor<Float>(shape: [8, 3], scalars: (0..<24).map { Float($0 % 5) / 5 })
let labels = Tensor<Int32>((0..<8).map { Int32($0 % 2) })

func makeModel() -> Sequential<Float> {
    let model = Sequential<Float>(inputShape: [3]) {
        Dense(inputSize: 3, outputSize: 4, activation: .relu)
        Dropout(rate: 0.25, seed: 1)
        Dense(inputSize: 4, outputSize: 2)
    }
    model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
    return model
}

/// Writes the input as `<backupFolder>/backup.safetensors`, a regular file of its own: a fit
/// resuming from it replaces it. (Not a link to the scratch file: that is `/proc/self/fd/N`
/// of an unlinked file, and AtomicFile writes through links to their target, which here
/// is a deleted file's "(deleted)" name.)
func writeBackup(_ bytes: UnsafeRawBufferPointer) {
    try? FileManager.default.createDirectory(at: backupFolder, withIntermediateDirectories: true)
    unlink(backupPath)
    let fd = open(backupPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    require(fd >= 0, "cannot create the backup: \(String(cString: strerror(errno)))")
    defer { close(fd) }
    var written = 0
    while written < bytes.count {
        let result = write(fd, bytes.baseAddress.map { $0 + written }, bytes.count - written)
        if result < 0 && errno == EINTR { continue }
        require(result > 0, "cannot write the backup: \(String(cString: strerror(errno)))")
        written += result
    }
}

/// Checks a reader's error: one line, of the documented types, naming `path`.
func checkError(_ error: any Error, path: String) {
    let text = "\(error)"
    require(!text.contains("\n"), "the error is not one line: \(text.debugDescription)")
    switch error {
    case is CheckpointError, is ModelError: break
    default: require(false, "an error of an unexpected type \(type(of: error)): \(text)")
    }
    if error is CheckpointError {
        require(text.hasPrefix(path), "the error does not start with the file: \(text)")
    }
}

func fuzzBackup() {
    let model = makeModel()
    let backup = BackupAndRestore<Float>(backupDirectory: backupFolder, deletesBackupOnEnd: false)
    let state: TrainingState<Float>?
    do {
        state = try backup.restoredTrainingState(for: model)
    } catch {
        checkError(error, path: backupPath)
        if let modelError = error as? ModelError { require("\(modelError)".contains(backupPath), "\(modelError) does not name the file") }
        return
    }
    guard let state else { return require(false, "an existing backup read as none") }
    // Resume: either refused before training, or trained to the end of the next epoch.
    let epochs = state.epochsCompleted < 3 ? state.epochsCompleted + 1 : 0
    guard epochs > 0 else { return }
    do {
        _ = try model.fit(inputs, labels, epochs: epochs, batchSize: 4, callbacks: [backup], verbose: 0, seed: 1)
    } catch let error as ModelError {
        require(!"\(error)".contains("\n"), "the error is not one line: \(error)")
        return
    } catch {
        return require(false, "fit threw \(type(of: error)): \(error)")
    }
    // The backup fit wrote reads again, and written once more gives the same bytes.
    do {
        let written = try Data(contentsOf: URL(fileURLWithPath: backupPath))
        let again = try backup.restoredTrainingState(for: model)
        guard let again else { return require(false, "the backup fit wrote is missing") }
        let rewrite = BackupAndRestore<Float>(backupDirectory: rewriteFolder, deletesBackupOnEnd: false)
        try FileManager.default.createDirectory(at: rewriteFolder, withIntermediateDirectories: true)
        try rewrite.save(again, for: model)
        let rewritten = try Data(contentsOf: rewrite.backupURL)
        require(rewritten == written, "a backup does not round-trip bit for bit")
    } catch {
        require(false, "the backup fit wrote does not read again: \(error)")
    }
}

func fuzzOptimizerState() {
    let model = makeModel()
    do {
        try model.load(optimizerStateFrom: scratch.url)
    } catch {
        checkError(error, path: scratch.url.path)
    }
    do {
        _ = try model.fit(inputs, labels, epochs: 1, batchSize: 4, verbose: 0, seed: 2)
    } catch {
        require(false, "the model no longer trains after load(optimizerStateFrom:): \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    scratch.replaceContents(with: bytes)
    writeBackup(bytes)
    fuzzBackup()
    fuzzOptimizerState()
    return 0
}

/// Writes genuine training-state files into `folder`.
func writeSeeds(to folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tapestry-seeds-\(getpid())")
    defer { try? FileManager.default.removeItem(at: work) }

    let model = makeModel()
    let endOfEpoch = BackupAndRestore<Float>(backupDirectory: work.appendingPathComponent("epoch"), deletesBackupOnEnd: false)
    try model.fit(inputs, labels, epochs: 1, batchSize: 4, callbacks: [endOfEpoch], verbose: 0, seed: 1)
    try FileManager.default.copyItem(at: endOfEpoch.backupURL, to: folder.appendingPathComponent("seed-backup-end-of-epoch"))

    let midEpoch = BackupAndRestore<Float>(backupDirectory: work.appendingPathComponent("steps"), saveFrequency: .steps(1),
                                           deletesBackupOnEnd: false)
    var copied = false
    midEpoch.willReplaceBackup = { temporary in
        guard !copied else { return }
        copied = true
        try? FileManager.default.copyItem(at: temporary, to: folder.appendingPathComponent("seed-backup-mid-epoch"))
    }
    try makeModel().fit(inputs, labels, epochs: 1, batchSize: 4, callbacks: [midEpoch], verbose: 0, seed: 1)

    try model.save(weightsAndOptimizerStateTo: folder.appendingPathComponent("seed-weights-and-optimizer"))
}

atexit {
    try? FileManager.default.removeItem(at: backupFolder)
    try? FileManager.default.removeItem(at: rewriteFolder)
}
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--write-seeds" {
    do {
        try writeSeeds(to: URL(fileURLWithPath: CommandLine.arguments[2]))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("FuzzTrainingState: cannot write the seeds: \(error)\n".utf8))
        exit(1)
    }
}
runFuzzTarget(fuzz, name: "FuzzTrainingState")
