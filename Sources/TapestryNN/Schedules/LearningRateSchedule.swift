import Foundation

/// A learning rate that changes with the optimizer's step, as Keras's
/// `LearningRateSchedule`: the optimizer asks for the rate at its `step` (the number of
/// steps taken before this one, Keras's `iterations`, so the first step reads step 0).
///
/// A `Double` is a constant schedule, so every optimizer takes either:
///
/// ```swift
/// let constant = Adam<Float>(learningRate: 1e-3)
/// let decaying = Adam<Float>(learningRate: CosineDecay(initialLearningRate: 0, decaySteps: 1000,
///                                                      warmupTarget: 1e-3, warmupSteps: 100))
/// ```
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for the step with index `step` (from 0).
    func learningRate(atStep step: Int) -> Double
}

extension Double: LearningRateSchedule {
    /// The constant itself.
    public func learningRate(atStep step: Int) -> Double { self }
}

/// A schedule given by a closure of the step, for rules the built-in schedules do not
/// cover.
///
/// ```swift
/// let halving = LambdaSchedule { step in 0.1 * pow(0.5, Double(step / 100)) }
/// ```
public struct LambdaSchedule: LearningRateSchedule {
    private let body: @Sendable (Int) -> Double

    /// Creates a schedule that returns `body(step)`.
    public init(_ body: @escaping @Sendable (Int) -> Double) { self.body = body }

    /// `body(step)`.
    public func learningRate(atStep step: Int) -> Double { body(step) }
}

/// `initial · rate^(step / decaySteps)`, as Keras's `ExponentialDecay`; with `staircase`
/// the exponent is rounded down, so the rate drops every `decaySteps` steps.
public struct ExponentialDecay: LearningRateSchedule {
    /// The rate at step 0.
    public let initialLearningRate: Double
    /// The steps over which the rate is multiplied by `decayRate`.
    public let decaySteps: Int
    /// The factor per `decaySteps` steps.
    public let decayRate: Double
    /// Whether the rate changes in steps rather than continuously.
    public let staircase: Bool

    /// Creates the schedule; `decaySteps` must be positive.
    public init(initialLearningRate: Double, decaySteps: Int, decayRate: Double, staircase: Bool = false) {
        checkPositive(decaySteps, "ExponentialDecay", "decaySteps")
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
    }

    /// `initial · rate^p` with `p = step / decaySteps` (rounded down with `staircase`).
    public func learningRate(atStep step: Int) -> Double {
        var progress = Double(step) / Double(decaySteps)
        if staircase { progress.round(.down) }
        return initialLearningRate * pow(decayRate, progress)
    }
}

/// `initial / (1 + rate · step / decaySteps)`, as Keras's `InverseTimeDecay`; with
/// `staircase` the quotient is rounded down.
public struct InverseTimeDecay: LearningRateSchedule {
    /// The rate at step 0.
    public let initialLearningRate: Double
    /// The steps per unit of decay.
    public let decaySteps: Int
    /// How fast the rate falls.
    public let decayRate: Double
    /// Whether the rate changes in steps rather than continuously.
    public let staircase: Bool

    /// Creates the schedule; `decaySteps` must be positive.
    public init(initialLearningRate: Double, decaySteps: Int, decayRate: Double, staircase: Bool = false) {
        checkPositive(decaySteps, "InverseTimeDecay", "decaySteps")
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
    }

    /// `initial / (1 + rate · p)` with `p = step / decaySteps` (rounded down with `staircase`).
    public func learningRate(atStep step: Int) -> Double {
        var progress = Double(step) / Double(decaySteps)
        if staircase { progress.round(.down) }
        return initialLearningRate / (1 + decayRate * progress)
    }
}

/// A constant rate per interval of steps, as Keras's `PiecewiseConstantDecay`:
/// `values[0]` up to and including `boundaries[0]`, `values[i]` after `boundaries[i − 1]`
/// up to `boundaries[i]`, and the last value after the last boundary.
public struct PiecewiseConstantDecay: LearningRateSchedule {
    /// The steps at which the rate changes, increasing.
    public let boundaries: [Int]
    /// The rates, one more than `boundaries`.
    public let values: [Double]

    /// Creates the schedule; `values` must hold one more entry than the increasing
    /// `boundaries`.
    public init(boundaries: [Int], values: [Double]) {
        if values.count != boundaries.count + 1 {
            fatalError("PiecewiseConstantDecay: \(boundaries.count) boundaries need \(boundaries.count + 1) values, got \(values.count)")
        }
        if zip(boundaries, boundaries.dropFirst()).contains(where: { $0 >= $1 }) {
            fatalError("PiecewiseConstantDecay: boundaries must increase, got \(boundaries)")
        }
        self.boundaries = boundaries
        self.values = values
    }

    /// The value of the interval holding `step`.
    public func learningRate(atStep step: Int) -> Double {
        values[boundaries.firstIndex { step <= $0 } ?? boundaries.count]
    }
}

/// Cosine decay with optional linear warmup, as Keras's `CosineDecay`: without warmup,
/// `initial · ((1 − α) · ½(1 + cos(π · min(step, decaySteps) / decaySteps)) + α)`; with
/// `warmupTarget`, the rate first rises linearly from `initial` to `warmupTarget` over
/// `warmupSteps` steps, then decays from `warmupTarget` over `decaySteps` steps.
public struct CosineDecay: LearningRateSchedule {
    /// The rate at step 0.
    public let initialLearningRate: Double
    /// The steps of the decay (after warmup).
    public let decaySteps: Int
    /// The final rate as a fraction of the rate decayed from.
    public let alpha: Double
    /// The rate reached at the end of warmup, or `nil` for no warmup.
    public let warmupTarget: Double?
    /// The steps of warmup.
    public let warmupSteps: Int

    /// Creates the schedule; `decaySteps` must be positive, `warmupSteps` too when
    /// `warmupTarget` is given.
    public init(initialLearningRate: Double, decaySteps: Int, alpha: Double = 0,
                warmupTarget: Double? = nil, warmupSteps: Int = 0) {
        checkPositive(decaySteps, "CosineDecay", "decaySteps")
        if warmupTarget != nil { checkPositive(warmupSteps, "CosineDecay", "warmupSteps (with a warmupTarget)") }
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.alpha = alpha
        self.warmupTarget = warmupTarget
        self.warmupSteps = warmupSteps
    }

    /// The warmup or decayed rate at `step`.
    public func learningRate(atStep step: Int) -> Double {
        guard let warmupTarget else {
            return decayed(from: initialLearningRate, at: min(step, decaySteps))
        }
        let step = min(step, decaySteps + warmupSteps)
        if step < warmupSteps {
            return (warmupTarget - initialLearningRate) * (Double(step) / Double(warmupSteps)) + initialLearningRate
        }
        return decayed(from: warmupTarget, at: step - warmupSteps)
    }

    private func decayed(from rate: Double, at step: Int) -> Double {
        let cosine = 0.5 * (1 + cos(Double.pi * (Double(step) / Double(decaySteps))))
        return rate * ((1 - alpha) * cosine + alpha)
    }
}

/// Traps unless `value > 0`, naming the schedule and argument.
private func checkPositive(_ value: Int, _ schedule: String, _ argument: String) {
    if value <= 0 { fatalError("\(schedule): \(argument) must be positive, got \(value)") }
}
