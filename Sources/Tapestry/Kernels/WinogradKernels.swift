import CKernels

/// A 3×3, stride-1 convolution as Winograd's F(2×2, 3×3), without a tape: each 2×2 output
/// tile from its 4×4 input tile with 16 multiplies per (input, output channel) pair instead
/// of im2col's 36 (2.25× fewer; 1.9× for an odd 11×11 output, whose last tiles are half
/// used).
///
/// The kernel is transformed once per call (`transformedKernel`, `U = G g Gᵀ`: 16 planes of
/// `[in, out]`), then a range of images goes a block of tiles at a time: the input
/// transform (`V = Bᵀ d B`, 16 planes of `[tiles, in]`), 16 matrix products
/// `M_i = V_i · U_i` through the same single-threaded BLAS call the im2col path uses, and the
/// output transform (`Y = Aᵀ M A`, plus the bias and ReLU) written only where the output
/// is. A block's `V` and `M` stay within `blockBudget` so they stay in the core's L2.
/// The transforms are the multiversioned C kernels of `Winograd.h`; the padding stays
/// implicit (taps outside the image read zeros).
///
/// `ConvolutionKernels.forward` runs it per part and chunk of images when `applies(to:_:)`,
/// and `ConvolutionKernels.backward` its pullback (`backward`, the transposed transforms)
/// per part for a convolution whose forward ran this way.
enum WinogradKernels {
    /// Convolutions with fewer input channels than this keep their other kernels. Measured
    /// (release, AVX-512, batch 32, CPU time per 10,000 images, 3×3 same padding): Winograd
    /// beats im2col at every channel count tried — 13×13 images, 2 → 4 channels 21 vs
    /// 39 ms, 8 → 64 95 vs 150 ms, 32 → 64 263 vs 507 ms; 26×26, 1 → 32 121 vs 262 ms — so
    /// the limit only leaves the shallowest windows (1–3 channels, a first layer) to a
    /// direct kernel.
    nonisolated(unsafe) static var minimumInputChannels = 4
    /// The most scalars of one block's transformed input and products together.
    nonisolated(unsafe) static var blockBudget = 1 << 17

    /// Whether a convolution of geometry `g` over `Scalar` runs as Winograd F(2×2, 3×3):
    /// `Float` or `Double`, a 3×3 kernel, stride 1, no dilation, and at least
    /// `minimumInputChannels` in. Any padding qualifies.
    static func applies<Scalar: TensorScalar>(to g: ConvolutionGeometry, _: Scalar.Type) -> Bool {
        computes(g, Scalar.self) && g.inputChannels >= minimumInputChannels
    }

    /// Whether F(2×2, 3×3) computes a convolution of geometry `g` over `Scalar` at all:
    /// `Float` or `Double`, a 3×3 kernel, stride 1, no dilation (any padding).
    static func computes<Scalar: TensorScalar>(_ g: ConvolutionGeometry, _: Scalar.Type) -> Bool {
        (Scalar.self == Float.self || Scalar.self == Double.self)
            && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1
    }

    /// The kernel transform `U = G g Gᵀ` of an HWIO 3×3 `kernel` (`[3, 3, in, out]`):
    /// 16 planes of `[in, out]`, in a scratch buffer the caller releases.
    ///
    /// - Precondition: `computes(g, Scalar.self)`.
    static func transformedKernel<Scalar: TensorScalar>(_ kernel: UnsafePointer<Scalar>, _ g: ConvolutionGeometry) -> Scratch<Scalar> {
        precondition(computes(g, Scalar.self),
                     "winograd: kernel \([g.kernelHeight, g.kernelWidth, g.inputChannels, g.outputChannels]) with strides \((g.strideHeight, g.strideWidth)) and dilation \((g.dilationHeight, g.dilationWidth)) is not a 3×3 stride-1 Float or Double convolution")
        let transformed = Scratch<Scalar>(count: 16 * g.inputChannels * g.outputChannels)
        if Scalar.self == Float.self {
            tapestry_winograd_kernel_f32(rebound(kernel), g.inputChannels, g.outputChannels, rebound(transformed.base))
        } else {
            tapestry_winograd_kernel_f64(rebound(kernel), g.inputChannels, g.outputChannels, rebound(transformed.base))
        }
        return transformed
    }

    /// Writes the convolution of `images` (a range of the NHWC batch at `input`; `g` holds
    /// the padding) with the kernel `transformedKernel` returned, plus `bias` when given,
    /// then ReLU when `rectifying`, into `output` (`[images.count, outH, outW, out]`, the
    /// range's first image first; uninitialised). `onThisThread` as for
    /// `ConvolutionKernels.gemm`: true inside one of several parts.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, transformedKernel: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        _ g: ConvolutionGeometry, images: Range<Int>, rectifying: Bool, into output: UnsafeMutablePointer<Scalar>,
        onThisThread: Bool
    ) {
        let (inChannels, outChannels) = (g.inputChannels, g.outputChannels)
        var tiles = tileGeometry(g)
        let perImage = tiles.tile_rows * tiles.tile_columns
        let total = images.count * perImage
        guard total > 0 else { return }
        // Even blocks, each within the budget.
        let largest = Swift.max(1, blockBudget / (16 * (inChannels + outChannels)))
        let blocks = (total + largest - 1) / largest
        let blockTiles = (total + blocks - 1) / blocks
        let scratch = Scratch<Scalar>(count: 16 * blockTiles * (inChannels + outChannels) + inChannels)
        defer { scratch.release() }
        let transformedInput = scratch.base, products = scratch.base + 16 * blockTiles * inChannels
        let zeros = products + 16 * blockTiles * outChannels
        zeros.update(repeating: 0, count: inChannels)
        // Tiles are numbered from the range's first image, in the input and the output.
        let input = input + images.lowerBound * g.imageScalars
        var first = 0
        while first < total {
            let count = Swift.min(blockTiles, total - first)
            if Scalar.self == Float.self {
                tapestry_winograd_input_f32(rebound(input), &tiles, first, count, rebound(UnsafePointer(zeros)), rebound(transformedInput))
            } else {
                tapestry_winograd_input_f64(rebound(input), &tiles, first, count, rebound(UnsafePointer(zeros)), rebound(transformedInput))
            }
            for element in 0..<16 {
                ConvolutionKernels.gemm(
                    onThisThread: onThisThread, transposeA: false, transposeB: false, m: count, n: outChannels, k: inChannels,
                    a: transformedInput + element * count * inChannels, lda: inChannels,
                    b: transformedKernel + element * inChannels * outChannels, ldb: outChannels,
                    beta: 0, c: products + element * count * outChannels, ldc: outChannels)
            }
            if Scalar.self == Float.self {
                tapestry_winograd_output_f32(rebound(UnsafePointer(products)), &tiles, first, count, bias.map(rebound), rectifying ? 1 : 0,
                                             rebound(output))
            } else {
                tapestry_winograd_output_f64(rebound(UnsafePointer(products)), &tiles, first, count, bias.map(rebound), rectifying ? 1 : 0,
                                             rebound(output))
            }
            first += count
        }
    }

    // MARK: Pullback

    /// The most scalars of one pullback block's transformed cotangent and input (or input
    /// gradient) together.
    nonisolated(unsafe) static var gradientBlockBudget = 1 << 17

    /// The pullback of `forward` for `images` (a range of the batch; `g` holds the padding),
    /// as the transposes of its transforms: the cotangent `gradient` (the range's
    /// `[images.count, outH, outW, out]`, already masked by any ReLU) goes a block of tiles
    /// at a time to `dM = A dY Aᵀ`; then `dU = Σ Vᵀ dM` over the tiles (16 products with the
    /// input transform `V` of `forward`) into `transformedKernelGradient` (16 planes of
    /// `[in, out]`, overwritten; `kernelGradient(fromTransformed:_:into:)` finishes it), and
    /// `dV = dM Uᵀ` (16 products with `transformedKernel`) folded back as `B dV Bᵀ` onto
    /// `inputGradient` (the range's `[images.count, h, w, in]`, overwritten). Each
    /// product has 16 multiplies per tile and channel pair where im2col's have 36.
    ///
    /// - Precondition: `transformedKernel` is given when `inputGradient` is.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func backward<Scalar: TensorScalar>(
        _ gradient: UnsafePointer<Scalar>, input: UnsafePointer<Scalar>, transformedKernel: UnsafePointer<Scalar>?,
        _ g: ConvolutionGeometry, images: Range<Int>,
        inputGradient: UnsafeMutablePointer<Scalar>?, transformedKernelGradient: UnsafeMutablePointer<Scalar>?,
        onThisThread: Bool
    ) {
        precondition(inputGradient == nil || transformedKernel != nil,
                     "winograd backward: an input gradient for input channels \(g.inputChannels) and output channels \(g.outputChannels) needs the transformed kernel")
        let (inChannels, outChannels) = (g.inputChannels, g.outputChannels)
        var tiles = tileGeometry(g)
        let total = images.count * tiles.tile_rows * tiles.tile_columns
        inputGradient?.update(repeating: 0, count: images.count * g.imageScalars)
        guard total > 0 else {
            transformedKernelGradient?.update(repeating: 0, count: 16 * inChannels * outChannels)
            return
        }
        let largest = Swift.max(1, gradientBlockBudget / (16 * (inChannels + outChannels)))
        let blocks = (total + largest - 1) / largest
        let blockTiles = (total + blocks - 1) / blocks
        let widest = Swift.max(inChannels, outChannels)
        let scratch = Scratch<Scalar>(count: 16 * blockTiles * (inChannels + outChannels) + widest)
        defer { scratch.release() }
        // dM, then V or dV (V is read before dV overwrites it), then zeros for either side.
        let outputSide = scratch.base, inputSide = scratch.base + 16 * blockTiles * outChannels
        let zeros = inputSide + 16 * blockTiles * inChannels
        zeros.update(repeating: 0, count: widest)
        let input = input + images.lowerBound * g.imageScalars
        var first = 0
        while first < total {
            let count = Swift.min(blockTiles, total - first)
            if Scalar.self == Float.self {
                tapestry_winograd_output_gradient_f32(rebound(gradient), &tiles, first, count, rebound(UnsafePointer(zeros)), rebound(outputSide))
            } else {
                tapestry_winograd_output_gradient_f64(rebound(gradient), &tiles, first, count, rebound(UnsafePointer(zeros)), rebound(outputSide))
            }
            if let transformedKernelGradient {
                if Scalar.self == Float.self {
                    tapestry_winograd_input_f32(rebound(input), &tiles, first, count, rebound(UnsafePointer(zeros)), rebound(inputSide))
                } else {
                    tapestry_winograd_input_f64(rebound(input), &tiles, first, count, rebound(UnsafePointer(zeros)), rebound(inputSide))
                }
                for element in 0..<16 {
                    ConvolutionKernels.gemm(
                        onThisThread: onThisThread, transposeA: true, transposeB: false, m: inChannels, n: outChannels, k: count,
                        a: inputSide + element * count * inChannels, lda: inChannels,
                        b: outputSide + element * count * outChannels, ldb: outChannels,
                        beta: first == 0 ? 0 : 1, c: transformedKernelGradient + element * inChannels * outChannels, ldc: outChannels)
                }
            }
            if let inputGradient, let transformedKernel {
                for element in 0..<16 {
                    ConvolutionKernels.gemm(
                        onThisThread: onThisThread, transposeA: false, transposeB: true, m: count, n: inChannels, k: outChannels,
                        a: outputSide + element * count * outChannels, lda: outChannels,
                        b: transformedKernel + element * inChannels * outChannels, ldb: outChannels,
                        beta: 0, c: inputSide + element * count * inChannels, ldc: inChannels)
                }
                if Scalar.self == Float.self {
                    tapestry_winograd_input_gradient_f32(rebound(UnsafePointer(inputSide)), &tiles, first, count, rebound(inputGradient))
                } else {
                    tapestry_winograd_input_gradient_f64(rebound(UnsafePointer(inputSide)), &tiles, first, count, rebound(inputGradient))
                }
            }
            first += count
        }
    }

    /// Writes the HWIO kernel gradient `dg = Gᵀ dU G` (`[3, 3, in, out]`) of a transformed
    /// kernel gradient `dU` (16 planes of `[in, out]`, as `backward` leaves it) into `kernelGradient`.
    static func kernelGradient<Scalar: TensorScalar>(
        fromTransformed transformed: UnsafePointer<Scalar>, _ g: ConvolutionGeometry,
        into kernelGradient: UnsafeMutablePointer<Scalar>
    ) {
        if Scalar.self == Float.self {
            tapestry_winograd_kernel_gradient_f32(rebound(transformed), g.inputChannels, g.outputChannels, rebound(kernelGradient))
        } else {
            tapestry_winograd_kernel_gradient_f64(rebound(transformed), g.inputChannels, g.outputChannels, rebound(kernelGradient))
        }
    }

    /// The C kernels' view of `g`: extents, channels, padding and tiles per image.
    private static func tileGeometry(_ g: ConvolutionGeometry) -> tapestry_winograd_geometry {
        tapestry_winograd_geometry(
            height: g.height, width: g.width, input_channels: g.inputChannels,
            output_height: g.outputHeight, output_width: g.outputWidth, output_channels: g.outputChannels,
            pad_top: g.padTop, pad_left: g.padLeft,
            tile_rows: (g.outputHeight + 1) / 2, tile_columns: (g.outputWidth + 1) / 2)
    }

    /// `pointer` as a pointer to `T` (the caller has checked that `Scalar` is `T`).
    @inline(__always)
    private static func rebound<Scalar, T>(_ pointer: UnsafePointer<Scalar>) -> UnsafePointer<T> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: T.self)
    }

    /// `pointer` as a mutable pointer to `T` (the caller has checked that `Scalar` is `T`).
    @inline(__always)
    private static func rebound<Scalar, T>(_ pointer: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: T.self)
    }
}
