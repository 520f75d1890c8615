import ArgumentParser
import Foundation
import Tapestry
import TapestryData
import TapestryNN

/// The classic Fashion-MNIST tutorial, step by step: load, build, compile, fit, evaluate,
/// predict, and draw — `fashion train`, also what `fashion` runs without a subcommand.
struct FashionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the classic Fashion-MNIST MLP (784 → 64 relu → 64 relu → 10) and write its pictures.",
        discussion: """
        Loads the data from --data-dir when given; otherwise from $FASHION_MNIST_DIR, \
        ~/.cache/tapestry/fashion-mnist or /usr/share/datasets/fashion-mnist (Debian's \
        dataset-fashion-mnist), downloading it into the cache if none has it.
        """)

    @Option(help: "mlp: the tutorial's MLP; cnn: two convolutions with pooling (121,930 parameters).")
    var model: FashionModelKind = .mlp

    @Option(help: "Passes over the 60,000 training images.")
    var epochs = 5

    @Option(help: "Images per gradient step.")
    var batchSize = 32

    @Option(help: "Adam's learning rate.")
    var learningRate = 1e-3

    @Option(help: "Seeds the initial weights and the shuffling.")
    var seed: UInt64 = 2026

    @Option(help: "A folder holding the four Fashion-MNIST .gz files.")
    var dataDir: String?

    @Option(help: "Where to write the pictures (SVG).")
    var output = "Docs"

    @Option(help: "Save the trained weights to this safetensors file.")
    var saveWeights: String?

    @Option(help: "Save the trained model (architecture and weights, one file) for evaluate, predict and draw.")
    var saveModel: String?

    @Option(help: "Export the trained model (logits) as an ONNX file for onnxruntime.")
    var exportOnnx: String?

    @Option(help: "Write the run's figures as JSON to this file.")
    var metricsJSON: String?

    @Option(help: "Write TensorBoard logs (scalars, histograms, the graph) into this folder.")
    var tensorboard: String?

    @Option(help: "Back up training into this folder every epoch; rerunning the same command after a crash resumes from it.")
    var backupDir: String?

    @Option(help: "0 silent, 1 progress bar, 2 one line per epoch.")
    var verbose = 1

    @Flag(help: "Train on every process `mpirun -np N fashion --data-parallel` starts, each on its part of every batch; only rank 0 prints and writes files.")
    var dataParallel = false

    func validate() throws {
        guard epochs >= 1 && epochs <= 10_000 else { throw ValidationError("--epochs must be between 1 and 10000, got \(epochs)") }
        guard batchSize >= 1 && batchSize <= 60_000 else { throw ValidationError("--batch-size must be between 1 and 60000, got \(batchSize)") }
        guard learningRate > 0 && learningRate.isFinite && learningRate < 10 else {
            throw ValidationError("--learning-rate must be a positive number below 10, got \(learningRate)")
        }
        guard (0...2).contains(verbose) else { throw ValidationError("--verbose must be 0, 1 or 2, got \(verbose)") }
        if dataParallel && backupDir != nil { throw ValidationError("--backup-dir cannot be combined with --data-parallel") }
    }

    func run() throws {
        if dataParallel { try DataParallelRun(options: self).run() } else { try FashionDemo(options: self).run() }
    }
}
