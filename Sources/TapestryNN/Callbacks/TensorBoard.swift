import Foundation
import Tapestry
import TapestryData
import TapestryIO

/// Writes TensorBoard logs while `fit` trains, like Keras's `TensorBoard` callback: scalars
/// every epoch (and optionally every few batches), histograms of the weights (and of their
/// gradients on a sample batch), and the model's graph.
///
/// ```swift
/// let board = TensorBoard<Float>(logDirectory: URL(fileURLWithPath: "runs/mlp"))
/// try model.fit(x, y, epochs: 10, validationSplit: 0.1, callbacks: [board])
/// // tensorboard --logdir runs
/// ```
///
/// As Keras lays them out, events go to two runs: `<logDirectory>/train` gets
/// `epoch_<metric>` for the training metrics (`epoch_loss`, `epoch_accuracy`, …),
/// `epoch_learning_rate`, `batch_loss`, the histograms `weights/<parameter>` and
/// `gradients/<parameter>`, and the graph; `<logDirectory>/validation` gets `epoch_<metric>`
/// for each `val_<metric>`. Epoch scalars and histograms are logged at step = the epoch number
/// (from 1, as in `History`); `batch_loss` at the number of batches trained so far.
///
/// Gradients are not handed to callbacks by `fit`, so gradient histograms need a
/// `gradientSample`: at each histogram epoch the callback records one training step on it
/// (`recordStep`, nothing is updated) and histograms each parameter's gradient. Its tape is also
/// the graph shown in TensorBoard's Graphs tab; without a sample only weights are histogrammed
/// and no graph is written.
public final class TensorBoard<Scalar: TensorScalar>: Callback {
    /// How often training scalars are logged.
    public enum UpdateFrequency: Sendable, Equatable {
        /// Once per epoch.
        case epoch
        /// Also `batch_loss` every `n` batches.
        case batches(Int)
    }

    /// The folder that receives the `train` and `validation` runs.
    public let logDirectory: URL
    /// How often training scalars are logged.
    public let updateFrequency: UpdateFrequency
    /// Histograms every this many epochs; 0 for none.
    public let histogramFrequency: Int
    /// A batch (inputs and targets) to compute gradient histograms and the graph on.
    public let gradientSample: (inputs: Tensor<Scalar>, targets: Targets<Scalar>)?
    /// Whether to write the graph of a training step on `gradientSample`.
    public let writesGraph: Bool

    /// The event file of the `train` run, once training began.
    public var trainingEventFile: URL? { trainingWriter?.url }
    /// The event file of the `validation` run, once a validation metric was logged.
    public var validationEventFile: URL? { validationWriter?.url }

    private var trainingWriter: EventFileWriter?
    private var validationWriter: EventFileWriter?
    private var batchesTrained: Int64 = 0
    /// A failure while logging a batch (`batchDidCompute` cannot throw), thrown at epoch end.
    private var pendingError: EventFileError?

    /// Creates the callback.
    ///
    /// - Parameters:
    ///   - logDirectory: the folder for the runs (created if missing).
    ///   - updateFrequency: `.batches(n)` also logs `batch_loss` every `n` batches.
    ///   - histogramFrequency: histograms every this many epochs (0: none).
    ///   - gradientSample: a small batch for gradient histograms and the graph.
    ///   - writesGraph: whether to write the graph (needs `gradientSample`).
    public init(logDirectory: URL, updateFrequency: UpdateFrequency = .epoch, histogramFrequency: Int = 1,
                gradientSample: (inputs: Tensor<Scalar>, targets: Targets<Scalar>)? = nil, writesGraph: Bool = true) {
        if case .batches(let n) = updateFrequency {
            checkPrecondition(n > 0, "TensorBoard: updateFrequency .batches(n) needs n > 0, got \(n)")
        }
        checkPrecondition(histogramFrequency >= 0, "TensorBoard: histogramFrequency must be ≥ 0, got \(histogramFrequency)")
        self.logDirectory = logDirectory
        self.updateFrequency = updateFrequency
        self.histogramFrequency = histogramFrequency
        self.gradientSample = gradientSample
        self.writesGraph = writesGraph
    }

    /// Creates the callback with a labelled gradient sample (class indices).
    public convenience init(logDirectory: URL, updateFrequency: UpdateFrequency = .epoch, histogramFrequency: Int = 1,
                            gradientSample inputs: Tensor<Scalar>, labels: Tensor<Int32>, writesGraph: Bool = true) {
        self.init(logDirectory: logDirectory, updateFrequency: updateFrequency, histogramFrequency: histogramFrequency,
                  gradientSample: (inputs, .labels(labels)), writesGraph: writesGraph)
    }

    /// Opens a new event file in `train` and writes the graph.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        try closeWriters()
        batchesTrained = 0
        pendingError = nil
        let writer = try EventFileWriter(logDirectory: logDirectory.appendingPathComponent("train"))
        trainingWriter = writer
        if writesGraph, let gradientSample {
            let step = try model.recordStep(inputs: gradientSample.inputs, targets: gradientSample.targets)
            try writer.addGraph(Self.graph(of: step.tape))
        }
    }

    /// Logs `batch_loss` every `n` batches with `.batches(n)`.
    public func batchDidCompute(step: Int, loss: Double, model: Model<Scalar>) -> CallbackDecision {
        batchesTrained += 1
        guard case .batches(let n) = updateFrequency, batchesTrained % Int64(n) == 0,
              let trainingWriter, pendingError == nil else { return .proceed }
        do {
            try trainingWriter.addScalar("batch_loss", value: loss, step: batchesTrained)
        } catch {
            pendingError = error
        }
        return .proceed
    }

    /// Logs the epoch's metrics, the learning rate and, when due, the histograms.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        if let pendingError { throw pendingError }
        guard let trainingWriter else { return .proceed }
        let step = Int64(epoch)
        for (name, value) in logs.sorted(by: { $0.key < $1.key }) {
            if name.hasPrefix("val_") {
                let writer = try validationWriter ?? EventFileWriter(logDirectory: logDirectory.appendingPathComponent("validation"))
                validationWriter = writer
                try writer.addScalar("epoch_" + name.dropFirst(4), value: value, step: step)
            } else {
                try trainingWriter.addScalar("epoch_" + name, value: value, step: step)
            }
        }
        if let learningRate = model.optimizer?.learningRate {
            try trainingWriter.addScalar("epoch_learning_rate", value: learningRate, step: step)
        }
        if histogramFrequency > 0, epoch % histogramFrequency == 0 {
            try writeHistograms(of: model, step: step, to: trainingWriter)
        }
        return .proceed
    }

    /// Flushes and closes the event files.
    public func trainingDidEnd(model: Model<Scalar>) throws {
        try closeWriters()
        if let pendingError { throw pendingError }
    }

    private func closeWriters() throws {
        let writers = [trainingWriter, validationWriter]
        trainingWriter = nil
        validationWriter = nil
        for writer in writers { try writer?.close() }
    }

    private func writeHistograms(of model: Model<Scalar>, step: Int64, to writer: EventFileWriter) throws {
        let named = model.namedParameters
        for (name, parameter) in named {
            try writer.addHistogram("weights/\(name)", Self.histogram(parameter.value), step: step)
        }
        guard let gradientSample else { return }
        let recorded = try model.recordStep(inputs: gradientSample.inputs, targets: gradientSample.targets)
        // Parameters are watched as variables named after them.
        var gradients: [String: Tensor<Scalar>] = [:]
        for entry in recorded.tape.entries where entry.kind == .variable {
            if let name = entry.name, entry.index < recorded.gradients.cotangents.count,
               let gradient = recorded.gradients.cotangents[entry.index] {
                gradients[name] = gradient
            }
        }
        for (name, parameter) in named where parameter.isTrainable {
            let gradient = gradients[name] ?? Tensor(zeros: parameter.value.shape)
            try writer.addHistogram("gradients/\(name)", Self.histogram(gradient), step: step)
        }
    }

    private static func histogram(_ tensor: Tensor<Scalar>) -> SummaryHistogram {
        tensor.withUnsafeScalars { SummaryHistogram($0.lazy.map { Double($0) }) }
    }

    /// The tape's entries as graph nodes, grouped by layer (`dense_1/matmul_4`).
    static func graph(of tape: Tape<Scalar>) -> [GraphNode] {
        let names = tape.entries.map { entry -> String in
            let base = (entry.name ?? entry.op).replacingOccurrences(of: "/", with: "_")
            let scope = entry.label.map { $0.replacingOccurrences(of: "/", with: "_") + "/" } ?? ""
            return "\(scope)\(base)_\(entry.index)"
        }
        return tape.entries.map { entry in
            GraphNode(name: names[entry.index], op: entry.op, inputs: entry.inputs.map { names[$0] })
        }
    }
}
