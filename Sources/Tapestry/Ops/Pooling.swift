// Pooling over NHWC images. Max pooling is a direct kernel that remembers where each
// maximum came from; its pullback scatters the cotangent there (for windows that do not
// overlap, in one pass that writes every input position), and that scatter's own pullback
// gathers from there again, so both stay differentiable. Average pooling and
// global average pooling are compositions of sliding windows and means.

extension Tensor where Scalar: TensorScalar {
    /// The maximum of each `size` window of an NHWC batch `[batch, height, width,
    /// channels]`, stepping by `strides` (the window size when `nil`, as in Keras), as
    /// `[batch, outHeight, outWidth, channels]`. With `.same` padding, positions outside
    /// the image are ignored. Differentiable: the gradient goes to each window's (first)
    /// maximum.
    ///
    /// ```swift
    /// Tensor<Float>(zeros: [8, 26, 26, 32]).maxPooled2D(size: (2, 2)).shape   // [8, 13, 13, 32]
    /// ```
    ///
    /// - Precondition: rank 4, positive sizes and strides, and (for `.valid`) a window
    ///   no larger than the image.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func maxPooled2D(
        size: (height: Int, width: Int) = (2, 2), strides: (height: Int, width: Int)? = nil, padding: Padding = .valid
    ) -> Tensor {
        let geometry = poolingGeometry(size: size, strides: strides ?? size, padding: padding, op: "max_pool2d")
        let outputShape = [shape[0], geometry.outputHeight, geometry.outputWidth, shape[3]]
        precondition(scalarCount <= Int(Int32.max), "max_pool2d: input shape \(shape) holds more than 2³¹ − 1 scalars")
        let result = Tensor(uninitializedShape: outputShape)
        guard let tape = recordingTape else {
            PoolingKernels.maxPool(storage.base, inputShape: shape, geometry: geometry, into: result.storage.base, winners: nil)
            return result
        }
        let winners = Tensor<Int32>(uninitializedShape: outputShape)
        PoolingKernels.maxPool(storage.base, inputShape: shape, geometry: geometry,
                               into: result.storage.base, winners: winners.storage.base)
        let inputShape = shape
        return tape.record("max_pool2d", operands: [self], output: result) { g in
            [g.unpooled(at: winners, intoShape: inputShape, geometry)]
        }
    }

    /// The mean of each `size` window of an NHWC batch, stepping by `strides` (the window
    /// size when `nil`), as `[batch, outHeight, outWidth, channels]`. With `.same` padding
    /// a window near the border averages only the positions inside the image (as
    /// TensorFlow does). Differentiable.
    ///
    /// - Precondition: as for `maxPooled2D`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func averagePooled2D(
        size: (height: Int, width: Int) = (2, 2), strides: (height: Int, width: Int)? = nil, padding: Padding = .valid
    ) -> Tensor {
        let strides = strides ?? size
        let detail = "pool size \([size.height, size.width])"
        func windowSums(_ x: Tensor) -> Tensor {
            let windows = x.paddedForWindows(size: size, strides: strides, padding: padding, dilation: (1, 1),
                                             op: "avg_pool2d", value: 0, detail: detail)
                .slidingWindows(size: size, strides: strides)
            let s = windows.shape
            return windows.reshaped(to: [s[0], s[1], s[2], s[3] * s[4], s[5]]).sum(alongAxis: 3)
        }
        let sums = windowSums(self)
        if padding == .valid { return sums / Scalar(size.height * size.width) }
        // How many positions of each window lie inside the image: the same windows over ones.
        let counts = windowSums(Tensor(ones: [1, shape[1], shape[2], 1]))
        return sums / counts
    }

    /// The mean over height and width of an NHWC batch: `[batch, channels]`.
    /// Differentiable.
    ///
    /// - Precondition: rank 4.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func globalAveragePooled2D() -> Tensor {
        precondition(rank == 4, "global_avg_pool2d: needs an NHWC input of rank 4, got shape \(shape)")
        return reshaped(to: [shape[0], shape[1] * shape[2], shape[3]]).mean(alongAxis: 1)
    }

    /// The windows of a pooling op, checked, with TensorFlow's padding split.
    func poolingGeometry(
        size: (height: Int, width: Int), strides: (height: Int, width: Int), padding: Padding, op: String
    ) -> PoolingGeometry {
        Self.poolingGeometry(inputShape: shape, size: size, strides: strides, padding: padding, op: op)
    }

    /// The windows of a pooling op over an input of `inputShape`, checked, with
    /// TensorFlow's padding split.
    static func poolingGeometry(
        inputShape shape: [Int], size: (height: Int, width: Int), strides: (height: Int, width: Int), padding: Padding,
        op: String
    ) -> PoolingGeometry {
        precondition(shape.count == 4, "\(op): needs an NHWC input of rank 4, got shape \(shape) for pool size \([size.height, size.width])")
        precondition(size.height >= 1 && size.width >= 1 && strides.height >= 1 && strides.width >= 1,
                     "\(op): pool size \([size.height, size.width]) and strides \([strides.height, strides.width]) must be positive (input shape \(shape))")
        guard let vertical = padding.outputSize(input: shape[1], reach: size.height, stride: strides.height),
              let horizontal = padding.outputSize(input: shape[2], reach: size.width, stride: strides.width) else {
            preconditionFailure("\(op): pool size \([size.height, size.width]) is larger than the image in input shape \(shape)")
        }
        return PoolingGeometry(windowHeight: size.height, windowWidth: size.width,
                               strideHeight: strides.height, strideWidth: strides.width,
                               padTop: vertical.before, padLeft: horizontal.before,
                               outputHeight: vertical.size, outputWidth: horizontal.size)
    }

    /// Max pooling's pullback: `scatteredAdding(at: winners, intoShape: shape)`, recorded as
    /// the same `scatter_add` (whose pullback gathers from `winners`), but when the windows
    /// of `geometry` do not overlap, written in one pass over the input instead of a zero
    /// fill and a scatter.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func unpooled(at winners: Tensor<Int32>, intoShape shape: [Int], _ geometry: PoolingGeometry) -> Tensor {
        guard geometry.strideHeight >= geometry.windowHeight && geometry.strideWidth >= geometry.windowWidth else {
            return scatteredAdding(at: winners, intoShape: shape)
        }
        let result = Tensor(uninitializedShape: shape)
        PoolingKernels.unpool(storage.base, winners: winners.storage.base, inputShape: shape, geometry: geometry,
                              into: result.storage.base)
        guard let tape = recordingTape else { return result }
        return tape.record("scatter_add", operands: [self], output: result) { g in
            [g.gathered(at: winners)]
        }
    }

    /// Zeros of `shape` with each scalar of `self` added at the flat offset `indices`
    /// holds for it; recorded as `scatter_add`, whose pullback gathers from those offsets.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func scatteredAdding(at indices: Tensor<Int32>, intoShape shape: [Int]) -> Tensor {
        let result = Tensor(zeros: shape)
        PoolingKernels.scatterAdd(storage.base, at: indices.storage.base, count: scalarCount, into: result.storage.base)
        guard let tape = recordingTape else { return result }
        return tape.record("scatter_add", operands: [self], output: result) { g in
            [g.gathered(at: indices)]
        }
    }

    /// The scalars at the flat offsets `indices` holds, in `indices`'s shape; recorded as
    /// `gather_scalars`, whose pullback scatter-adds back to those offsets.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func gathered(at indices: Tensor<Int32>) -> Tensor {
        let result = Tensor(uninitializedShape: indices.shape)
        PoolingKernels.gather(storage.base, at: indices.storage.base, count: indices.scalarCount, into: result.storage.base)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("gather_scalars", operands: [self], output: result) { g in
            [g.scatteredAdding(at: indices, intoShape: shape)]
        }
    }
}
