// resumable-trainer: trains a small MLP with Dropout on synthetic data with `BackupAndRestore`, for the
// test that kills it at chosen moments and reruns it (Tests/ReliabilityTests/BackupAndRestoreCrashTests.swift).
//
//     resumable-trainer BACKUP-FOLDER OUTPUT-FOLDER
//
// It trains 4 epochs of 13 steps, backing up every 3 steps and at each epoch's end, then
// writes `weights.safetensors` and `history.json` (each epoch's metrics as hexadecimal bit
// patterns, without the wall-clock seconds) into OUTPUT-FOLDER. Two environment variables
// make it SIGKILL itself, counting from the start of this process:
//
// - `RESUMABLE_TRAINER_KILL_AT_STEP=k`: in the k-th step, after the gradients, before the update;
// - `RESUMABLE_TRAINER_KILL_AT_SAVE=n`: in the n-th backup write, when the temporary file is
//   written but not yet renamed over the backup.

import Foundation
import Tapestry
import TapestryIO
@_spi(Testing) import TapestryNN

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: resumable-trainer BACKUP-FOLDER OUTPUT-FOLDER\n".utf8))
    exit(2)
}
let backupFolder = URL(fileURLWithPath: arguments[1], isDirectory: true)
let outputFolder = URL(fileURLWithPath: arguments[2], isDirectory: true)
let environment = ProcessInfo.processInfo.environment
let killAtStep = environment["RESUMABLE_TRAINER_KILL_AT_STEP"].flatMap { Int($0) }
let killAtSave = environment["RESUMABLE_TRAINER_KILL_AT_SAVE"].flatMap { Int($0) }

/// Kills the process before the update of its `killAtStep`-th step.
final class StepKiller: Callback {
    typealias Scalar = Float
    private var steps = 0
    func batchDidCompute(step: Int, loss: Double, model: Model<Float>) -> CallbackDecision {
        steps += 1
        if steps == killAtStep { kill(getpid(), SIGKILL) }
        return .proceed
    }
}

// 200 points in 3 classes: class c around angle 2πc/3, with noise; 13 batches of 16.
var generator = SeededRandomNumberGenerator(seed: 2024)
var points: [Float] = [], labels: [Int32] = []
for i in 0..<200 {
    let label = i % 3
    let angle = 2 * Float.pi * Float(label) / 3
    points += [Float.cos(angle) + 0.6 * (generator.nextUnitInterval() - 0.5),
               Float.sin(angle) + 0.6 * (generator.nextUnitInterval() - 0.5)]
    labels.append(Int32(label))
}
let x = Tensor<Float>(shape: [200, 2], scalars: points), y = Tensor<Int32>(labels)
let validation = (x: x.gathering(atIndices: Array(0..<30)), y: y.gathering(atIndices: Array(0..<30)))

setRandomSeed(7)
let model = Sequential<Float>(inputShape: [2]) {
    Dense(inputSize: 2, outputSize: 32, activation: .relu)
    Dropout(rate: 0.2)
    Dense(inputSize: 32, outputSize: 3)
}
model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])

let backup = BackupAndRestore<Float>(backupDirectory: backupFolder, saveFrequency: .steps(3))
var saves = 0
backup.willReplaceBackup = { _ in
    saves += 1
    if saves == killAtSave { kill(getpid(), SIGKILL) }
}

do {
    let history = try model.fit(x, y, epochs: 4, batchSize: 16, validationData: validation,
                                callbacks: [backup, StepKiller()], verbose: 0, seed: 11)
    let records = history.epochs.map { epoch -> [String: String] in
        epoch.metrics.mapValues { String($0.bitPattern, radix: 16) }.merging(["epoch": String(epoch.epoch)]) { $1 }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    try AtomicFile.write(encoder.encode(records), to: outputFolder.appendingPathComponent("history.json"))
    try model.save(weightsTo: outputFolder.appendingPathComponent("weights.safetensors"))
} catch {
    FileHandle.standardError.write(Data("resumable-trainer: \(error)\n".utf8))
    exit(1)
}
