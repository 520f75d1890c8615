import Tapestry

/// A 2-D convolution layer: `activation(conv2d(input, kernel) + bias)` over NHWC images
/// `[batch, height, width, inputChannels]`, with Keras's layout and defaults (an HWIO
/// kernel `[kernelHeight, kernelWidth, inputChannels, filters]`, Glorot-uniform, zero
/// bias).
///
/// ```swift
/// let conv = Conv2D<Float>(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
/// try conv.outputShape(forInputShape: [28, 28, 1])   // [26, 26, 32]
/// ```
///
/// Like `Dense(inputSize:outputSize:)`, the layer is told its input's channel count, so its
/// parameters exist (and count) from the start.
public final class Conv2D<Scalar: TensorScalar>: Layer {
    /// The layer's name; `Sequential` assigns `conv2d`, `conv2d_1`, … unless you set one.
    public var name: String
    /// The HWIO kernel `[kernelHeight, kernelWidth, inputChannels, filters]`.
    public let kernel: Parameter<Scalar>
    /// The `[filters]` bias.
    public let bias: Parameter<Scalar>
    /// The step of the window along height and width.
    public let strides: (height: Int, width: Int)
    /// Whether the border is zero-padded to keep `⌈size / stride⌉` positions.
    public let padding: Padding
    /// The spacing of the kernel's taps (1: adjacent pixels).
    public let dilation: (height: Int, width: Int)
    /// The activation applied after the convolution.
    public let activation: Activation

    /// The channels each input pixel has.
    public var inputChannels: Int { kernel.value.shape[2] }
    /// The channels each output pixel has (Keras's `filters`).
    public var filters: Int { kernel.value.shape[3] }
    /// The kernel's height and width.
    public var kernelSize: (height: Int, width: Int) { (kernel.value.shape[0], kernel.value.shape[1]) }

    /// Creates a convolution layer.
    ///
    /// - Parameters:
    ///   - inputChannels: channels of the input images (1 for grayscale).
    ///   - filters: output channels.
    ///   - kernelSize: the window's height and width.
    ///   - strides: the window's step; `(1, 1)` by default.
    ///   - padding: `.valid` (no padding, Keras's default) or `.same`.
    ///   - dilation: the spacing of the kernel's taps; `(1, 1)` by default.
    ///   - activation: applied to the output; `.linear` by default.
    ///   - seed: seeds the Glorot-uniform kernel; without one the seed comes from the
    ///     sequence `setRandomSeed(_:)` fixes.
    ///   - name: a name; `Sequential` assigns one if you leave it empty.
    public init(
        inputChannels: Int, filters: Int, kernelSize: (height: Int, width: Int),
        strides: (height: Int, width: Int) = (1, 1), padding: Padding = .valid,
        dilation: (height: Int, width: Int) = (1, 1), activation: Activation = .linear,
        seed: UInt64? = nil, name: String = ""
    ) {
        checkPrecondition(inputChannels > 0 && filters > 0 && kernelSize.height > 0 && kernelSize.width > 0,
                          "Conv2D: channels, filters and kernel size must be positive, got \(inputChannels) → \(filters), kernel \([kernelSize.height, kernelSize.width])")
        checkPrecondition(strides.height > 0 && strides.width > 0 && dilation.height > 0 && dilation.width > 0,
                          "Conv2D: strides \([strides.height, strides.width]) and dilation \([dilation.height, dilation.width]) must be positive")
        var generator = SeededRandomNumberGenerator(seed: seed ?? RandomSeed.next())
        let shape = [kernelSize.height, kernelSize.width, inputChannels, filters]
        kernel = Parameter("kernel", value: Self.glorotUniform(shape, using: &generator))
        bias = Parameter("bias", value: Tensor(zeros: [filters]))
        self.strides = strides
        self.padding = padding
        self.dilation = dilation
        self.activation = activation
        self.name = name
    }

    /// `[kernel, bias]`.
    public var parameters: [Parameter<Scalar>] { [kernel, bias] }

    /// The activation's name, unless it is linear.
    public var activationName: String? { activation.name }

    /// `activation(conv2d(input, kernel) + bias)` for an NHWC batch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPrecondition(input.rank == 4 && input.shape[3] == inputChannels,
                          "\(name) (Conv2D): expected input [batch, height, width, \(inputChannels)], got \(input.shape)")
        // ReLU is fused into the convolution (one pass fewer over the output, both ways).
        let rectified = activation.name == Activation.relu.name && !activation.isCustom
        let output = input.convolved2D(with: kernel.value, bias: bias.value, strides: strides, padding: padding,
                                       dilation: dilation, rectified: rectified)
        return rectified ? output : activation(output)
    }

    /// `[outHeight, outWidth, filters]` for an image of `[height, width, inputChannels]`.
    ///
    /// - Throws: `ModelError.incompatibleInputShape` for another rank or channel count, or
    ///   when a `.valid` kernel is larger than the image.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        let reach = [(kernelSize.height - 1) * dilation.height + 1, (kernelSize.width - 1) * dilation.width + 1]
        let expected = padding == .valid
            ? "[height ≥ \(reach[0]), width ≥ \(reach[1]), \(inputChannels)]"
            : "[height, width, \(inputChannels)]"
        guard shape.count == 3, shape[2] == inputChannels, shape[0] > 0, shape[1] > 0,
              let vertical = padding.outputSize(input: shape[0], reach: reach[0], stride: strides.height),
              let horizontal = padding.outputSize(input: shape[1], reach: reach[1], stride: strides.width) else {
            throw ModelError.incompatibleInputShape(layer: name, expected: expected, got: shape)
        }
        return [vertical.size, horizontal.size, filters]
    }

    /// Draws a fresh Glorot-uniform kernel and zeroes the bias.
    public func reinitialize(using generator: inout SeededRandomNumberGenerator) {
        kernel.value = Self.glorotUniform(kernel.value.shape, using: &generator)
        bias.value = Tensor(zeros: bias.value.shape)
    }

    /// Keras's Glorot-uniform for an HWIO kernel: `±√(6 / ((in + out) · kh · kw))`.
    static func glorotUniform(_ shape: [Int], using generator: inout SeededRandomNumberGenerator) -> Tensor<Scalar> {
        let receptiveField = shape[0] * shape[1]
        let limit = Scalar.sqrt(6 / Scalar((shape[2] + shape[3]) * receptiveField))
        return Tensor(randomUniform: shape, in: -limit..<limit, using: &generator)
    }
}
