import Tapestry

/// Whether layers run in training or in inference mode, like Keras's `training` argument:
/// `Dropout` drops only while training and `BatchNormalization` uses batch statistics only
/// while training.
///
/// `fit` and `trainOnBatch` run their steps in training mode; `evaluate`, `predict` and a
/// plain call run in inference mode. A custom training loop chooses:
///
/// ```swift
/// let (loss, gradients) = try LearningPhase.training {
///     try model.valueWithGradient { model in (model(x) - y).squared().mean() }
/// }
/// ```
public enum LearningPhase {
    /// Whether the current task is training (task-local, so concurrent evaluations are
    /// unaffected).
    @TaskLocal public static var isTraining = false

    /// Runs `body` in training mode.
    public static func training<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isTraining.withValue(true) { try body() }
    }

    /// Runs `body` in inference mode.
    public static func inference<Result>(_ body: () throws -> Result) rethrows -> Result {
        try $isTraining.withValue(false) { try body() }
    }
}
