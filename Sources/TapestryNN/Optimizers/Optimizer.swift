import Tapestry

/// Updates parameters from their gradients.
///
/// An optimizer keeps its per-parameter state (moments, velocities) itself, keyed by
/// parameter, and allocates it once, on the first update. Write one by subclassing
/// `ParameterwiseOptimizer`, which does that bookkeeping.
public protocol Optimizer<Scalar>: AnyObject {
    /// The scalar type of the parameters it updates.
    associatedtype Scalar: TensorScalar

    /// The step size.
    var learningRate: Double { get set }

    /// Applies one step to each parameter with its gradient (same order, same shapes).
    func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>])
}

/// An optimizer that updates each parameter from its gradient and a state of its own
/// (Adam's moments, SGD's velocity), in the spirit of mlx-swift's `applySingle`: subclasses
/// say how to make a state and how to take one parameter's step.
open class ParameterwiseOptimizer<Scalar: TensorScalar, State>: Optimizer {
    /// The step size.
    public var learningRate: Double
    /// The number of steps taken.
    public private(set) var step = 0

    private var states: [ObjectIdentifier: State] = [:]
    private let name: String

    /// Creates the optimizer; `name` prefixes its error messages.
    public init(name: String, learningRate: Double) {
        self.name = name
        self.learningRate = learningRate
    }

    /// The state of a parameter before its first step.
    open func makeState(for value: Tensor<Scalar>) -> State {
        fatalError("\(name): a ParameterwiseOptimizer subclass must override makeState(for:)")
    }

    /// Called once per step, after `step` is incremented and before any parameter is
    /// updated (Adam computes its bias correction here).
    open func prepareStep() {}

    /// Updates one parameter's `value` in place from its `gradient` and `state`.
    open func update(_ value: inout Tensor<Scalar>, gradient: Tensor<Scalar>, state: inout State) {
        fatalError("\(name): a ParameterwiseOptimizer subclass must override update(_:gradient:state:)")
    }

    /// One step for each parameter.
    public func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>]) {
        if parameters.count != gradients.count {
            fatalError("\(name): \(parameters.count) parameters but \(gradients.count) gradients")
        }
        step += 1
        prepareStep()
        for (parameter, gradient) in zip(parameters, gradients) {
            if parameter.value.shape != gradient.shape {
                fatalError("\(name): gradient shape \(gradient.shape) for a parameter of shape \(parameter.value.shape)")
            }
            let key = ObjectIdentifier(parameter)
            var state = states.removeValue(forKey: key) ?? makeState(for: parameter.value)
            update(&parameter.value, gradient: gradient, state: &state)
            states[key] = state
        }
    }
}
