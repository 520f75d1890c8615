import Tapestry

/// A trainable tensor owned by a layer, with a stable dotted name (`dense_1.kernel`) used
/// by checkpoints, `summary()` and the diagrams.
///
/// A parameter is a reference: the layer, the optimizer and the training loop all see the
/// same value. During a training step its `value` is tracked by the step's tape.
public final class Parameter<Scalar: TensorScalar> {
    /// The name within its layer (`kernel`, `bias`).
    public let localName: String
    /// The full dotted name (`dense_1.kernel`), set when the layer is named.
    public internal(set) var name: String
    /// The current value.
    public var value: Tensor<Scalar>
    /// Whether optimizers update it.
    public var isTrainable: Bool

    /// Creates a parameter named `localName` within its layer.
    public init(_ localName: String, value: Tensor<Scalar>, isTrainable: Bool = true) {
        self.localName = localName
        self.name = localName
        self.value = value
        self.isTrainable = isTrainable
    }
}
