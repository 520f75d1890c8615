import Tapestry

/// Sets the optimizer's learning rate before each epoch from a function of the epoch and
/// the current rate, like Keras's `LearningRateScheduler`:
///
/// ```swift
/// // Keep the rate for 10 epochs, then shrink it by e^−0.1 per epoch.
/// let scheduler = LearningRateScheduler<Float> { epoch, rate in epoch <= 10 ? rate : rate * exp(-0.1) }
/// ```
///
/// Epochs count from 1, as in `History`. The rate for epoch 1 is set when training
/// begins, the rate for epoch `e + 1` when epoch `e` ends (so after training the optimizer
/// holds the rate the schedule gives the epoch after the last). Setting the rate replaces
/// any step schedule the optimizer had.
public final class LearningRateScheduler<Scalar: TensorScalar>: Callback {
    private let schedule: (_ epoch: Int, _ learningRate: Double) -> Double

    /// The rates set, by epoch.
    public private(set) var rates: [Int: Double] = [:]

    /// Creates the callback from `schedule(epoch, currentRate) -> newRate`.
    public init(schedule: @escaping (_ epoch: Int, _ learningRate: Double) -> Double) {
        self.schedule = schedule
    }

    /// Sets the rate of epoch 1.
    ///
    /// - Throws: `ModelError.notCompiled` when the model has no optimizer.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        rates = [:]
        try apply(epoch: 1, model: model)
    }

    /// Sets the rate of the next epoch.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        try apply(epoch: epoch + 1, model: model)
        return .proceed
    }

    private func apply(epoch: Int, model: Model<Scalar>) throws {
        guard let optimizer = model.optimizer else { throw ModelError.notCompiled(operation: "LearningRateScheduler") }
        let rate = schedule(epoch, optimizer.learningRate)
        guard rate.isFinite && rate >= 0 else {
            throw ModelError.invalidArgument("LearningRateScheduler: the schedule gave learning rate \(rate) for epoch \(epoch)")
        }
        optimizer.learningRate = rate
        rates[epoch] = rate
    }
}

/// Multiplies the learning rate by `factor` when a metric has stopped improving for
/// `patience` epochs, like Keras's `ReduceLROnPlateau`; after a reduction it waits
/// `cooldown` epochs before counting again, and never goes below `minLearningRate`.
public final class ReduceLROnPlateau<Scalar: TensorScalar>: Callback {
    /// The metric watched.
    public let monitor: String
    /// The factor applied to the rate, in (0, 1).
    public let factor: Double
    /// Epochs without improvement before a reduction.
    public let patience: Int
    /// The smallest change that counts as an improvement.
    public let minDelta: Double
    /// Epochs to wait after a reduction before counting epochs without improvement.
    public let cooldown: Int
    /// The lowest rate it sets.
    public let minLearningRate: Double
    /// Lower or higher is better.
    public let mode: MonitorMode

    /// The best value seen.
    public private(set) var best: Double?
    /// The reductions made: the epoch and the new rate.
    public private(set) var reductions: [(epoch: Int, learningRate: Double)] = []
    private var wait = 0
    private var cooldownLeft = 0

    /// Creates the callback (Keras's defaults).
    public init(monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 10, minDelta: Double = 1e-4,
                cooldown: Int = 0, minLearningRate: Double = 0, mode: MonitorMode? = nil) {
        if !(factor > 0 && factor < 1) { fatalError("ReduceLROnPlateau: factor must be in (0, 1), got \(factor)") }
        if patience < 0 || cooldown < 0 { fatalError("ReduceLROnPlateau: patience and cooldown must be ≥ 0, got \(patience) and \(cooldown)") }
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.minDelta = abs(minDelta)
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
        self.mode = mode ?? MonitorMode(inferredFrom: monitor)
    }

    /// Resets its state.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        best = nil
        reductions = []
        wait = 0
        cooldownLeft = 0
    }

    /// Tracks the metric and reduces the rate after `patience` epochs without improvement.
    ///
    /// - Throws: `ModelError.invalidArgument` when the logs lack `monitor`.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        guard let value = logs[monitor] else {
            throw ModelError.invalidArgument("ReduceLROnPlateau: metric '\(monitor)' is not among \(logs.keys.sorted())")
        }
        guard let optimizer = model.optimizer else { throw ModelError.notCompiled(operation: "ReduceLROnPlateau") }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            wait = 0
        }
        if mode.isImprovement(value, over: best, minDelta: minDelta) {
            best = value
            wait = 0
        } else if cooldownLeft == 0 {
            wait += 1
            if wait >= patience && optimizer.learningRate > minLearningRate {
                let rate = max(optimizer.learningRate * factor, minLearningRate)
                optimizer.learningRate = rate
                reductions.append((epoch, rate))
                cooldownLeft = cooldown
                wait = 0
            }
        }
        return .proceed
    }
}
