import Foundation
import Tapestry

extension Sequential {
    /// Trains the model on tensors, like Keras's `fit(x, y, …)`; see
    /// `fit(_:epochs:batchSize:validationSplit:validationData:shuffle:callbacks:verbose:seed:)`.
    @discardableResult
    public func fit(
        _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, epochs: Int = 1, batchSize: Int = 32,
        validationSplit: Double = 0, validationData: (x: Tensor<Scalar>, y: Tensor<Scalar>)? = nil,
        shuffle: Bool = true, callbacks: [any Callback<Scalar>] = [], verbose: Int = 1, seed: UInt64? = nil
    ) throws -> History {
        let validation = try validationData.map { try TensorDataset(inputs: $0.x, targets: $0.y) }
        return try fit(TensorDataset(inputs: x, targets: y), epochs: epochs, batchSize: batchSize,
                       validationSplit: validationSplit, validationData: validation, shuffle: shuffle,
                       callbacks: callbacks, verbose: verbose, seed: seed)
    }

    /// Trains the model for a number of epochs and returns what each epoch measured.
    ///
    /// - Parameters:
    ///   - data: the training samples.
    ///   - epochs: passes over the data.
    ///   - batchSize: samples per gradient step (the last batch may be smaller).
    ///   - validationSplit: the fraction of samples, taken from the end before shuffling,
    ///     held out to compute `val_` metrics after each epoch (as Keras does).
    ///   - validationData: separate validation samples (overrides `validationSplit`).
    ///   - shuffle: whether to shuffle the training samples every epoch.
    ///   - callbacks: hooks such as `EarlyStopping`, `ModelCheckpoint`, `TerminateOnNaN`.
    ///   - verbose: 0 silent, 1 a live progress bar (plain lines when not on a terminal),
    ///     2 one line per epoch.
    ///   - seed: fixes the shuffling; without one it comes from `setRandomSeed(_:)`'s sequence.
    /// - Throws: `ModelError` for data the model cannot take, before any update.
    @discardableResult
    public func fit(
        _ data: some BatchSource<Scalar>, epochs: Int = 1, batchSize: Int = 32,
        validationSplit: Double = 0, validationData: (any BatchSource<Scalar>)? = nil,
        shuffle: Bool = true, callbacks: [any Callback<Scalar>] = [], verbose: Int = 1, seed: UInt64? = nil
    ) throws -> History {
        let configuration = try requireConfiguration(for: "fit")
        guard epochs >= 0 else { throw ModelError.invalidArgument("fit: epochs must be ≥ 0, got \(epochs)") }
        guard batchSize > 0 else { throw ModelError.invalidArgument("fit: batchSize must be positive, got \(batchSize)") }
        guard (0..<1).contains(validationSplit) else {
            throw ModelError.invalidArgument("fit: validationSplit must be in [0, 1), got \(validationSplit)")
        }
        guard (0...2).contains(verbose) else { throw ModelError.invalidArgument("fit: verbose must be 0, 1 or 2, got \(verbose)") }
        guard data.sampleCount > 0 else { throw ModelError.emptyDataset(operation: "fit") }
        let outputShape = try validate(sampleShape: data.sampleShape, operation: "fit")

        // Keras holds out the last samples, before shuffling.
        let heldOut = validationData == nil ? Int(Double(data.sampleCount) * validationSplit) : 0
        var trainingIndices = Array(0..<(data.sampleCount - heldOut))
        guard !trainingIndices.isEmpty else { throw ModelError.emptyDataset(operation: "fit (after the validation split)") }
        let validation: (source: any BatchSource<Scalar>, indices: [Int])? =
            if let validationData { (validationData, Array(0..<validationData.sampleCount)) }
            else if heldOut > 0 { (data, Array((data.sampleCount - heldOut)..<data.sampleCount)) }
            else { nil }
        if let validation { _ = try validate(sampleShape: validation.source.sampleShape, operation: "fit (validation data)") }

        var generator = SeededRandomNumberGenerator(seed: seed ?? RandomSeed.next())
        let parameters = trainableParameters
        var history = History()
        let reporter = ProgressReporter(verbosity: verbose, epochs: epochs)
        for callback in callbacks { try callback.trainingWillBegin(model: self) }

        training: for epoch in 1...max(epochs, 1) where epochs > 0 {
            let start = DispatchTime.now()
            if shuffle { generator.shuffle(&trainingIndices) }
            let stepCount = (trainingIndices.count + batchSize - 1) / batchSize
            var bar = reporter.beginEpoch(epoch, steps: stepCount)
            var totals = MetricTotals(metrics: configuration.metrics)
            for step in 0..<stepCount {
                let batchIndices = trainingIndices[(step * batchSize)..<min((step + 1) * batchSize, trainingIndices.count)]
                let (inputs, targets) = data.batch(at: batchIndices)
                try configuration.loss.validate(targets: targets, outputShape: outputShape, sampleIndices: batchIndices)
                let (loss, predictions, gradients) = try computeGradients(inputs: inputs, targets: targets, parameters: parameters,
                                                                      loss: configuration.loss)
                for callback in callbacks {
                    if case .stop(let reason) = callback.batchDidCompute(step: step + 1, loss: Double(loss), model: self) {
                        history.stopReason = reason
                        reporter.stopped(reason)
                        break training
                    }
                }
                configuration.optimizer.update(parameters, with: gradients)
                totals.add(loss: Double(loss), predictions: predictions, targets: targets)
                bar.update(step: step + 1, metrics: totals.logs(prefix: ""))
            }
            var logs = totals.logs(prefix: "")
            if let validation {
                let result = try evaluate(validation.source, indices: validation.indices, batchSize: batchSize,
                                          configuration: configuration, outputShape: outputShape)
                logs += result.logs(prefix: "val_")
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            bar.finish(metrics: logs)
            let record = History.Epoch(epoch: epoch, metrics: Dictionary(logs, uniquingKeysWith: { $1 }), seconds: seconds)
            history.epochs.append(record)
            for callback in callbacks {
                if case .stop(let reason) = try callback.epochDidEnd(epoch, logs: record.metrics, model: self) {
                    history.stopReason = reason
                    reporter.stopped(reason)
                    break training
                }
            }
            if epoch == epochs { break }
        }
        for callback in callbacks { try callback.trainingDidEnd(model: self) }
        return history
    }

    /// One gradient step on one batch, like Keras's `train_on_batch`: returns the batch's
    /// loss before the update.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func trainOnBatch(_ inputs: Tensor<Scalar>, _ targets: Tensor<Scalar>) throws -> Double {
        let configuration = try requireConfiguration(for: "trainOnBatch")
        guard inputs.rank >= 1, targets.rank >= 1, inputs.shape[0] == targets.shape[0] else {
            throw ModelError.sampleCountMismatch(inputs: inputs.shape.first ?? 0, targets: targets.shape.first ?? 0)
        }
        let outputShape = try validate(sampleShape: Array(inputs.shape.dropFirst()), operation: "trainOnBatch")
        try configuration.loss.validate(targets: targets, outputShape: outputShape, sampleIndices: Array(0..<targets.shape[0])[...])
        let parameters = trainableParameters
        let (loss, _, gradients) = try computeGradients(inputs: inputs, targets: targets, parameters: parameters, loss: configuration.loss)
        configuration.optimizer.update(parameters, with: gradients)
        return Double(loss)
    }

    /// Forward and backward on one batch: the loss, the (untracked) predictions and the
    /// gradients of the trainable parameters. The tape lives only inside this call, so the
    /// parameters' storage is uniquely owned again when the optimizer updates it in place.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func computeGradients(
        inputs: Tensor<Scalar>, targets: Tensor<Scalar>, parameters: [Parameter<Scalar>], loss: any Loss
    ) throws -> (loss: Scalar, predictions: Tensor<Scalar>, gradients: [Tensor<Scalar>]) {
        let tape = Tape<Scalar>()
        tape.detectsAnomalies = detectsAnomalies
        for parameter in parameters { parameter.value = tape.watch(parameter.value, name: parameter.name) }
        defer { for parameter in parameters { parameter.value = parameter.value.detached() } }
        let predictions = self(tape.constant(inputs, name: "input"))
        let lossValue = loss(predictions: predictions, targets: targets)
        let gradients = tape.gradient(of: lossValue, wrt: parameters.map { $0.value })
        if let anomaly = tape.firstAnomaly { throw ModelError.anomaly(anomaly.description) }
        return (lossValue.scalar, predictions.detached(), gradients)
    }

    /// Records one forward and backward pass on a batch without updating anything, so the
    /// tape (the model's computation graph) and its gradient flow can be inspected or drawn.
    public func recordStep(inputs: Tensor<Scalar>, targets: Tensor<Scalar>) throws -> RecordedStep<Scalar> {
        let configuration = try requireConfiguration(for: "recordStep")
        let outputShape = try validate(sampleShape: Array(inputs.shape.dropFirst()), operation: "recordStep")
        try configuration.loss.validate(targets: targets, outputShape: outputShape, sampleIndices: Array(0..<targets.shape[0])[...])
        let tape = Tape<Scalar>()
        let parameters = self.parameters
        let originals = parameters.map(\.value)
        defer { for (parameter, original) in zip(parameters, originals) { parameter.value = original } }
        for parameter in parameters { parameter.value = tape.watch(parameter.value, name: parameter.name) }
        let predictions = self(tape.constant(inputs, name: "input"))
        let loss = tape.withLabel("loss") { configuration.loss(predictions: predictions, targets: targets) }
        return RecordedStep(tape: tape, loss: loss, gradients: tape.backward(from: loss, keepingIntermediates: true))
    }
}

/// Running sums of the loss and metrics over an epoch, weighted by batch size.
struct MetricTotals {
    let metrics: [Metric]
    private(set) var samples = 0
    private var lossSum = 0.0
    private var correct: [Int]

    init(metrics: [Metric]) {
        self.metrics = metrics
        correct = Array(repeating: 0, count: metrics.count)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func add<Scalar: TensorScalar>(loss: Double, predictions: Tensor<Scalar>, targets: Tensor<Scalar>) {
        let count = predictions.shape[0]
        samples += count
        lossSum += loss * Double(count)
        for (index, metric) in metrics.enumerated() {
            correct[index] += metric.correctCount(predictions: predictions, targets: targets)
        }
    }

    /// `[("loss", …), ("accuracy", …)]` with the prefix on each name.
    func logs(prefix: String) -> [(String, Double)] {
        let n = Double(max(samples, 1))
        return [(prefix + "loss", lossSum / n)] + zip(metrics, correct).map { (prefix + $0.name, Double($1) / n) }
    }
}
