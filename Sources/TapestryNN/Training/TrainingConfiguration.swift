import Tapestry

/// What `compile` fixes: how a model learns and what it reports.
struct TrainingConfiguration<Scalar: TensorScalar> {
    var optimizer: any Optimizer<Scalar>
    var loss: any Loss
    var metrics: [Metric]
}

extension Sequential {
    /// Configures the model for training, like Keras's `compile`.
    ///
    /// ```swift
    /// model.compile(optimizer: Adam(),
    ///               loss: SparseCategoricalCrossentropy(fromLogits: true),
    ///               metrics: [.accuracy])
    /// ```
    public func compile(optimizer: some Optimizer<Scalar>, loss: some Loss, metrics: [Metric] = []) {
        configuration = TrainingConfiguration(optimizer: optimizer, loss: loss, metrics: metrics)
    }

    /// Whether `compile` was called.
    public var isCompiled: Bool { configuration != nil }

    /// The optimizer `compile` set, if any.
    public var optimizer: (any Optimizer<Scalar>)? { configuration?.optimizer }

    func requireConfiguration(for operation: String) throws -> TrainingConfiguration<Scalar> {
        guard let configuration else { throw ModelError.notCompiled(operation: operation) }
        return configuration
    }

    /// Throws unless samples of `sampleShape` fit the model and targets fit its output.
    func validate(sampleShape: [Int], operation: String) throws -> [Int] {
        if let inputShape, inputShape != sampleShape {
            throw ModelError.incompatibleInputShape(layer: layers.first?.name ?? name, expected: "\(inputShape)", got: sampleShape)
        }
        return try outputShape(forInputShape: sampleShape)
    }
}
