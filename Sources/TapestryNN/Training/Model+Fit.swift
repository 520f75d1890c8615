import Foundation
import Tapestry
import TapestryData

extension Model {
    /// Trains the model on tensors with class labels, like Keras's `fit(x, y, …)`; see
    /// `fit(_:epochs:batchSize:validationSplit:validationData:shuffle:callbacks:verbose:seed:)`.
    @discardableResult
    public func fit(
        _ x: Tensor<Scalar>, _ y: Tensor<Int32>, epochs: Int = 1, batchSize: Int = 32,
        validationSplit: Double = 0, validationData: (x: Tensor<Scalar>, y: Tensor<Int32>)? = nil,
        shuffle: Bool = true, classWeights: [Int: Double]? = nil, sampleWeights: Tensor<Scalar>? = nil,
        callbacks: [any Callback<Scalar>] = [], verbose: Int = 1, seed: UInt64? = nil
    ) throws -> History {
        let validation = try validationData.map { try dataset($0.x, .labels($0.y)) }
        return try fit(dataset(x, .labels(y)), epochs: epochs, batchSize: batchSize,
                       validationSplit: validationSplit, validationData: validation, shuffle: shuffle,
                       classWeights: classWeights, sampleWeights: sampleWeights,
                       callbacks: callbacks, verbose: verbose, seed: seed)
    }

    /// Trains the model on tensors with target values (one-hot rows, regression targets, or
    /// class numbers stored as scalars), like Keras's `fit(x, y, …)`.
    @discardableResult
    public func fit(
        _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, epochs: Int = 1, batchSize: Int = 32,
        validationSplit: Double = 0, validationData: (x: Tensor<Scalar>, y: Tensor<Scalar>)? = nil,
        shuffle: Bool = true, classWeights: [Int: Double]? = nil, sampleWeights: Tensor<Scalar>? = nil,
        callbacks: [any Callback<Scalar>] = [], verbose: Int = 1, seed: UInt64? = nil
    ) throws -> History {
        let validation = try validationData.map { try dataset($0.x, .values($0.y)) }
        return try fit(dataset(x, .values(y)), epochs: epochs, batchSize: batchSize,
                       validationSplit: validationSplit, validationData: validation, shuffle: shuffle,
                       classWeights: classWeights, sampleWeights: sampleWeights,
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
    ///   - classWeights: a weight per class (Keras's `class_weight`): each sample's loss is
    ///     scaled by its class's weight (1 for classes not listed).
    ///   - sampleWeights: a weight per sample (Keras's `sample_weight`), `[samples]`;
    ///     multiplied with the class weights. Validation is not weighted.
    ///   - callbacks: hooks such as `EarlyStopping`, `ModelCheckpoint`, `TerminateOnNaN`.
    ///   - verbose: 0 silent, 1 a live progress bar (plain lines when not on a terminal),
    ///     2 one line per epoch.
    ///   - seed: fixes the shuffling; without one it comes from `setRandomSeed(_:)`'s sequence.
    /// - Throws: `ModelError` for data the model cannot take, before any update.
    @discardableResult
    public func fit(
        _ data: some BatchSource<Scalar>, epochs: Int = 1, batchSize: Int = 32,
        validationSplit: Double = 0, validationData: (any BatchSource<Scalar>)? = nil,
        shuffle: Bool = true, classWeights: [Int: Double]? = nil, sampleWeights: Tensor<Scalar>? = nil,
        callbacks: [any Callback<Scalar>] = [], verbose: Int = 1, seed: UInt64? = nil
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
        let targets = try preparedTargets(data, loss: configuration.loss, outputShape: outputShape)
        let weights = try Self.weights(classWeights: classWeights, sampleWeights: sampleWeights, targets: targets,
                                       loss: configuration.loss)

        // Keras holds out the last samples, before shuffling.
        let heldOut = validationData == nil ? Int(Double(data.sampleCount) * validationSplit) : 0
        var trainingIndices = Array(0..<(data.sampleCount - heldOut))
        guard !trainingIndices.isEmpty else { throw ModelError.emptyDataset(operation: "fit (after the validation split)") }
        let validation: EvaluationSet<Scalar>?
        if let validationData {
            _ = try validate(sampleShape: validationData.sampleShape, operation: "fit (validation data)")
            validation = EvaluationSet(source: validationData, indices: Array(0..<validationData.sampleCount),
                                       targets: try preparedTargets(validationData, loss: configuration.loss, outputShape: outputShape))
        } else if heldOut > 0 {
            validation = EvaluationSet(source: data, indices: Array((data.sampleCount - heldOut)..<data.sampleCount), targets: targets)
        } else {
            validation = nil
        }

        // Data parallelism (DataParallelTraining): every rank shuffles with rank 0's seed.
        let parallel = callbacks.lazy.compactMap { $0 as? DataParallelTraining<Scalar> }.first
        var generator = SeededRandomNumberGenerator(seed: try parallel?.agreedSeed(seed) ?? seed ?? RandomSeed.next())
        let parameters = trainableParameters
        let lossMean = LossMean()
        var history = History()
        let reporter = ProgressReporter(verbosity: parallel?.group.isReporting == false ? 0 : verbose, epochs: epochs)
        for callback in callbacks { try callback.trainingWillBegin(model: self) }
        // A backup (BackupAndRestore) may continue an interrupted run: epoch, step, order, state.
        let backup = callbacks.lazy.compactMap { $0 as? any TrainingStateRestoring<Scalar> }.first
        if parallel != nil && backup != nil { throw ModelError.invalidArgument("fit: BackupAndRestore cannot be combined with DataParallelTraining yet") }
        let stepsBetweenSaves = backup?.stepsBetweenSaves.map { max($0, 1) }
        if stepsBetweenSaves != nil, let metric = configuration.metrics.first(where: { !($0 is MeanMetric) }) {
            throw ModelError.invalidArgument("fit: backups within an epoch need MeanMetric metrics, '\(metric.name)' is not one")
        }
        var firstEpoch = 1, firstStep = 0
        if let backup, let state = try backup.restoredTrainingState(for: self) {
            generator = try restoreTraining(from: state, sampleCount: trainingIndices.count, batchSize: batchSize,
                                            configuration: configuration, lossMean: lossMean)
            (trainingIndices, history) = (state.sampleOrder, state.history)
            (firstEpoch, firstStep) = (state.epochsCompleted + 1, state.stepsCompleted)
        }
        // The learning rate is logged (History, progress bar) when something changes it.
        let logsLearningRate = configuration.optimizer.followsSchedule
            || callbacks.contains { $0 is LearningRateScheduler<Scalar> || $0 is ReduceLROnPlateau<Scalar> }

        // Steps without weights and outside data parallelism may be planned (see
        // `plansTrainingSteps`); the tape takes the others.
        let mayPlan = parallel == nil && weights == nil
        let sampleShape = data.sampleShape
        let buffered = data as? any BufferGatheringBatchSource<Scalar>

        training: for epoch in stride(from: firstEpoch, through: epochs, by: 1) {
            let start = DispatchTime.now()
            let resumesEpoch = epoch == firstEpoch && firstStep > 0
            if shuffle && !resumesEpoch { generator.shuffle(&trainingIndices) }
            let stepCount = (trainingIndices.count + batchSize - 1) / batchSize
            var bar = reporter.beginEpoch(epoch, steps: stepCount)
            if !resumesEpoch {
                lossMean.reset()
                for metric in configuration.metrics { metric.reset() }
            }
            let stopReason: String? = try LearningPhase.training {
                for step in (resumesEpoch ? firstStep : 0)..<stepCount {
                    let globalBatch = trainingIndices[(step * batchSize)..<min((step + 1) * batchSize, trainingIndices.count)]
                    let loss: Scalar, gradients: [Tensor<Scalar>]
                    var planned: PlannedBatch<Scalar>?, recorded: (predictions: Tensor<Scalar>, targets: Targets<Scalar>)?
                    if mayPlan, let plan = plannedStep(sampleShape: sampleShape, rows: globalBatch.count,
                                                       configuration: configuration, parameters: parameters) {
                        // The planned step: the batch gathered into the plan's buffers, no tape.
                        plan.gatherInputs(from: data, buffered: buffered, at: globalBatch)
                        plan.gatherTargets(targets, at: globalBatch)
                        if checksInputsAreFinite && !plan.batchIsFinite(rows: globalBatch.count) {
                            try checkFinite(inputs: data.inputs(at: globalBatch), targets: targets.gathering(atIndices: Array(globalBatch)),
                                            samples: globalBatch, operation: "fit")
                        }
                        loss = plan.run(rows: globalBatch.count)
                        gradients = plan.gradients
                        planned = plan.batch(rows: globalBatch.count)
                    } else {
                        let batchIndices = parallel?.group.shard(of: globalBatch) ?? globalBatch
                        let inputs = data.inputs(at: batchIndices)
                        let batchTargets = targets.gathering(atIndices: Array(batchIndices))
                        try checkFinite(inputs: inputs, targets: batchTargets, samples: batchIndices, operation: "fit")
                        let batchWeights = weights?.gathering(atIndices: Array(batchIndices))
                        let predictions: Tensor<Scalar>
                        (loss, predictions, gradients) = try parallel?.trainingStep(
                            of: self, inputs: inputs, targets: batchTargets, weights: batchWeights, parameters: parameters,
                            loss: configuration.loss, batchSize: globalBatch.count)
                            ?? trainingStep(inputs: inputs, targets: batchTargets, weights: batchWeights,
                                            parameters: parameters, loss: configuration.loss)
                        recorded = (predictions, batchTargets)
                    }
                    for callback in callbacks {
                        if case .stop(let reason) = callback.batchDidCompute(step: step + 1, loss: Double(loss), model: self) {
                            return reason
                        }
                    }
                    configuration.optimizer.update(parameters, with: gradients)
                    lossMean.add(total: Double(loss) * Double(globalBatch.count), count: globalBatch.count)
                    if let planned {
                        for metric in configuration.metrics { metric.accumulate(planned) }
                    } else if let recorded {
                        for metric in configuration.metrics { metric.update(predictions: recorded.predictions, targets: recorded.targets) }
                    }
                    bar.update(step: step + 1, metrics: Self.logs(loss: lossMean, metrics: configuration.metrics, prefix: "")
                                + (logsLearningRate ? [("learning_rate", configuration.optimizer.learningRate)] : []))
                    if let backup, let stepsBetweenSaves, (step + 1) % stepsBetweenSaves == 0, step + 1 < stepCount {
                        try backup.save(trainingState(
                            epochsCompleted: epoch - 1, stepsCompleted: step + 1, sampleOrder: trainingIndices, generator: generator,
                            history: history, configuration: configuration, runningLoss: lossMean), for: self)
                    }
                }
                return nil
            }
            if let stopReason {
                history.stopReason = stopReason
                reporter.stopped(stopReason)
                break training
            }
            var logs = try parallel?.finishEpoch(of: self, loss: lossMean, metrics: configuration.metrics)
                ?? Self.logs(loss: lossMean, metrics: configuration.metrics, prefix: "")
            if let validation {
                let result = try parallel?.evaluate(validation, model: self, batchSize: batchSize, configuration: configuration)
                    ?? evaluate(validation, batchSize: batchSize, configuration: configuration)
                logs += result.logs(prefix: "val_")
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            if logsLearningRate { logs.append(("learning_rate", configuration.optimizer.learningRate)) }
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
            try backup?.save(trainingState(
                epochsCompleted: epoch, stepsCompleted: 0, sampleOrder: trainingIndices, generator: generator,
                history: history, configuration: configuration, runningLoss: nil), for: self)
            if epoch == epochs { break }
        }
        for callback in callbacks { try callback.trainingDidEnd(model: self) }
        return history
    }

    /// One gradient step on one batch of labelled samples, like Keras's `train_on_batch`:
    /// returns the batch's loss before the update.
    @discardableResult
    public func trainOnBatch(_ inputs: Tensor<Scalar>, _ labels: Tensor<Int32>) throws -> Double {
        try trainOnBatch(dataset(inputs, .labels(labels)))
    }

    /// One gradient step on one batch with target values: returns the loss before the update.
    @discardableResult
    public func trainOnBatch(_ inputs: Tensor<Scalar>, _ targets: Tensor<Scalar>) throws -> Double {
        try trainOnBatch(dataset(inputs, .values(targets)))
    }

    /// One gradient step on one batch with its targets: returns the loss before the update.
    @discardableResult
    public func trainOnBatch(_ inputs: Tensor<Scalar>, _ targets: Targets<Scalar>) throws -> Double {
        try trainOnBatch(dataset(inputs, targets))
    }

    private func trainOnBatch(_ batch: TensorDataset<Scalar>) throws -> Double {
        let configuration = try requireConfiguration(for: "trainOnBatch")
        if let plan = cachedStepPlan(sampleShape: batch.inputs.shape.dropFirst(), rows: batch.sampleCount, configuration: configuration) {
            // The plan was made for these shapes: only the targets need checking.
            let targets = try preparedTargets(batch, loss: configuration.loss, outputShape: plan.outputSampleShape)
            return try Double(trainOnBatch(batch, targets: targets, plan: plan, parameters: plan.parameters,
                                           optimizer: configuration.optimizer))
        }
        let outputShape = try validate(sampleShape: batch.sampleShape, operation: "trainOnBatch")
        let targets = try preparedTargets(batch, loss: configuration.loss, outputShape: outputShape)
        try checkFinite(inputs: batch.inputs, targets: targets, samples: Array(0..<batch.sampleCount)[...], operation: "trainOnBatch")
        let parameters = trainableParameters
        if let plan = plannedStep(sampleShape: batch.sampleShape, rows: batch.sampleCount, configuration: configuration,
                                  parameters: parameters) {
            return try Double(trainOnBatch(batch, targets: targets, plan: plan, parameters: parameters,
                                           optimizer: configuration.optimizer))
        }
        let (loss, _, gradients) = try LearningPhase.training {
            try trainingStep(inputs: batch.inputs, targets: targets, weights: nil, parameters: parameters, loss: configuration.loss)
        }
        configuration.optimizer.update(parameters, with: gradients)
        return Double(loss)
    }

    /// One planned step on a whole batch whose targets are prepared: the loss before the update.
    private func trainOnBatch(
        _ batch: TensorDataset<Scalar>, targets: Targets<Scalar>, plan: SequentialStepPlan<Scalar>,
        parameters: [Parameter<Scalar>], optimizer: any Optimizer<Scalar>
    ) throws -> Scalar {
        let rows = batch.sampleCount
        batch.inputs.withUnsafeScalars { source in
            if let base = source.baseAddress { StepKernels.copy(base, to: plan.inputs.base, count: source.count) }
        }
        plan.copyTargets(targets, rows: rows)
        if checksInputsAreFinite && !plan.batchIsFinite(rows: rows) {
            try checkFinite(inputs: batch.inputs, targets: targets, samples: Array(0..<rows)[...], operation: "trainOnBatch")
        }
        let loss = plan.run(rows: rows)
        optimizer.update(parameters, with: plan.gradients)
        return loss
    }

    /// Forward and backward on one batch: the loss, the (untracked) predictions and the
    /// gradients of `parameters`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func trainingStep(
        inputs: Tensor<Scalar>, targets: Targets<Scalar>, weights: Tensor<Scalar>?, parameters: [Parameter<Scalar>], loss: any Loss
    ) throws -> (loss: Scalar, predictions: Tensor<Scalar>, gradients: [Tensor<Scalar>]) {
        var predictions = inputs
        let pass = try recordedPass(at: parameters, detectingAnomalies: detectsAnomalies) { _ in
            predictions = self(inputs)
            guard let weights else { return loss(predictions: predictions, targets: targets) }
            guard let weighted = loss(predictions: predictions, targets: targets, sampleWeights: weights) else {
                throw ModelError.invalidArgument("fit: the loss \(loss.name) has no per-sample losses, so it cannot weight samples")
            }
            return weighted
        }
        return (pass.value.scalar, predictions.detached(), pass.watched.map { pass.gradients[$0] })
    }

    /// Records one forward and backward pass on a batch without updating anything, so the
    /// tape (the model's computation graph) and its gradient flow can be inspected or drawn.
    public func recordStep(inputs: Tensor<Scalar>, targets: Targets<Scalar>) throws -> RecordedStep<Scalar> {
        let configuration = try requireConfiguration(for: "recordStep")
        let batch = try dataset(inputs, targets)
        let outputShape = try validate(sampleShape: batch.sampleShape, operation: "recordStep")
        let prepared = try preparedTargets(batch, loss: configuration.loss, outputShape: outputShape)
        let named = namedParameters
        let pass = try LearningPhase.training {
            try recordedPass(at: named.map(\.parameter), names: named.map(\.name), keepingIntermediates: true) { tape in
            let predictions = self(tape.constant(inputs, name: "input"))
            return tape.withLabel("loss") { configuration.loss(predictions: predictions, targets: prepared) }
            }
        }
        return RecordedStep(tape: pass.tape, loss: pass.value, gradients: pass.gradients)
    }

    /// Records one step on a batch with target values; see `recordStep(inputs:targets:)`.
    public func recordStep(inputs: Tensor<Scalar>, targets: Tensor<Scalar>) throws -> RecordedStep<Scalar> {
        try recordStep(inputs: inputs, targets: .values(targets))
    }

    /// Records one step on a batch of labelled samples; see `recordStep(inputs:targets:)`.
    public func recordStep(inputs: Tensor<Scalar>, labels: Tensor<Int32>) throws -> RecordedStep<Scalar> {
        try recordStep(inputs: inputs, targets: .labels(labels))
    }

    /// Each training sample's weight from class and sample weights, or `nil` for none.
    static func weights(
        classWeights: [Int: Double]?, sampleWeights: Tensor<Scalar>?, targets: Targets<Scalar>, loss: any Loss
    ) throws -> Tensor<Scalar>? {
        guard classWeights != nil || sampleWeights != nil else { return nil }
        var weights = classWeights.map { targets.sampleWeights(classWeights: $0) } ?? Tensor(ones: [targets.sampleCount])
        if let sampleWeights {
            guard sampleWeights.shape == [targets.sampleCount] else {
                throw ModelError.invalidArgument(
                    "fit: sampleWeights must be [\(targets.sampleCount)] (one per sample), got \(sampleWeights.shape)")
            }
            weights = weights * sampleWeights.detached()
        }
        guard weights.isFinite, weights.scalars.allSatisfy({ $0 >= 0 }) else {
            throw ModelError.invalidArgument("fit: class and sample weights must be finite and non-negative")
        }
        return weights
    }

    /// `[("loss", …), ("accuracy", …)]` with the prefix on each name.
    static func logs(loss: LossMean, metrics: [Metric], prefix: String) -> [(String, Double)] {
        [(prefix + "loss", loss.result())] + metrics.map { (prefix + $0.name, $0.result()) }
    }
}

/// The running mean of the loss over an epoch, weighted by batch size.
final class LossMean: MeanMetric {
    init() { super.init(name: "loss") }
    override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {}
}
