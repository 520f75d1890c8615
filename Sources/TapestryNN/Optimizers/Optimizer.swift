import Tapestry

/// Updates parameters from their gradients.
///
/// An optimizer keeps its per-parameter state (moments, velocities) itself, keyed by
/// parameter, and allocates it once, on the first update. Write one by subclassing
/// `ParameterwiseOptimizer`, which does that bookkeeping and adds gradient clipping,
/// weight decay and learning-rate schedules to every optimizer.
public protocol Optimizer<Scalar>: AnyObject {
    /// The scalar type of the parameters it updates.
    associatedtype Scalar: TensorScalar

    /// The step size of the next step. Setting it replaces a schedule by that constant
    /// (`ReduceLROnPlateau` and `LearningRateScheduler` do this).
    var learningRate: Double { get set }

    /// Applies one step to each parameter with its gradient (same order, same shapes).
    func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>])

    /// Whether the learning rate follows a schedule rather than staying constant (then
    /// `fit` logs it, as Keras does).
    var followsSchedule: Bool { get }
}

extension Optimizer {
    /// A constant rate.
    public var followsSchedule: Bool { false }
}

/// An optimizer whose state a checkpoint can save and restore, so training resumes
/// exactly where it stopped (every `ParameterwiseOptimizer` is one):
///
/// ```swift
/// if let optimizer = model.optimizer as? any CheckpointableOptimizer<Float> {
///     let snapshot = optimizer.snapshot(of: model.parameters)   // write step + slots
///     try optimizer.restore(snapshot, for: model.parameters)    // after a restart
/// }
/// ```
public protocol CheckpointableOptimizer<Scalar>: Optimizer {
    /// The step count and each parameter's slots, in the order of `parameters`.
    func snapshot(of parameters: [Parameter<Scalar>]) -> OptimizerSnapshot<Scalar>

    /// Puts back a snapshot taken for the same parameters in the same order.
    ///
    /// - Throws: `ModelError.invalidArgument` when the snapshot does not fit.
    func restore(_ snapshot: OptimizerSnapshot<Scalar>, for parameters: [Parameter<Scalar>]) throws
}

/// What an optimizer has learned about the parameters it updates, for a checkpoint to
/// write and read back: the number of steps taken and, for each parameter in the order
/// given, its slots (Adam's `m` and `v`) in the order of `slotNames`.
public struct OptimizerSnapshot<Scalar: TensorScalar> {
    /// The steps taken (Keras's `iterations`; schedules read it).
    public var step: Int
    /// The name of each slot (`["m", "v"]`), to name them in a file as
    /// `"<parameter path>/<slot name>"`.
    public var slotNames: [String]
    /// Per parameter, in the order given to `snapshot(of:)`, its slots; empty for a
    /// parameter the optimizer has not updated yet.
    public var slots: [[Tensor<Scalar>]]

    /// Creates a snapshot.
    public init(step: Int, slotNames: [String], slots: [[Tensor<Scalar>]]) {
        self.step = step
        self.slotNames = slotNames
        self.slots = slots
    }
}

/// One parameter's optimizer state as an ordered list of tensors, so it can be saved and
/// restored (see `OptimizerSnapshot`).
public protocol OptimizerState<Scalar> {
    /// The scalar type of the slots.
    associatedtype Scalar: TensorScalar
    /// The slots' names, in order (`["m", "v"]`).
    static var slotNames: [String] { get }
    /// The slots, in the order of `slotNames`.
    var slots: [Tensor<Scalar>] { get }
    /// Rebuilds a state from slots in the order of `slotNames` (their count is checked
    /// before this is called).
    init(slots: [Tensor<Scalar>])
}

/// What to clip gradients to before a step, as Keras's `clipnorm`, `global_clipnorm` and
/// `clipvalue` (Keras allows one at a time, and so does this enum).
public enum GradientClipping: Sendable, Equatable {
    /// No clipping.
    case none
    /// Each gradient scaled to an L2 norm of at most this (`clipnorm`).
    case norm(Double)
    /// All the step's gradients scaled together so that their joint L2 norm is at most
    /// this (`global_clipnorm`).
    case globalNorm(Double)
    /// Each gradient element clipped to `-value...value` (`clipvalue`).
    case value(Double)
}
