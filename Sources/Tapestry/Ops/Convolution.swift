// 2-D convolution over NHWC images with HWIO kernels, as one fused op: im2col and one matrix
// product forward (ConvolutionKernels; shallow windows convolve directly instead, 3×3
// stride-1 ones as Winograd), and a fused pullback — the kernel's gradient is
// `columnsᵀ · g` (or summed directly), the bias's the sum of `g`, the input's `g · kernelᵀ`
// folded back onto the image (col2im); a convolution run as Winograd takes both back
// through Winograd's transposed transforms — with the padding implicit throughout. When a sweep builds a graph, the pullback is the same
// computation from recorded primitives (padding, sliding windows, matrix products), so the
// convolution is differentiable to any order. For inference, a convolution followed by a
// max pooling runs as one op that pools each chunk of the convolution while it is in cache.

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
    /// It is computed as im2col and one matrix product: the windows as rows
    /// `[batch · outHeight · outWidth, kh · kw · in]` times the kernel viewed as
    /// `[kh · kw · in, out]`; a shallow window (a first layer's, `kh · kw · in` ≤ 32) is
    /// convolved directly instead, without the column matrix. With `rectified: true` the result is `relu` of that, in the
    /// same op (the activation is applied while the rows are in cache, and the pullback
    /// masks the cotangent itself): what a `Conv2D` layer with a ReLU activation computes.
    ///
    /// - Precondition: rank-4 input and kernel, matching channel counts, a `[out]` bias,
    ///   positive strides and dilations, and (for `.valid`) a dilated kernel no larger
    ///   than the image.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func convolved2D(
        with kernel: Tensor, bias: Tensor? = nil, strides: (height: Int, width: Int) = (1, 1),
        padding: Padding = .valid, dilation: (height: Int, width: Int) = (1, 1), rectified: Bool = false
    ) -> Tensor {
        precondition(rank == 4 && kernel.rank == 4 && shape[3] == kernel.shape[2],
                     "conv2d: input shape \(shape) and kernel shape \(kernel.shape) are not NHWC [batch, height, width, in] and HWIO [kh, kw, in, out]")
        let outputChannels = kernel.shape[3]
        if let bias {
            precondition(bias.shape == [outputChannels],
                         "conv2d: bias shape \(bias.shape) does not match kernel shape \(kernel.shape); expected [\(outputChannels)]")
        }
        let layout = convolutionLayout(kernelShape: kernel.shape, strides: strides, padding: padding, dilation: dilation)
        let g = layout.geometry
        let result = Tensor(uninitializedShape: g.outputShape)
        if result.scalarCount == 0 { return result }
        let tape = recordingTape ?? kernel.recordingTape ?? bias?.recordingTape
        // The pullback's kernel gradient reads the columns again: keep them unless huge, or
        // shallow windows convolve directly (those loops need none) or the forward runs as
        // Winograd (then the pullback rebuilds them chunk by chunk: measured faster for
        // Fashion's second convolution than im2col plus Winograd).
        let keepsColumns = kernel.recordingTape != nil && !DirectConvolutionKernels.applies(to: g, Scalar.self)
            && !WinogradKernels.applies(to: g, Scalar.self)
            && g.batch * g.positions * g.depth <= ConvolutionLayout.keptColumnsLimit
        let columns = keepsColumns ? Tensor(uninitializedShape: [g.batch * g.positions, g.depth]) : nil
        ConvolutionKernels.forward(storage.base, kernel: kernel.storage.base, bias: bias.map { UnsafePointer($0.storage.base) },
                                   g, rectifying: rectified, into: result.storage.base,
                                   keepingColumnsIn: columns?.storage.base)
        guard let tape else { return result }
        let operands = bias.map { [self, kernel, $0] } ?? [self, kernel]
        let output = result
        return tape.record(rectified ? "conv2d_relu" : "conv2d", operands: operands, output: result) { [self] cotangent, needs in
            if Self.recordingTape(self, kernel) ?? bias?.recordingTape ?? cotangent.recordingTape != nil {
                // Building a graph: the same gradients from recorded ops.
                return recordedConvolutionGradients(
                    cotangent: rectified ? cotangent * output.elementsGreater(than: 0) : cotangent,
                    kernel: kernel, hasBias: bias != nil, layout: layout, needs: needs)
            }
            let inputGradient = needs[0] ? Tensor(uninitializedShape: shape) : nil
            let kernelGradient = needs[1] ? Tensor(uninitializedShape: kernel.shape) : nil
            let biasGradient = bias != nil && needs[2] ? Tensor(uninitializedShape: [outputChannels]) : nil
            ConvolutionKernels.backward(
                cotangent.storage.base, rectifiedOutput: rectified ? UnsafePointer(output.storage.base) : nil,
                input: storage.base, kernel: kernel.storage.base, columns: columns.map { UnsafePointer($0.storage.base) },
                g, inputGradient: inputGradient?.storage.base, kernelGradient: kernelGradient?.storage.base,
                biasGradient: biasGradient?.storage.base)
            return bias == nil ? [inputGradient, kernelGradient] : [inputGradient, kernelGradient, biasGradient]
        }
    }

    /// The convolution of `convolved2D(with:bias:strides:padding:dilation:rectified:)`
    /// followed by `maxPooled2D(size:strides:padding:)` on its result, as one op for
    /// inference: each chunk of images is convolved into a buffer that stays in cache and
    /// max-pooled from there, so the full-size convolution (Fashion's first layer:
    /// 26 × 26 × 32 per image) is never written to memory.
    ///
    /// ```swift
    /// let images = Tensor<Float>(zeros: [8, 28, 28, 1])
    /// let kernel = Tensor<Float>(zeros: [3, 3, 1, 32]), bias = Tensor<Float>(zeros: [32])
    /// images.convolvedAndMaxPooled2D(with: kernel, bias: bias, rectified: true).shape  // [8, 13, 13, 32]
    /// ```
    ///
    /// When a tape records any operand, this is exactly the two ops one after the other,
    /// so gradients are those of the composition.
    ///
    /// - Precondition: as for the convolution, and for the pooling of its output.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func convolvedAndMaxPooled2D(
        with kernel: Tensor, bias: Tensor? = nil, strides: (height: Int, width: Int) = (1, 1),
        padding: Padding = .valid, dilation: (height: Int, width: Int) = (1, 1), rectified: Bool = false,
        poolSize: (height: Int, width: Int) = (2, 2), poolStrides: (height: Int, width: Int)? = nil,
        poolPadding: Padding = .valid
    ) -> Tensor {
        if recordingTape ?? kernel.recordingTape ?? bias?.recordingTape != nil {
            return convolved2D(with: kernel, bias: bias, strides: strides, padding: padding, dilation: dilation,
                               rectified: rectified)
                .maxPooled2D(size: poolSize, strides: poolStrides, padding: poolPadding)
        }
        precondition(rank == 4 && kernel.rank == 4 && shape[3] == kernel.shape[2],
                     "conv2d_max_pool2d: input shape \(shape) and kernel shape \(kernel.shape) are not NHWC [batch, height, width, in] and HWIO [kh, kw, in, out]")
        let outputChannels = kernel.shape[3]
        if let bias {
            precondition(bias.shape == [outputChannels],
                         "conv2d_max_pool2d: bias shape \(bias.shape) does not match kernel shape \(kernel.shape); expected [\(outputChannels)]")
        }
        let g = convolutionLayout(kernelShape: kernel.shape, strides: strides, padding: padding, dilation: dilation).geometry
        let pooling = Self.poolingGeometry(
            inputShape: g.outputShape, size: poolSize, strides: poolStrides ?? poolSize, padding: poolPadding,
            op: "conv2d_max_pool2d")
        let result = Tensor(uninitializedShape: [g.batch, pooling.outputHeight, pooling.outputWidth, outputChannels])
        if result.scalarCount == 0 { return result }
        ConvolutionKernels.forward(storage.base, kernel: kernel.storage.base, bias: bias.map { UnsafePointer($0.storage.base) },
                                   g, rectifying: rectified, into: result.storage.base, keepingColumnsIn: nil,
                                   maxPooling: pooling)
        return result
    }

    /// The convolution's gradients computed from recorded ops, for a sweep that builds a
    /// graph: `dX` is `g · Wᵀ` folded back by the sliding windows' adjoint with the padding
    /// cut off, `dW` is `columnsᵀ · g` with the columns from the (recorded) padded input,
    /// and `db` is `g` summed over the positions.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func recordedConvolutionGradients(
        cotangent: Tensor, kernel: Tensor, hasBias: Bool, layout: ConvolutionLayout, needs: NeededGradients
    ) -> [Tensor?] {
        let g = layout.geometry
        let rows = cotangent.reshaped(to: [g.batch * g.positions, g.outputChannels])
        let windowsShape = [g.batch, g.outputHeight, g.outputWidth, g.kernelHeight, g.kernelWidth, g.inputChannels]
        var inputGradient: Tensor?
        if needs[0] {
            let columnGradient = rows.matmul(kernel.reshaped(to: [g.depth, g.outputChannels]).transposed())
            let paddedShape = [g.batch, g.height + g.padTop + layout.padBottom, g.width + g.padLeft + layout.padRight,
                               g.inputChannels]
            inputGradient = columnGradient.reshaped(to: windowsShape)
                .foldedWindows(intoShape: paddedShape, layout.windowGeometry)
                .stridedSlice(starts: [0, g.padTop, g.padLeft, 0], counts: shape, strides: [1, 1, 1, 1])
        }
        var kernelGradient: Tensor?
        if needs[1] {
            let unpadded = g.padTop + layout.padBottom + g.padLeft + layout.padRight == 0
            let input = unpadded ? self : padded(with: [(0, 0), (g.padTop, layout.padBottom), (g.padLeft, layout.padRight), (0, 0)])
            let columns = input.windows(layout.windowGeometry).reshaped(to: [g.batch * g.positions, g.depth])
            kernelGradient = columns.transposed().matmul(rows).reshaped(to: kernel.shape)
        }
        guard hasBias else { return [inputGradient, kernelGradient] }
        return [inputGradient, kernelGradient, needs[2] ? rows.sum(alongAxis: 0) : nil]
    }

    /// The geometry of a convolution of this NHWC tensor with a kernel of `kernelShape`,
    /// checked: positive strides and dilations, and a window that fits.
    func convolutionLayout(
        kernelShape: [Int], strides: (height: Int, width: Int), padding: Padding, dilation: (height: Int, width: Int)
    ) -> ConvolutionLayout {
        let detail = "kernel shape \(kernelShape)"
        precondition(strides.height >= 1 && strides.width >= 1 && dilation.height >= 1 && dilation.width >= 1,
                     "conv2d: strides \([strides.height, strides.width]) and dilation \([dilation.height, dilation.width]) must be positive (input shape \(shape), \(detail))")
        let reach = (height: (kernelShape[0] - 1) * dilation.height + 1, width: (kernelShape[1] - 1) * dilation.width + 1)
        guard let vertical = padding.outputSize(input: shape[1], reach: reach.height, stride: strides.height),
              let horizontal = padding.outputSize(input: shape[2], reach: reach.width, stride: strides.width) else {
            preconditionFailure("conv2d: window \([kernelShape[0], kernelShape[1]]) (dilated to \([reach.height, reach.width])) is larger than the image in input shape \(shape) (\(detail))")
        }
        let geometry = ConvolutionGeometry(
            batch: shape[0], height: shape[1], width: shape[2], inputChannels: shape[3],
            kernelHeight: kernelShape[0], kernelWidth: kernelShape[1], outputChannels: kernelShape[3],
            strideHeight: strides.height, strideWidth: strides.width,
            dilationHeight: dilation.height, dilationWidth: dilation.width,
            padTop: vertical.before, padLeft: horizontal.before,
            outputHeight: vertical.size, outputWidth: horizontal.size)
        return ConvolutionLayout(geometry: geometry, padBottom: vertical.after, padRight: horizontal.after)
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

/// A convolution's geometry with the padding after the last row and column, which the
/// recorded pullback needs to rebuild the padded input.
struct ConvolutionLayout: Sendable {
    /// Column matrices up to this many scalars (64 MB of `Float`) are kept from the
    /// forward pass for the kernel's gradient; larger ones are rebuilt chunk by chunk.
    nonisolated(unsafe) static var keptColumnsLimit = 16 << 20

    let geometry: ConvolutionGeometry
    let padBottom: Int, padRight: Int

    /// The sliding windows of the (explicitly padded) input.
    var windowGeometry: WindowGeometry {
        WindowGeometry(kernelHeight: geometry.kernelHeight, kernelWidth: geometry.kernelWidth,
                       strideHeight: geometry.strideHeight, strideWidth: geometry.strideWidth,
                       dilationHeight: geometry.dilationHeight, dilationWidth: geometry.dilationWidth)
    }
}
