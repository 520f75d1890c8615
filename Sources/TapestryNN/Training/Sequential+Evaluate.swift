import Tapestry

/// The loss and metrics `evaluate` measured, like the list Keras's `evaluate` returns.
public struct Evaluation: Sendable, Equatable {
    /// The mean loss over the samples.
    public let loss: Double
    /// Each compiled metric by name (`accuracy`).
    public let metrics: [String: Double]

    /// The accuracy, if it was a compiled metric.
    public var accuracy: Double? {
        metrics[Metric.accuracy.name] ?? metrics[Metric.sparseCategoricalAccuracy.name] ?? metrics[Metric.categoricalAccuracy.name]
    }

    func logs(prefix: String) -> [(String, Double)] {
        [(prefix + "loss", loss)] + metrics.sorted { $0.key < $1.key }.map { (prefix + $0.key, $0.value) }
    }
}

extension Sequential {
    /// The loss and metrics on tensors, batch by batch, recording nothing.
    public func evaluate(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, batchSize: Int = 32) throws -> Evaluation {
        try evaluate(TensorDataset(inputs: x, targets: y), batchSize: batchSize)
    }

    /// The loss and metrics on a dataset, batch by batch, recording nothing.
    public func evaluate(_ data: some BatchSource<Scalar>, batchSize: Int = 32) throws -> Evaluation {
        let configuration = try requireConfiguration(for: "evaluate")
        guard batchSize > 0 else { throw ModelError.invalidArgument("evaluate: batchSize must be positive, got \(batchSize)") }
        guard data.sampleCount > 0 else { throw ModelError.emptyDataset(operation: "evaluate") }
        let outputShape = try validate(sampleShape: data.sampleShape, operation: "evaluate")
        return try evaluate(data, indices: Array(0..<data.sampleCount), batchSize: batchSize,
                            configuration: configuration, outputShape: outputShape)
    }

    func evaluate(
        _ data: any BatchSource<Scalar>, indices: [Int], batchSize: Int,
        configuration: TrainingConfiguration<Scalar>, outputShape: [Int]
    ) throws -> Evaluation {
        var totals = MetricTotals(metrics: configuration.metrics)
        for start in stride(from: 0, to: indices.count, by: batchSize) {
            let batchIndices = indices[start..<min(start + batchSize, indices.count)]
            let (inputs, targets) = data.batch(at: batchIndices)
            try configuration.loss.validate(targets: targets, outputShape: outputShape, sampleIndices: batchIndices)
            let predictions = self(inputs.detached())
            let loss = configuration.loss(predictions: predictions, targets: targets)
            totals.add(loss: Double(loss.scalar), predictions: predictions, targets: targets)
        }
        let logs = totals.logs(prefix: "")
        return Evaluation(loss: logs[0].1, metrics: Dictionary(logs.dropFirst().map { $0 }, uniquingKeysWith: { $1 }))
    }

    /// The model's outputs for every sample, computed batch by batch without recording
    /// anything on a tape (like Keras's `predict`).
    public func predict(_ x: Tensor<Scalar>, batchSize: Int = 32) throws -> Tensor<Scalar> {
        guard x.rank >= 1 else { throw ModelError.invalidArgument("predict: inputs need a sample dimension, got shape \(x.shape)") }
        return try predict(TensorDataset(inputs: x, targets: Tensor(zeros: [x.shape[0]])), batchSize: batchSize)
    }

    /// The model's outputs for every sample of a dataset (its targets are ignored).
    public func predict(_ data: some BatchSource<Scalar>, batchSize: Int = 32) throws -> Tensor<Scalar> {
        guard batchSize > 0 else { throw ModelError.invalidArgument("predict: batchSize must be positive, got \(batchSize)") }
        let outputShape = try validate(sampleShape: data.sampleShape, operation: "predict")
        let count = data.sampleCount
        let sampleSize = outputShape.reduce(1, *)
        var result = Tensor<Scalar>(zeros: [count] + outputShape)
        result.withUnsafeMutableScalars { output in
            for start in stride(from: 0, to: count, by: batchSize) {
                let end = min(start + batchSize, count)
                let predictions = self(data.batch(at: Array(start..<end)[...]).inputs.detached())
                predictions.withUnsafeScalars { batch in
                    _ = UnsafeMutableBufferPointer(rebasing: output[(start * sampleSize)..<(end * sampleSize)]).initialize(from: batch)
                }
            }
        }
        return result
    }
}
