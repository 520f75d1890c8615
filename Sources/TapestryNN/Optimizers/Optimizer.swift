import Tapestry

/// Updates parameters from their gradients.
///
/// An optimizer keeps its per-parameter state (moments, velocities) itself, keyed by
/// parameter, and allocates it once, on the first update.
public protocol Optimizer<Scalar>: AnyObject {
    /// The scalar type of the parameters it updates.
    associatedtype Scalar: TensorScalar

    /// The step size.
    var learningRate: Double { get set }

    /// Applies one step to each parameter with its gradient (same order, same shapes).
    func update(_ parameters: [Parameter<Scalar>], with gradients: [Tensor<Scalar>])
}
