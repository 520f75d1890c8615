import CKernels

/// Direct convolution for shallow windows, in C (`Convolution.c`): the forward pass and the
/// kernel's and bias's gradients without a column matrix. A first layer's window is only
/// `kh · kw · in` scalars deep (9 for Fashion's 3×3 over one channel), too shallow for a
/// matrix product to repay im2col's copy and BLAS's packing; the direct loops keep a few
/// output positions times 16 channels in registers instead. The gradients apply the
/// ReLU's mask and sum the bias in the same pass over the cotangent.
///
/// These run on the calling thread over a range of images; `ConvolutionKernels` splits a
/// batch across cores and chooses between them and the im2col path.
enum DirectConvolutionKernels {
    /// Convolutions whose window depth (`kh · kw · in`) is at most this run directly.
    /// Measured (release, AVX-512, 3×3 windows over 1–8 channels into 32 at batch 32): the
    /// direct forward pass is 1.4–2.5× faster than im2col and a matrix product up to depth
    /// 72; at Fashion's second layer (depth 288) the product is 1.4× faster.
    nonisolated(unsafe) static var depthLimit = 64

    /// Whether a convolution of `g` over `Scalar` runs directly.
    @inline(__always)
    static func applies<Scalar: TensorScalar>(to g: ConvolutionGeometry, _: Scalar.Type) -> Bool {
        (Scalar.self == Float.self || Scalar.self == Double.self) && g.depth <= depthLimit
    }

    /// Writes the convolution of `images` (a range of the NHWC batch at `input`) with the
    /// HWIO `kernel`, plus `bias` when given, then ReLU when `rectifying`, into `output`
    /// (`[images.count, outH, outW, out]`, the range's first image first).
    @inline(__always)
    static func forward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, kernel: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        _ g: ConvolutionGeometry, images: Range<Int>, rectifying: Bool, into output: UnsafeMutablePointer<Scalar>
    ) {
        var geometry = g.directGeometry
        let first = input + images.lowerBound * g.imageScalars
        if Scalar.self == Float.self {
            tapestry_direct_convolution_f32(
                UnsafeRawPointer(first).assumingMemoryBound(to: Float.self),
                UnsafeRawPointer(kernel).assumingMemoryBound(to: Float.self),
                bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
                &geometry, images.count, rectifying ? 1 : 0,
                UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self))
        } else {
            tapestry_direct_convolution_f64(
                UnsafeRawPointer(first).assumingMemoryBound(to: Double.self),
                UnsafeRawPointer(kernel).assumingMemoryBound(to: Double.self),
                bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Double.self) },
                &geometry, images.count, rectifying ? 1 : 0,
                UnsafeMutableRawPointer(output).assumingMemoryBound(to: Double.self))
        }
    }

    /// Adds the kernel's gradient `Σ x[tap] · g` over the positions of `images` (a range
    /// of the NHWC batch at `input`; `gradient` holds that range's cotangent rows, first
    /// image first) to `kernelGradient` (HWIO, initialised), and `Σ g` to `biasGradient`
    /// (initialised); either is skipped when `nil`. With `rectifiedOutput` (the forward's
    /// ReLU output, laid out as `gradient`), the cotangent counts only where that output is
    /// positive, masked a row at a time in `rowScratch` (`outW · out` scalars).
    @inline(__always)
    static func addGradients<Scalar: TensorScalar>(
        input: UnsafePointer<Scalar>, gradient: UnsafePointer<Scalar>, rectifiedOutput: UnsafePointer<Scalar>?,
        _ g: ConvolutionGeometry, images: Range<Int>, rowScratch: UnsafeMutablePointer<Scalar>?,
        kernelGradient: UnsafeMutablePointer<Scalar>?, biasGradient: UnsafeMutablePointer<Scalar>?
    ) {
        var geometry = g.directGeometry
        let first = input + images.lowerBound * g.imageScalars
        if Scalar.self == Float.self {
            tapestry_direct_convolution_gradients_f32(
                UnsafeRawPointer(first).assumingMemoryBound(to: Float.self),
                UnsafeRawPointer(gradient).assumingMemoryBound(to: Float.self),
                rectifiedOutput.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
                &geometry, images.count,
                rowScratch.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) },
                kernelGradient.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) },
                biasGradient.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Float.self) })
        } else {
            tapestry_direct_convolution_gradients_f64(
                UnsafeRawPointer(first).assumingMemoryBound(to: Double.self),
                UnsafeRawPointer(gradient).assumingMemoryBound(to: Double.self),
                rectifiedOutput.map { UnsafeRawPointer($0).assumingMemoryBound(to: Double.self) },
                &geometry, images.count,
                rowScratch.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Double.self) },
                kernelGradient.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Double.self) },
                biasGradient.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: Double.self) })
        }
    }
}

extension ConvolutionGeometry {
    /// The geometry of one image as the C kernels take it.
    var directGeometry: tapestry_convolution_geometry {
        tapestry_convolution_geometry(
            height: height, width: width, input_channels: inputChannels,
            kernel_height: kernelHeight, kernel_width: kernelWidth, output_channels: outputChannels,
            stride_height: strideHeight, stride_width: strideWidth,
            dilation_height: dilationHeight, dilation_width: dilationWidth,
            pad_top: padTop, pad_left: padLeft, output_height: outputHeight, output_width: outputWidth)
    }
}
