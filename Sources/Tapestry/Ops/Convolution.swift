// 2-D convolution over NHWC images with HWIO kernels, composed from recorded primitives:
// padding, sliding windows (im2col), and one fused matrix product with the bias. Each
// piece has its own pullback, so the composition is differentiable to any order: the
// kernel's gradient is `columnsᵀ · g` (linear's pullback), the input's is `g · kernelᵀ`
// folded back onto the image (the windows' pullback, col2im) with the padding cut off.

/// How a convolution or pooling window treats the image border, as in Keras.
public enum Padding: String, Sendable, Hashable, CaseIterable {
    /// Only whole windows: the output shrinks by the window's reach minus one.
    case valid
    /// Zero padding (ignored by pooling) so that the output has `⌈input / stride⌉`
    /// positions along each axis; any odd padding goes after, as in TensorFlow.
    case same

    /// The output size along one axis and the padding before and after it, for a window
    /// reaching `reach` input positions (`(kernel − 1) · dilation + 1`) at step `stride`.
    ///
    /// `nil` when a "valid" window is larger than the input.
    public func outputSize(input: Int, reach: Int, stride: Int) -> (size: Int, before: Int, after: Int)? {
        switch self {
        case .valid:
            guard reach <= input else { return nil }
            return ((input - reach) / stride + 1, 0, 0)
        case .same:
            let size = (input + stride - 1) / stride
            let total = Swift.max((size - 1) * stride + reach - input, 0)
            return (size, total / 2, total - total / 2)
        }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// The 2-D convolution (cross-correlation, as in every deep-learning library) of an
    /// NHWC batch `[batch, height, width, in]` with an HWIO kernel
    /// `[kernelHeight, kernelWidth, in, out]`, plus an optional `[out]` bias; the result is
    /// `[batch, outHeight, outWidth, out]`. Differentiable in all three.
    ///
    /// ```swift
    /// let images = Tensor<Float>(zeros: [8, 28, 28, 1])
    /// let kernel = Tensor<Float>(zeros: [3, 3, 1, 32]), bias = Tensor<Float>(zeros: [32])
    /// images.convolved2D(with: kernel, bias: bias).shape                    // [8, 26, 26, 32]
    /// images.convolved2D(with: kernel, strides: (2, 2), padding: .same).shape // [8, 14, 14, 32]
    /// ```
    ///
    /// It is computed as im2col and one matrix product: the windows reshaped to
    /// `[batch · outHeight · outWidth, kh · kw · in]` times the kernel reshaped to
    /// `[kh · kw · in, out]`.
    ///
    /// - Precondition: rank-4 input and kernel, matching channel counts, a `[out]` bias,
    ///   positive strides and dilations, and (for `.valid`) a dilated kernel no larger
    ///   than the image.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func convolved2D(
        with kernel: Tensor, bias: Tensor? = nil, strides: (height: Int, width: Int) = (1, 1),
        padding: Padding = .valid, dilation: (height: Int, width: Int) = (1, 1)
    ) -> Tensor {
        precondition(rank == 4 && kernel.rank == 4 && shape[3] == kernel.shape[2],
                     "conv2d: input shape \(shape) and kernel shape \(kernel.shape) are not NHWC [batch, height, width, in] and HWIO [kh, kw, in, out]")
        let outputChannels = kernel.shape[3]
        if let bias {
            precondition(bias.shape == [outputChannels],
                         "conv2d: bias shape \(bias.shape) does not match kernel shape \(kernel.shape); expected [\(outputChannels)]")
        }
        let prepared = paddedForWindows(
            size: (kernel.shape[0], kernel.shape[1]), strides: strides, padding: padding, dilation: dilation,
            op: "conv2d", value: 0, detail: "kernel shape \(kernel.shape)")
        if recordingTape == nil && kernel.recordingTape == nil && bias?.recordingTape == nil {
            return prepared.convolvedUntracked(with: kernel, bias: bias, strides: strides, dilation: dilation)
        }
        let windows = prepared.slidingWindows(size: (kernel.shape[0], kernel.shape[1]), strides: strides, dilation: dilation)
        let (batch, outputHeight, outputWidth) = (windows.shape[0], windows.shape[1], windows.shape[2])
        let depth = kernel.shape[0] * kernel.shape[1] * kernel.shape[2]
        let columns = windows.reshaped(to: [batch * outputHeight * outputWidth, depth])
        let weights = kernel.reshaped(to: [depth, outputChannels])
        let product = bias.map { columns.linear(weight: weights, bias: $0) } ?? columns.matmul(weights)
        return product.reshaped(to: [batch, outputHeight, outputWidth, outputChannels])
    }

    /// The valid convolution of an untracked (already padded) input, chunk by chunk
    /// (`ConvolutionKernels.forward`): the same values as the recorded composition.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func convolvedUntracked(
        with kernel: Tensor, bias: Tensor?, strides: (height: Int, width: Int), dilation: (height: Int, width: Int)
    ) -> Tensor {
        let geometry = WindowGeometry(
            kernelHeight: kernel.shape[0], kernelWidth: kernel.shape[1], strideHeight: strides.height,
            strideWidth: strides.width, dilationHeight: dilation.height, dilationWidth: dilation.width)
        precondition((kernel.shape[0] - 1) * dilation.height < shape[1] && (kernel.shape[1] - 1) * dilation.width < shape[2],
                     "conv2d: kernel shape \(kernel.shape) (dilation \([dilation.height, dilation.width])) is larger than the image in input shape \(shape)")
        let windowsShape = geometry.windowsShape(forInput: shape)
        let result = Tensor(uninitializedShape: [shape[0], windowsShape[1], windowsShape[2], kernel.shape[3]])
        if result.scalarCount == 0 { return result }
        let biasBase = bias.map { UnsafePointer($0.storage.base) }
        ConvolutionKernels.forward(storage.base, inputShape: shape, kernel: kernel.storage.base,
                                   outputChannels: kernel.shape[3], bias: biasBase, geometry: geometry,
                                   into: result.storage.base)
        return result
    }

    /// The NHWC tensor padded along height and width as `padding` asks for windows of
    /// `size` (filled with `value`), checked so that at least one window fits.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func paddedForWindows(
        size: (height: Int, width: Int), strides: (height: Int, width: Int), padding: Padding,
        dilation: (height: Int, width: Int), op: String, value: Scalar, detail: String
    ) -> Tensor {
        precondition(rank == 4, "\(op): needs an NHWC input of rank 4, got shape \(shape) (\(detail))")
        precondition(size.height >= 1 && size.width >= 1 && strides.height >= 1 && strides.width >= 1
                     && dilation.height >= 1 && dilation.width >= 1,
                     "\(op): window \([size.height, size.width]), strides \([strides.height, strides.width]) and dilation \([dilation.height, dilation.width]) must be positive (input shape \(shape), \(detail))")
        let reach = (height: (size.height - 1) * dilation.height + 1, width: (size.width - 1) * dilation.width + 1)
        guard let vertical = padding.outputSize(input: shape[1], reach: reach.height, stride: strides.height),
              let horizontal = padding.outputSize(input: shape[2], reach: reach.width, stride: strides.width) else {
            preconditionFailure("\(op): window \([size.height, size.width]) (dilated to \([reach.height, reach.width])) is larger than the image in input shape \(shape) (\(detail))")
        }
        if vertical.before + vertical.after + horizontal.before + horizontal.after == 0 { return self }
        return padded(with: [(0, 0), (vertical.before, vertical.after), (horizontal.before, horizontal.after), (0, 0)],
                      value: value)
    }
}
