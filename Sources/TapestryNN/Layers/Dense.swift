import Tapestry

/// A fully connected layer: `activation(input · kernel + bias)`, with Keras's defaults
/// (Glorot-uniform kernel, zero bias).
public final class Dense<Scalar: TensorScalar>: Layer {
    /// The layer's name; `Sequential` assigns `dense`, `dense_1`, … unless you set one.
    public var name: String
    /// The `[inputSize, outputSize]` weight matrix.
    public let kernel: Parameter<Scalar>
    /// The `[outputSize]` bias.
    public let bias: Parameter<Scalar>
    /// The activation applied after the affine map.
    public let activation: Activation

    /// The number of input features.
    public var inputSize: Int { kernel.value.shape[0] }
    /// The number of output features.
    public var outputSize: Int { kernel.value.shape[1] }

    /// Creates a dense layer.
    ///
    /// - Parameters:
    ///   - inputSize: features per input sample.
    ///   - outputSize: features per output sample (Keras's `units`).
    ///   - activation: applied to the output; `.linear` by default.
    ///   - seed: seeds the Glorot-uniform kernel; without one the seed comes from the
    ///     sequence `setRandomSeed(_:)` fixes.
    ///   - name: a name; `Sequential` assigns one if you leave it empty.
    public init(inputSize: Int, outputSize: Int, activation: Activation = .linear, seed: UInt64? = nil, name: String = "") {
        checkPrecondition(inputSize > 0 && outputSize > 0, "Dense: sizes must be positive, got \(inputSize) → \(outputSize)")
        var generator = SeededRandomNumberGenerator(seed: seed ?? RandomSeed.next())
        kernel = Parameter("kernel", value: Tensor(glorotUniform: [inputSize, outputSize], using: &generator))
        bias = Parameter("bias", value: Tensor(zeros: [outputSize]))
        self.activation = activation
        self.name = name
    }

    /// `[kernel, bias]`.
    public var parameters: [Parameter<Scalar>] { [kernel, bias] }

    /// The activation's name, unless it is linear.
    public var activationName: String? { activation.name }

    /// `activation(input · kernel + bias)` for a `[batch, inputSize]` input.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPrecondition(input.rank == 2 && input.shape[1] == inputSize,
                     "\(name) (Dense): expected input [batch, \(inputSize)], got \(input.shape)")
        return activation(input.linear(weight: kernel.value, bias: bias.value))
    }

    /// `[outputSize]` for an input of `[inputSize]`.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        guard shape == [inputSize] else {
            throw ModelError.incompatibleInputShape(layer: name, expected: "[\(inputSize)]", got: shape)
        }
        return [outputSize]
    }

    /// Draws a fresh Glorot-uniform kernel and zeroes the bias.
    public func reinitialize(using generator: inout SeededRandomNumberGenerator) {
        kernel.value = Tensor(glorotUniform: kernel.value.shape, using: &generator)
        bias.value = Tensor(zeros: bias.value.shape)
    }
}

extension Dense: PlannableLayer {
    /// A plan for `[inputSize]` samples with a linear, ReLU or softmax activation; `nil` for other
    /// activations or shapes (the tape is used then).
    public func makeStepPlan(sampleShape: [Int], maximumBatchSize: Int) -> (any LayerStepPlan<Scalar>)? {
        guard sampleShape == [inputSize], let planned = activation.planned else { return nil }
        return DenseStepPlan(layer: self, activation: planned, maximumBatchSize: maximumBatchSize)
    }
}
