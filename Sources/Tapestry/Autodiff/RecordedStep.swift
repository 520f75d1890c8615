/// A forward and backward pass recorded on a tape, for inspection and drawing: nothing is
/// updated. Models return one from `recordStep(inputs:targets:)`; TapestryViz's `TapeGraph`
/// draws it.
public struct RecordedStep<Scalar: TensorScalar> {
    /// The tape with every op of the forward pass, labelled by layer.
    public let tape: Tape<Scalar>
    /// The value the backward pass started from (a batch's loss).
    public let loss: Tensor<Scalar>
    /// Every entry's cotangent (intermediates kept), to show the gradient flow.
    public let gradients: Gradients<Scalar>

    /// Bundles a tape, the value swept from and the sweep's cotangents.
    public init(tape: Tape<Scalar>, loss: Tensor<Scalar>, gradients: Gradients<Scalar>) {
        self.tape = tape
        self.loss = loss
        self.gradients = gradients
    }
}
