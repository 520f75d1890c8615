import Tapestry

/// A trainable tensor owned by a layer.
///
/// A parameter is a reference: the layer, the optimizer and the training loop all see the
/// same value. Its name in checkpoints, summaries and diagrams (`dense_1.kernel`) comes
/// from where the model holds it (see `Layer.namedParameters`); during a training step its
/// `value` is tracked by the step's tape.
public final class Parameter<Scalar: TensorScalar> {
    /// The name used when no stored property of a layer holds the parameter (`kernel`).
    public let localName: String
    /// The current value.
    public var value: Tensor<Scalar>
    /// Whether optimizers update it (BatchNorm's moving statistics are not trainable).
    public var isTrainable: Bool

    /// Creates a parameter; `localName` names it when no stored property of its layer
    /// holds it.
    public init(_ localName: String = "parameter", value: Tensor<Scalar>, isTrainable: Bool = true) {
        self.localName = localName
        self.value = value
        self.isTrainable = isTrainable
    }
}
