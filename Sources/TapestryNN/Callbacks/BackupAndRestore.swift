import Foundation
import Tapestry
import TapestryIO

/// Backs up training as it goes so that a run killed at any moment — mid-step, mid-write,
/// by `kill -9` or a power cut — resumes where it stopped when the same `fit` runs again,
/// like Keras's `BackupAndRestore`.
///
/// At the end of every epoch (and, with `.steps(n)`, every `n` steps within an epoch) it
/// writes one file, `<backupDirectory>/backup.safetensors`, through `AtomicFile`, so the file
/// is always whole or absent: the weights under their dotted names (so `load(weightsFrom:)`
/// reads it too), the optimizer's slots as `optimizer/<parameter>/<slot>`, and in its
/// metadata the epoch and step reached, the optimizer's step count and learning rate, the
/// shuffling generator's state and those of `Dropout` layers (any `RandomizedLayer`), the
/// epoch's sample order, the `History` so far and,
/// mid-epoch, the running loss and metric sums. When `fit` starts and the file exists, the
/// run continues from it; a resumed run ends with the same `History` metrics and the same
/// weights, bit for bit, as one never interrupted with the same seed.
///
/// ```swift
/// let backup = BackupAndRestore<Float>(backupDirectory: URL(fileURLWithPath: "runs/backup"))
/// try model.fit(x, y, epochs: 10, callbacks: [backup], seed: 42)   // rerun after a crash
/// ```
///
/// Limits: saves within an epoch need `MeanMetric` metrics (every built-in accuracy is one);
/// other callbacks' own state (`EarlyStopping`'s patience) is not saved (see
/// `TrainingState`); the `seconds` of an interrupted epoch count only the run that finished it.
public final class BackupAndRestore<Scalar: TensorScalar>: TrainingStateRestoring {
    /// When to write the backup.
    public enum SaveFrequency: Sendable, Equatable {
        /// At the end of every epoch.
        case epoch
        /// At the end of every epoch and every that many steps within an epoch.
        case steps(Int)
    }

    /// The folder holding the backup (created when training begins).
    public let backupDirectory: URL
    /// When the backup is written.
    public let saveFrequency: SaveFrequency
    /// Whether the backup is deleted when `fit` returns (Keras's `delete_checkpoint`).
    public let deletesBackupOnEnd: Bool

    /// The backup file: `<backupDirectory>/backup.safetensors`.
    public var backupURL: URL { backupDirectory.appendingPathComponent("backup.safetensors") }

    /// Called with the complete temporary file just before it replaces the backup; the
    /// crash tests kill the process from it.
    @_spi(Testing) public var willReplaceBackup: ((URL) -> Void)?

    /// Creates the callback.
    ///
    /// - Precondition: `.steps(n)` has `n > 0`.
    public init(backupDirectory: URL, saveFrequency: SaveFrequency = .epoch, deletesBackupOnEnd: Bool = true) {
        if case .steps(let steps) = saveFrequency {
            precondition(steps > 0, "BackupAndRestore: saveFrequency .steps(n) needs n > 0, got \(steps)")
        }
        self.backupDirectory = backupDirectory
        self.saveFrequency = saveFrequency
        self.deletesBackupOnEnd = deletesBackupOnEnd
    }

    /// Steps between saves within an epoch.
    public var stepsBetweenSaves: Int? {
        if case .steps(let steps) = saveFrequency { return steps }
        return nil
    }

    /// Creates the folder and removes temporary files a killed write left behind.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        try FileManager.default.createDirectory(at: backupDirectory, withIntermediateDirectories: true)
        AtomicFile.removeStaleTemporaryFiles(for: FileSystemPath(backupURL))
    }

    /// Deletes the backup if `deletesBackupOnEnd`.
    public func trainingDidEnd(model: Model<Scalar>) throws {
        guard deletesBackupOnEnd, FileManager.default.fileExists(atPath: backupURL.path) else { return }
        try FileManager.default.removeItem(at: backupURL)
    }

    /// The state in the backup file, or `nil` when there is none.
    ///
    /// - Throws: `CheckpointError` or `ModelError.invalidArgument` for a file that is not a
    ///   backup this version wrote.
    public func restoredTrainingState(for model: Model<Scalar>) throws -> TrainingState<Scalar>? {
        guard FileManager.default.fileExists(atPath: backupURL.path) else { return nil }
        return try TrainingStateFile.state(from: SafeTensors(contentsOf: backupURL), for: model)
    }

    /// Writes `state` atomically over the backup file.
    public func save(_ state: TrainingState<Scalar>, for model: Model<Scalar>) throws {
        let bytes = try TrainingStateFile.checkpoint(of: state, for: model).encoded()
        var file = try AtomicFile(replacing: backupURL)
        try file.append(contentsOf: bytes)
        willReplaceBackup?(file.temporaryURL)
        try file.commit()
    }
}
