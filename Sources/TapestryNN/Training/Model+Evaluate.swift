import Tapestry
import TapestryData

/// The loss and metrics `evaluate` measured, like the list Keras's `evaluate` returns.
public struct Evaluation: Sendable, Equatable {
    /// The mean loss over the samples.
    public let loss: Double
    /// Each compiled metric by name (`accuracy`).
    public let metrics: [String: Double]

    /// The accuracy, if an accuracy was a compiled metric.
    public var accuracy: Double? {
        metrics["accuracy"] ?? metrics["sparse_categorical_accuracy"] ?? metrics["categorical_accuracy"]
            ?? metrics["binary_accuracy"]
    }

    func logs(prefix: String) -> [(String, Double)] {
        [(prefix + "loss", loss)] + metrics.sorted { $0.key < $1.key }.map { (prefix + $0.key, $0.value) }
    }
}

/// Samples to evaluate: a source, which of its samples, and their prepared targets.
struct EvaluationSet<Scalar: TensorScalar> {
    let source: any BatchSource<Scalar>
    let indices: [Int]
    let targets: Targets<Scalar>
}

extension Model {
    /// The loss and metrics on tensors with class labels, batch by batch, recording nothing.
    public func evaluate(_ x: Tensor<Scalar>, _ y: Tensor<Int32>, batchSize: Int = 32) throws -> Evaluation {
        try evaluate(dataset(x, .labels(y)), batchSize: batchSize)
    }

    /// The loss and metrics on tensors with target values, batch by batch, recording nothing.
    public func evaluate(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>, batchSize: Int = 32) throws -> Evaluation {
        try evaluate(dataset(x, .values(y)), batchSize: batchSize)
    }

    /// The loss and metrics on a dataset, batch by batch, recording nothing.
    public func evaluate(_ data: some BatchSource<Scalar>, batchSize: Int = 32) throws -> Evaluation {
        let configuration = try requireConfiguration(for: "evaluate")
        guard batchSize > 0 else { throw ModelError.invalidArgument("evaluate: batchSize must be positive, got \(batchSize)") }
        guard data.sampleCount > 0 else { throw ModelError.emptyDataset(operation: "evaluate") }
        let outputShape = try validate(sampleShape: data.sampleShape, operation: "evaluate")
        let targets = try preparedTargets(data, loss: configuration.loss, outputShape: outputShape)
        return try evaluate(EvaluationSet(source: data, indices: Array(0..<data.sampleCount), targets: targets),
                            batchSize: batchSize, configuration: configuration)
    }

    func evaluate(_ set: EvaluationSet<Scalar>, batchSize: Int, configuration: TrainingConfiguration<Scalar>) throws -> Evaluation {
        try LearningPhase.inference { try evaluateInInference(set, batchSize: batchSize, configuration: configuration) }
    }

    func evaluateInInference(
        _ set: EvaluationSet<Scalar>, batchSize: Int, configuration: TrainingConfiguration<Scalar>
    ) throws -> Evaluation {
        let lossMean = LossMean()
        for metric in configuration.metrics { metric.reset() }
        for start in stride(from: 0, to: set.indices.count, by: batchSize) {
            let batchIndices = set.indices[start..<min(start + batchSize, set.indices.count)]
            let targets = set.targets.gathering(atIndices: Array(batchIndices))
            let inputs = set.source.inputs(at: batchIndices)
            try checkFinite(inputs: inputs, targets: targets, samples: batchIndices, operation: "evaluate")
            let predictions = self(inputs.detached())
            let loss = configuration.loss(predictions: predictions, targets: targets)
            lossMean.add(total: Double(loss.scalar) * Double(batchIndices.count), count: batchIndices.count)
            for metric in configuration.metrics { metric.update(predictions: predictions, targets: targets) }
        }
        return Evaluation(loss: lossMean.result(),
                          metrics: Dictionary(configuration.metrics.map { ($0.name, $0.result()) }, uniquingKeysWith: { $1 }))
    }

    /// The model's outputs for every sample, computed batch by batch without recording
    /// anything on a tape (like Keras's `predict`).
    public func predict(_ x: Tensor<Scalar>, batchSize: Int = 32) throws -> Tensor<Scalar> {
        guard x.rank >= 1 else { throw ModelError.invalidArgument("predict: inputs need a sample dimension, got shape \(x.shape)") }
        return try predict(dataset(x, .labels(Tensor(zeros: [x.shape[0]]))), batchSize: batchSize)
    }

    /// The model's outputs for every sample of a dataset (its targets are ignored).
    public func predict(_ data: some BatchSource<Scalar>, batchSize: Int = 32) throws -> Tensor<Scalar> {
        guard batchSize > 0 else { throw ModelError.invalidArgument("predict: batchSize must be positive, got \(batchSize)") }
        let outputShape = try validate(sampleShape: data.sampleShape, operation: "predict")
        var result = Tensor<Scalar>(zeros: [data.sampleCount] + outputShape)
        try LearningPhase.inference {
            try result.withUnsafeMutableScalars { output in
                try predictBatches(of: data, batchSize: batchSize, sampleSize: outputShape.reduce(1, *), into: output)
            }
        }
        return result
    }

    /// Writes the outputs for `data`'s samples, batch by batch, into `output`.
    private func predictBatches(
        of data: some BatchSource<Scalar>, batchSize: Int, sampleSize: Int, into output: UnsafeMutableBufferPointer<Scalar>
    ) throws {
        let count = data.sampleCount
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = min(start + batchSize, count)
            let samples = Array(start..<end)[...]
            let inputs = data.inputs(at: samples)
            try checkFinite(inputs: inputs, targets: nil, samples: samples, operation: "predict")
            let predictions = self(inputs.detached())
            guard predictions.scalarCount == (end - start) * sampleSize else {
                throw ModelError.incompatibleInputShape(
                    layer: name, expected: "outputs of \(sampleSize) scalars per sample", got: predictions.shape)
            }
            predictions.withUnsafeScalars { batch in
                _ = UnsafeMutableBufferPointer(rebasing: output[(start * sampleSize)..<(end * sampleSize)]).initialize(from: batch)
            }
        }
    }
}
