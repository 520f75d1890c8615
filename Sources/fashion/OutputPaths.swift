// OutputPaths.swift: the path flags of `fashion train`, read byte for byte.

import Foundation
import TapestryIO
import TapestryNN

/// The paths `fashion train` was given: outputs byte for byte (a name that is not UTF-8 is
/// written under exactly that name); the folders read or written through URLs (data,
/// TensorBoard, backups) as text, refused when not UTF-8.
struct OutputPaths {
    let output: FileSystemPath
    let saveWeights: FileSystemPath?
    let saveModel: FileSystemPath?
    let exportOnnx: FileSystemPath?
    let metricsJSON: FileSystemPath?
    let tensorboard: String?
    let backupDir: String?
    let dataDir: String?

    /// The paths of `options`, from the raw command line.
    ///
    /// - Throws: ``RawArguments/Unusable`` for a URL-only folder whose name is not UTF-8.
    init(_ options: FashionCommand) throws {
        output = RawArguments.path(of: "--output", parsed: options.output)
        saveWeights = options.saveWeights.map { RawArguments.path(of: "--save-weights", parsed: $0) }
        saveModel = options.saveModel.map { RawArguments.path(of: "--save-model", parsed: $0) }
        exportOnnx = options.exportOnnx.map { RawArguments.path(of: "--export-onnx", parsed: $0) }
        metricsJSON = options.metricsJSON.map { RawArguments.path(of: "--metrics-json", parsed: $0) }
        tensorboard = try options.tensorboard.map { try RawArguments.utf8Path(of: "--tensorboard", parsed: $0) }
        backupDir = try options.backupDir.map { try RawArguments.utf8Path(of: "--backup-dir", parsed: $0) }
        dataDir = try options.dataDir.map { try RawArguments.utf8Path(of: "--data-dir", parsed: $0) }
    }

    /// Every destination of a run training `model`, for ``OutputPlan/prepare()``.
    func plan(model: FashionModelKind) -> OutputPlan {
        var plan = OutputPlan()
        plan.addFolder(output, option: "--output", purpose: "write pictures to",
                       fileNames: DemoPictures.fileNames + (model == .cnn ? CNNPictures.fileNames : []))
        if let saveWeights { plan.addFile(saveWeights, option: "--save-weights") }
        if let saveModel { plan.addFile(saveModel, option: "--save-model") }
        if let exportOnnx { plan.addFile(exportOnnx, option: "--export-onnx") }
        if let metricsJSON { plan.addFile(metricsJSON, option: "--metrics-json") }
        if let tensorboard {
            plan.addFolder(FileSystemPath(tensorboard), option: "--tensorboard", purpose: "write TensorBoard logs to",
                           subfolders: ["train", "validation"])
        }
        if let backupDir {
            plan.addFolder(FileSystemPath(backupDir), option: "--backup-dir", purpose: "back up training to",
                           fileNames: [BackupAndRestore<Float>(backupDirectory: URL(fileURLWithPath: backupDir)).backupURL.lastPathComponent])
        }
        return plan
    }
}
