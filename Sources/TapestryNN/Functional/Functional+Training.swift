import Tapestry
import TapestryData

/// What `compile(optimizer:losses:lossWeights:metrics:)` fixes for each output.
struct OutputLosses<Scalar: TensorScalar> {
    let losses: [any Loss]
    let weights: [Double]
    let metrics: [[Metric]]
}

/// How the targets of each output are laid out in a packed target row: a class label in
/// one column, or the output's values flattened.
struct TargetLayout: Sendable {
    var widths: [Int]
    var isLabels: [Bool]
}

extension Functional {
    /// Configures a model with several outputs for training with a loss per output (Keras's
    /// `compile(loss={...}, loss_weights={...}, metrics={...})`), keyed by output name: the
    /// training loss is the weighted sum, and logs show `loss`, `<output>_loss` and
    /// `<output>_<metric>` (`digit_accuracy`).
    ///
    /// ```swift
    /// try model.compile(optimizer: Adam(),
    ///                   losses: ["digit": SparseCategoricalCrossentropy(fromLogits: true), "size": MeanSquaredError()],
    ///                   lossWeights: ["size": 0.5],
    ///                   metrics: ["digit": [.accuracy]])
    /// ```
    ///
    /// - Throws: `ModelError.invalidArgument` naming a key that is no output, or an output
    ///   without a loss. Outputs without a weight weigh 1.
    public func compile(
        optimizer: some Optimizer<Scalar>, losses: [String: any Loss], lossWeights: [String: Double] = [:],
        metrics: [String: [Metric]] = [:]
    ) throws {
        let names = outputNames
        for key in Set(losses.keys).union(lossWeights.keys).union(metrics.keys) where !names.contains(key) {
            throw ModelError.invalidArgument("compile: \(key) is not an output of \(name); its outputs are \(names.joined(separator: ", "))")
        }
        let ordered = try names.map { output -> any Loss in
            guard let loss = losses[output] else { throw ModelError.invalidArgument("compile: output \(output) has no loss") }
            return loss
        }
        try compile(optimizer: optimizer, losses: ordered, lossWeights: names.map { lossWeights[$0] ?? 1 },
                    metrics: names.map { metrics[$0] ?? [] })
    }

    /// Configures a model with several outputs with one loss per output, in output order;
    /// see `compile(optimizer:losses:lossWeights:metrics:)` with names.
    ///
    /// - Throws: `ModelError.invalidArgument` when the counts differ from the outputs'.
    public func compile(
        optimizer: some Optimizer<Scalar>, losses: [any Loss], lossWeights: [Double]? = nil, metrics: [[Metric]] = []
    ) throws {
        let count = outputs.count
        guard losses.count == count, lossWeights.map({ $0.count == count }) ?? true, metrics.isEmpty || metrics.count == count else {
            throw ModelError.invalidArgument(
                "compile: \(name) has \(count) outputs; give one loss (and weight, and metric list) per output")
        }
        let spec = OutputLosses<Scalar>(losses: losses, weights: lossWeights ?? Array(repeating: 1, count: count),
                                        metrics: metrics.isEmpty ? Array(repeating: [], count: count) : metrics)
        outputLosses = spec
        configure(spec, layout: TargetLayout(widths: outputs.map { $0.shape.reduce(1, *) }, isLabels: Array(repeating: false, count: count)),
                  optimizer: optimizer)
    }

    private func configure(_ spec: OutputLosses<Scalar>, layout: TargetLayout, optimizer: any Optimizer<Scalar>) {
        let loss = OutputsLoss(names: outputNames, shapes: outputs.map(\.shape), losses: spec.losses, weights: spec.weights, layout: layout)
        var metrics: [Metric] = []
        for index in outputNames.indices {
            if outputs.count > 1 { metrics.append(OutputLossMetric(loss: loss, output: index)) }
            metrics += spec.metrics[index].map { OutputMetric($0, loss: loss, output: index) }
        }
        trainingConfiguration = TrainingConfiguration(optimizer: optimizer, loss: loss, metrics: metrics)
    }

    /// Trains a model with several inputs or outputs: one tensor per input and one
    /// `Targets` per output, in order (Keras's `fit([x1, x2], [y1, y2])`); the rest as
    /// `fit(_:epochs:batchSize:validationSplit:validationData:shuffle:callbacks:verbose:seed:)`.
    @discardableResult
    public func fit(
        inputs: [Tensor<Scalar>], targets: [Targets<Scalar>], epochs: Int = 1, batchSize: Int = 32,
        validationSplit: Double = 0, shuffle: Bool = true, callbacks: [any Callback<Scalar>] = [], verbose: Int = 1,
        seed: UInt64? = nil
    ) throws -> History {
        let data = try packedDataset(inputs: inputs, targets: targets, operation: "fit")
        return try fit(data, epochs: epochs, batchSize: batchSize, validationSplit: validationSplit, shuffle: shuffle,
                       callbacks: callbacks, verbose: verbose, seed: seed)
    }

    /// The loss (the weighted sum), each output's loss and each output's metrics on
    /// samples of several inputs or outputs, batch by batch, recording nothing.
    public func evaluate(inputs: [Tensor<Scalar>], targets: [Targets<Scalar>], batchSize: Int = 32) throws -> Evaluation {
        try evaluate(packedDataset(inputs: inputs, targets: targets, operation: "evaluate"), batchSize: batchSize)
    }

    /// Each output for every sample of several inputs, batch by batch, recording nothing.
    public func predict(inputs: [Tensor<Scalar>], batchSize: Int = 32) throws -> [Tensor<Scalar>] {
        let packed = try packedInputs(inputs, operation: "predict")
        let predictions = try predict(packed, batchSize: batchSize)
        let parts = outputs.count == 1 ? [predictions] : predictions.split(sizes: outputs.map { $0.shape.reduce(1, *) }, alongAxis: 1)
        return zip(parts, outputs).map { $0.reshaped(to: [predictions.shape[0]] + $1.shape) }
    }

    private func packedInputs(_ inputs: [Tensor<Scalar>], operation: String) throws -> Tensor<Scalar> {
        guard inputs.count == self.inputs.count else {
            throw ModelError.invalidArgument("\(operation): \(name) takes \(self.inputs.count) inputs, got \(inputs.count)")
        }
        for (tensor, input) in zip(inputs, self.inputs) where Array(tensor.shape.dropFirst()) != input.shape || tensor.rank < 1 {
            throw ModelError.incompatibleInputShape(layer: input.sourceName, expected: "\(input.shape)", got: Array(tensor.shape.dropFirst()))
        }
        let count = inputs[0].shape[0]
        if let other = inputs.first(where: { $0.shape[0] != count }) {
            throw ModelError.sampleCountMismatch(inputs: count, targets: other.shape[0])
        }
        if inputs.count == 1 && outputs.count == 1 { return inputs[0] }
        return Self.packed(inputs.map { $0.detached() })
    }

    /// Inputs and targets packed into one row per sample, with the loss told the targets'
    /// layout.
    private func packedDataset(inputs: [Tensor<Scalar>], targets: [Targets<Scalar>], operation: String) throws -> TensorDataset<Scalar> {
        let x = try packedInputs(inputs, operation: operation)
        guard let spec = outputLosses, let optimizer = trainingConfiguration?.optimizer else {
            if trainingConfiguration != nil, outputs.count == 1, targets.count == 1 { return try TensorDataset(inputs: x, targets: targets[0]) }
            throw ModelError.notCompiled(operation: operation)
        }
        guard targets.count == outputs.count else {
            throw ModelError.invalidArgument("\(operation): \(name) has \(outputs.count) outputs, got \(targets.count) targets")
        }
        var columns: [Tensor<Scalar>] = []
        var layout = TargetLayout(widths: [], isLabels: [])
        for (index, target) in targets.enumerated() {
            guard target.sampleCount == x.shape[0] else {
                throw ModelError.sampleCountMismatch(inputs: x.shape[0], targets: target.sampleCount)
            }
            let prepared = try spec.losses[index].prepare(target, outputShape: outputs[index].shape)
            switch prepared {
            case .labels(let labels):
                columns.append(Tensor<Scalar>(converting: labels).reshaped(to: [labels.shape[0], 1]))
                layout.widths.append(1)
                layout.isLabels.append(true)
            case .values(let values):
                let width = values.shape.dropFirst().reduce(1, *)
                columns.append(values.reshaped(to: [values.shape[0], width]))
                layout.widths.append(width)
                layout.isLabels.append(false)
            }
        }
        configure(spec, layout: layout, optimizer: optimizer)
        return try TensorDataset(inputs: x, targets: .values(columns.count == 1 ? columns[0] : Tensor(concatenating: columns, alongAxis: 1)))
    }
}
