// data-parallel-trainer: trains a small model on synthetic 28×28 images under mpirun with
// DataParallelTraining, then writes every rank's parameters (raw little-endian Float32, in
// `Model.parameters` order) to <output>/rank-<r>.f32. TapestryDistributedTests runs it with
// 1 and 2 ranks and compares the files; it can also kill or hang one rank mid-training.
//
//   data-parallel-trainer --output DIR [--model mlp|cnn|bn] [--samples N] [--batch-size B]
//       [--epochs E] [--validation-split F] [--timeout S] [--die-rank R --die-at-step K] [--hang-rank R --hang-at-step K]
//   data-parallel-trainer --allreduce-only FLOATS [--repeats N]
//
// Rank 0 prints `timing ranks=… steps=… step_ms=… allreduce_ms=… fastest_allreduce_ms=… fit_step_ms=…`;
// with --allreduce-only it times N all-reduces of FLOATS floats with no training between them.

import Foundation
import Tapestry
import TapestryDistributed
import TapestryNN

#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to standard error, unbuffered (the process may be killed right after).
func report(_ message: String) {
    FileHandle.standardError.write(Data("data-parallel-trainer: \(message)\n".utf8))
}

func fail(_ message: String) -> Never {
    report(message)
    exit(2)
}

/// `--name value` pairs.
let options: [String: String] = {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard arguments.count % 2 == 0 else { fail("expected --name value pairs, got \(arguments)") }
    var options: [String: String] = [:]
    for index in stride(from: 0, to: arguments.count, by: 2) {
        guard arguments[index].hasPrefix("--") else { fail("expected an option, got \(arguments[index])") }
        options[String(arguments[index].dropFirst(2))] = arguments[index + 1]
    }
    return options
}()

func integer(_ name: String, default value: Int) -> Int {
    guard let text = options[name] else { return value }
    guard let number = Int(text) else { fail("--\(name) needs an integer, got \(text)") }
    return number
}

guard let output = options["output"] ?? (options["allreduce-only"] != nil ? "." : nil) else { fail("--output DIR is required") }
let samples = integer("samples", default: 1585)
let batchSize = integer("batch-size", default: 32)
let epochs = integer("epochs", default: 1)
let modelKind = options["model"] ?? "mlp"
let timeout = Double(options["timeout"] ?? "60") ?? 60
let validationSplit = Double(options["validation-split"] ?? "0") ?? 0

/// Synthetic images: uniform pixels, each labelled by which of ten pixel bands is brightest.
func syntheticData(count: Int) -> (x: Tensor<Float>, y: Tensor<Int32>) {
    var generator = SeededRandomNumberGenerator(seed: 42)
    let pixels = (0..<(count * 784)).map { _ in Float.random(in: 0..<1, using: &generator) }
    let labels = (0..<count).map { sample -> Int32 in
        let bands = (0..<10).map { band in (0..<78).reduce(Float(0)) { $0 + pixels[sample * 784 + band * 78 + $1] } }
        return Int32(bands.indices.max { bands[$0] < bands[$1] } ?? 0)
    }
    return (Tensor(shape: [count, 28, 28], scalars: pixels), Tensor(shape: [count], scalars: labels))
}

func buildModel() -> Sequential<Float> {
    switch modelKind {
    case "mlp":
        return Sequential<Float>(inputShape: [28, 28]) {
            Flatten()
            Dense(inputSize: 784, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 10)
        }
    case "bn":
        return Sequential<Float>(inputShape: [28, 28]) {
            Flatten()
            Dense(inputSize: 784, outputSize: 64)
            BatchNormalization(featureCount: 64)
            ReLU()
            Dense(inputSize: 64, outputSize: 10)
        }
    case "cnn":
        return Sequential<Float>(inputShape: [28, 28]) {
            Reshape([28, 28, 1])
            Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
            MaxPooling2D(poolSize: (2, 2))
            Conv2D(inputChannels: 32, filters: 64, kernelSize: (3, 3), activation: .relu)
            MaxPooling2D(poolSize: (2, 2))
            Flatten()
            Dense(inputSize: 1600, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 10)
        }
    default:
        fail("--model must be mlp, bn or cnn, got \(modelKind)")
    }
}

/// Kills (SIGKILL) or hangs this rank after the step given on the command line.
final class Fault: Callback {
    let rank: Int
    init(rank: Int) { self.rank = rank }
    func batchDidCompute(step: Int, loss: Double, model: Model<Float>) -> CallbackDecision {
        if options["die-rank"].flatMap(Int.init) == rank, integer("die-at-step", default: 1) == step {
            report("rank \(rank) kills itself after step \(step)")
            kill(getpid(), SIGKILL)
        }
        if options["hang-rank"].flatMap(Int.init) == rank, integer("hang-at-step", default: 1) == step {
            report("rank \(rank) hangs after step \(step)")
            while true { sleep(1000) }
        }
        return .proceed
    }
}

do {
    let group = try MPIProcessGroup.start(collectiveTimeout: timeout)
    if let floats = options["allreduce-only"].flatMap(Int.init) {
        var buffer = [Float](repeating: 1, count: floats)
        var times: [Double] = []
        for _ in 0..<integer("repeats", default: 200) {
            try group.barrier()
            let start = DispatchTime.now()
            try buffer.withUnsafeMutableBufferPointer { try group.sumAcrossRanks($0) }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
        }
        times.sort()
        if group.rank == 0 {
            print("allreduce ranks=\(group.worldSize) floats=\(floats) "
                  + String(format: "median_ms=%.3f fastest_ms=%.3f", times[times.count / 2], times[0]))
        }
        group.finish()
        exit(0)
    }
    // Different seeds per rank: only the broadcast can make the initial weights agree.
    setRandomSeed(UInt64(7 + 1000 * group.rank))
    let model = buildModel()
    model.compile(optimizer: Adam(learningRate: 1e-3), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
    let data = syntheticData(count: samples)
    let parallel = DataParallelTraining<Float>(group: group)
    let start = DispatchTime.now()
    let history = try model.fit(data.x, data.y, epochs: epochs, batchSize: batchSize, validationSplit: validationSplit,
                                callbacks: [parallel, Fault(rank: group.rank)], verbose: 0, seed: 11)
    let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let scalars = model.parameters.flatMap(\.value.scalars)
    let bytes = scalars.withUnsafeBytes { Data($0) }
    try bytes.write(to: URL(fileURLWithPath: output).appendingPathComponent("rank-\(group.rank).f32"))
    if group.rank == 0 {
        let timing = parallel.timing
        let steps = Double(max(timing.steps, 1))
        print("timing ranks=\(group.worldSize) model=\(modelKind) steps=\(timing.steps) "
              + String(format: "step_ms=%.3f allreduce_ms=%.3f fastest_allreduce_ms=%.3f fit_step_ms=%.3f",
                       timing.stepSeconds / steps * 1000, timing.allReduceSeconds / steps * 1000,
                       timing.fastestAllReduceSeconds * 1000, fitSeconds / steps * 1000))
        let last = history.epochs.last?.metrics ?? [:]
        print(String(format: "logs loss=%.6f accuracy=%.6f val_loss=%.6f val_accuracy=%.6f", last["loss"] ?? .nan,
                     last["accuracy"] ?? .nan, last["val_loss"] ?? .nan, last["val_accuracy"] ?? .nan))
    }
    group.finish()
} catch {
    fail("\(error)")
}
