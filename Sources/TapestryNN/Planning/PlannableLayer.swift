import Tapestry

/// A layer whose training step can be planned: for a fixed sample shape and a largest
/// batch, it makes a `LayerStepPlan` that runs its forward and backward passes on buffers
/// allocated once, without a tape (like a JIT replaying captured kernels on fixed buffers).
///
/// `Sequential` plans its training step when every layer and the loss can be planned;
/// `Dense` (linear, ReLU and softmax activations), `Flatten`, `Reshape` and `ReLU` can. A layer
/// whose step cannot be planned for a given shape or activation returns `nil`, and the
/// model trains on the tape as before.
public protocol PlannableLayer<Scalar>: Layer {
    /// A plan for batches of up to `maximumBatchSize` samples of `sampleShape`, or `nil`
    /// when this configuration cannot be planned (then the tape is used).
    func makeStepPlan(sampleShape: [Int], maximumBatchSize: Int) -> (any LayerStepPlan<Scalar>)?
}

/// One layer's planned training step on buffers it owns.
///
/// Buffers hold row-major batches whose first dimension is the sample; `rows` (at most the
/// plan's maximum batch size) says how many samples this step has. A plan reads its
/// parameters' current values at every step (so a value the user sets between steps is
/// honoured), but it is planned for their shapes: `isValid` says whether they still hold.
public protocol LayerStepPlan<Scalar>: AnyObject {
    /// The scalar type of the buffers.
    associatedtype Scalar: TensorScalar

    /// The shape of one output sample.
    var outputSampleShape: [Int] { get }

    /// The parameters whose gradients `backward` writes, in the layer's order.
    var parameters: [Parameter<Scalar>] { get }

    /// Whether the layer still has the parameters the plan was made for (the same objects,
    /// in the same order), each of the planned shape.
    var isValid: Bool { get }

    /// Computes the output of `rows` samples from `input` and returns it (a buffer the
    /// plan owns, or `input` itself for a layer that only reshapes). The plan may keep
    /// `input` and the output for `backward`.
    func forward(_ input: UnsafePointer<Scalar>, rows: Int) -> UnsafePointer<Scalar>

    /// From the cotangent of the last `forward`'s output (which the plan may overwrite),
    /// writes the gradient of each of `parameters` to `parameterGradients` (same order,
    /// each of its parameter's size) and, when `needsInputGradient`, returns the input's
    /// cotangent (a buffer the plan owns, or `outputGradient` itself); otherwise `nil`.
    func backward(
        outputGradient: UnsafeMutablePointer<Scalar>, rows: Int,
        parameterGradients: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>,
        needsInputGradient: Bool
    ) -> UnsafeMutablePointer<Scalar>?
}
