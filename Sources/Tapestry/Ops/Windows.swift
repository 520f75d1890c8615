// Sliding windows over NHWC images: the im2col that turns convolution into one matrix
// product, and pooling into a reduction. The pullback adds each window's cotangent back
// where the window was taken (col2im), and that adjoint's own pullback is the windows
// again.

extension Tensor where Scalar: TensorScalar {
    /// Every `size.height × size.width` window of an NHWC tensor
    /// `[batch, height, width, channels]`, stepping by `strides` and spacing the window's
    /// taps by `dilation`, as `[batch, outH, outW, size.height, size.width, channels]`.
    /// Only whole windows are taken ("valid"); pad first for "same". Differentiable:
    /// overlapping windows add their gradients.
    ///
    /// `outH = (height − ((size.height − 1) · dilation.height + 1)) / strides.height + 1`,
    /// and likewise `outW`. Reshaped to `[batch · outH · outW, kh · kw · channels]` this is
    /// the im2col matrix for an HWIO kernel `[kh, kw, in, out]` reshaped to
    /// `[kh · kw · in, out]`:
    ///
    /// ```swift
    /// let x = Tensor<Float>(zeros: [2, 5, 5, 3]), kernel = Tensor<Float>(zeros: [3, 3, 3, 8])
    /// let columns = x.slidingWindows(size: (3, 3)).reshaped(to: [2 * 3 * 3, 27])
    /// let y = columns.matmul(kernel.reshaped(to: [27, 8])).reshaped(to: [2, 3, 3, 8])
    /// ```
    ///
    /// - Precondition: rank 4, positive sizes, strides and dilations, and a (dilated)
    ///   window no larger than the image.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func slidingWindows(
        size: (height: Int, width: Int), strides: (height: Int, width: Int) = (1, 1),
        dilation: (height: Int, width: Int) = (1, 1)
    ) -> Tensor {
        let geometry = WindowGeometry(
            kernelHeight: size.height, kernelWidth: size.width, strideHeight: strides.height,
            strideWidth: strides.width, dilationHeight: dilation.height, dilationWidth: dilation.width)
        let windowShape = [size.height, size.width]
        precondition(rank == 4, "slidingWindows: needs an NHWC tensor of rank 4, got shape \(shape) for window \(windowShape)")
        precondition(size.height >= 1 && size.width >= 1 && strides.height >= 1 && strides.width >= 1
                     && dilation.height >= 1 && dilation.width >= 1,
                     "slidingWindows: window \(windowShape), strides \([strides.height, strides.width]) and dilation \([dilation.height, dilation.width]) must be positive (input shape \(shape))")
        let reach = [(size.height - 1) * dilation.height + 1, (size.width - 1) * dilation.width + 1]
        precondition(reach[0] <= shape[1] && reach[1] <= shape[2],
                     "slidingWindows: window \(windowShape) (dilated to \(reach)) is larger than the image in input shape \(shape)")
        return windows(geometry)
    }

    /// The windows of `geometry` (checked by the caller); recorded as `sliding_windows`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func windows(_ geometry: WindowGeometry) -> Tensor {
        let result = Tensor(uninitializedShape: geometry.windowsShape(forInput: shape))
        WindowKernels.extract(storage.base, inputShape: shape, into: result.storage.base, geometry: geometry)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("sliding_windows", operands: [self], output: result) { g in
            [g.foldedWindows(intoShape: shape, geometry)]
        }
    }

    /// Windows (`self`) added back onto an NHWC tensor of `shape` at the positions they
    /// were taken from (col2im); recorded as `sliding_windows_gradient`, whose pullback is
    /// `windows(_:)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func foldedWindows(intoShape shape: [Int], _ geometry: WindowGeometry) -> Tensor {
        let result = Tensor(zeros: shape)
        WindowKernels.accumulate(storage.base, into: result.storage.base, inputShape: shape, geometry: geometry)
        guard let tape = recordingTape else { return result }
        return tape.record("sliding_windows_gradient", operands: [self], output: result) { g in
            [g.windows(geometry)]
        }
    }
}
