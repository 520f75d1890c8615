#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Convolution without a tape: im2col and matrix products, or for shallow windows the
/// direct loops of `DirectConvolutionKernels`. The forward pass applies the bias, and
/// optionally ReLU, while the rows are in cache, and can max-pool each chunk of its output
/// straight away; the pullback computes the three gradients (`dW = columnsᵀ · g`, or the
/// direct sum for shallow windows; `db = Σ g`; `dX = col2im(g · Wᵀ)`; for a convolution
/// whose forward ran as Winograd, `dW` and `dX` through Winograd's transposed transforms).
///
/// Large batches are split by image into one part per core, each part running its
/// im2col, single-threaded BLAS products and col2im on its own thread: the copies run in
/// parallel too, and no BLAS thread pool wakes up per product. Within a part, images go a
/// chunk at a time through one reused column buffer, so a large inference batch never
/// materialises its whole column matrix (Fashion's second convolution at batch 1,000
/// would need 139 MB).
enum ConvolutionKernels {
    /// The most scalars one part's column buffer holds.
    nonisolated(unsafe) static var columnBudget = 1 << 17
    /// The most scalars of convolution output one part holds before max-pooling them,
    /// when a pooling follows in the same pass (256 KB of `Float`: it stays in cache).
    nonisolated(unsafe) static var convolvedBudget = 1 << 16
    /// Convolutions with fewer multiply-adds than this run as one part (splitting costs
    /// a thread hand-off, ~10 µs, and smaller products do not repay it).
    nonisolated(unsafe) static var parallelThreshold = 2_000_000

    /// How many parts a convolution of `g` is split into.
    static func parts<Scalar: TensorScalar>(_ g: ConvolutionGeometry, _: Scalar.Type) -> Int {
        guard Scalar.self == Float.self || Scalar.self == Double.self, g.multiplyAdds >= parallelThreshold else { return 1 }
        return Swift.max(1, Swift.min(BLAS.maximumThreads, g.batch))
    }

    /// Images per chunk of a part: so that its columns stay within `columnBudget` (the
    /// direct loops need none), and when `pooled`, its convolution output within
    /// `convolvedBudget`.
    static func imagesPerChunk(_ g: ConvolutionGeometry, direct: Bool = false, pooled: Bool = false) -> Int {
        var images = direct ? g.batch : columnBudget / Swift.max(g.positions * g.depth, 1)
        if pooled { images = Swift.min(images, convolvedBudget / Swift.max(g.positions * g.outputChannels, 1)) }
        return Swift.max(1, images)
    }

    // MARK: Forward

    /// Writes the convolution of `input` (NHWC, unpadded: `g` holds the padding) with an
    /// HWIO kernel viewed as `[depth, outputChannels]`, plus `bias` when given, then ReLU
    /// when `rectifying`, into `output` (`[batch · outH · outW, out]`, uninitialised).
    /// With `columns` (`[batch · outH · outW, depth]`), the whole column matrix is kept
    /// there for the pullback (and the im2col path runs even for a shallow window).
    ///
    /// With `pooling`, each chunk's convolution goes to a scratch buffer that stays in
    /// cache and is max-pooled from there: `output` is then the pooled
    /// `[batch, poolH, poolW, out]`, and the full-size convolution is never written.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, kernel: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        _ g: ConvolutionGeometry, rectifying: Bool, into output: UnsafeMutablePointer<Scalar>,
        keepingColumnsIn columns: UnsafeMutablePointer<Scalar>?, maxPooling pooling: PoolingGeometry? = nil
    ) {
        let parts = parts(g, Scalar.self)
        let (positions, depth, channels) = (g.positions, g.depth, g.outputChannels)
        // The fastest of three ways that applies: direct loops for a shallow window, Winograd
        // F(2×2, 3×3) for a deeper 3×3 one, im2col and one product for the rest (and
        // whenever the columns are kept for the pullback).
        let direct = columns == nil && DirectConvolutionKernels.applies(to: g, Scalar.self)
        let winograd = columns == nil && !direct && WinogradKernels.applies(to: g, Scalar.self)
            ? WinogradKernels.transformedKernel(kernel, g) : nil
        defer { winograd?.release() }
        let perChunk = columns == nil ? imagesPerChunk(g, direct: direct, pooled: pooling != nil) : g.batch
        let convolvedShape = [g.outputHeight, g.outputWidth, channels]
        let pooledScalars = pooling.map { $0.outputHeight * $0.outputWidth * channels } ?? 0
        BatchParts.run(parts) { part in
            let images = BatchParts.images(ofPart: part, of: parts, batch: g.batch)
            let chunkImages = Swift.min(perChunk, images.count)
            let scratch = Scratch<Scalar>(count: columns == nil && !direct && winograd == nil ? chunkImages * positions * depth : 1)
            defer { scratch.release() }
            let convolved = pooling == nil ? nil : Scratch<Scalar>(count: chunkImages * positions * channels)
            defer { convolved?.release() }
            var start = images.lowerBound
            while start < images.upperBound {
                let chunk = start..<Swift.min(start + perChunk, images.upperBound)
                let rows = chunk.count * positions
                // The chunk's convolution, then its epilogue (the pooling, if any).
                let destination = convolved?.base ?? output + start * positions * channels
                if let winograd {
                    WinogradKernels.forward(input, transformedKernel: winograd.base, bias: bias, g, images: chunk,
                                            rectifying: rectifying, into: destination, onThisThread: parts > 1)
                } else if direct {
                    DirectConvolutionKernels.forward(input, kernel: kernel, bias: bias, g, images: chunk,
                                                     rectifying: rectifying, into: destination)
                } else {
                    let chunkColumns = columns.map { $0 + start * positions * depth } ?? scratch.base
                    ColumnKernels.im2col(input, g, images: chunk, into: chunkColumns)
                    if let bias {
                        for row in 0..<rows { (destination + row * channels).update(from: bias, count: channels) }
                    }
                    gemm(onThisThread: parts > 1, transposeA: false, transposeB: false, m: rows, n: channels, k: depth,
                         a: chunkColumns, lda: depth, b: kernel, ldb: channels,
                         beta: bias == nil ? 0 : 1, c: destination, ldc: channels)
                    if rectifying { rectify(destination, count: rows * channels) }
                }
                if let pooling {
                    PoolingKernels.maxPool(destination, imageShape: convolvedShape, images: chunk.count, geometry: pooling,
                                           into: output + start * pooledScalars)
                }
                start = chunk.upperBound
            }
        }
    }

    // MARK: Pullback

    /// The convolution's gradients for the output cotangent `gradient`
    /// (`[batch · outH · outW, out]`; when `rectifiedOutput` is given, the op applied ReLU
    /// and the cotangent is first zeroed where that output is not positive). Each of
    /// `inputGradient` (`[batch, h, w, in]`), `kernelGradient` (`[depth, out]`) and
    /// `biasGradient` (`[out]`) is written when given (all uninitialised). `columns` is
    /// the forward's kept column matrix, if it kept one; otherwise a shallow window's
    /// kernel gradient is summed directly, and a deeper one's im2col runs again.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func backward<Scalar: TensorScalar>(
        _ gradient: UnsafePointer<Scalar>, rectifiedOutput: UnsafePointer<Scalar>?,
        input: UnsafePointer<Scalar>, kernel: UnsafePointer<Scalar>, columns: UnsafePointer<Scalar>?,
        _ g: ConvolutionGeometry,
        inputGradient: UnsafeMutablePointer<Scalar>?, kernelGradient: UnsafeMutablePointer<Scalar>?,
        biasGradient: UnsafeMutablePointer<Scalar>?
    ) {
        let parts = parts(g, Scalar.self)
        let (positions, depth, channels) = (g.positions, g.depth, g.outputChannels)
        let perChunk = imagesPerChunk(g)
        // Shallow windows sum the kernel's gradient directly (no columns to rebuild); without
        // an input gradient, that pass also masks the cotangent and sums the bias's.
        let direct = columns == nil && DirectConvolutionKernels.applies(to: g, Scalar.self)
        let directOnly = direct && inputGradient == nil
        // A 3×3 stride-1 window the forward ran as Winograd takes the transposed transforms
        // back (no columns rebuilt, no col2im), with the kernel transformed once.
        let winograd = columns == nil && !direct && WinogradKernels.applies(to: g, Scalar.self)
        let transformedKernel = winograd && inputGradient != nil ? WinogradKernels.transformedKernel(kernel, g) : nil
        defer { transformedKernel?.release() }
        // Part 0 writes the kernel and bias gradients in place; the others into scratch,
        // added to part 0's afterwards.
        let partials = parts > 1 ? Scratch<Scalar>(count: (parts - 1) * (depth + 1) * channels) : nil
        defer { partials?.release() }
        let masked = rectifiedOutput == nil || directOnly ? nil : Scratch<Scalar>(count: g.batch * positions * channels)
        defer { masked?.release() }
        BatchParts.run(parts) { part in
            let images = BatchParts.images(ofPart: part, of: parts, batch: g.batch)
            let firstRow = images.lowerBound * positions, partRows = images.count * positions
            let partial = part == 0 ? nil : partials.map { $0.base + (part - 1) * (depth + 1) * channels }
            let kernelTarget = kernelGradient == nil ? nil : partial ?? kernelGradient
            let biasTarget = biasGradient == nil ? nil : partial.map { $0 + depth * channels } ?? biasGradient
            if directOnly {
                kernelTarget?.update(repeating: 0, count: depth * channels)
                biasTarget?.update(repeating: 0, count: channels)
                let row = rectifiedOutput == nil ? nil : Scratch<Scalar>(count: g.outputWidth * channels)
                defer { row?.release() }
                DirectConvolutionKernels.addGradients(
                    input: input, gradient: gradient + firstRow * channels,
                    rectifiedOutput: rectifiedOutput.map { $0 + firstRow * channels }, g, images: images,
                    rowScratch: row?.base, kernelGradient: kernelTarget, biasGradient: biasTarget)
                return
            }
            var cotangent = gradient + firstRow * channels
            if let rectifiedOutput, let masked {
                let destination = masked.base + firstRow * channels
                mask(cotangent, where: rectifiedOutput + firstRow * channels, into: destination, count: partRows * channels)
                cotangent = UnsafePointer(destination)
            }
            if let biasTarget {
                sumRows(cotangent, rows: partRows, columns: channels, into: biasTarget)
            }
            if let kernelTarget, direct {
                kernelTarget.update(repeating: 0, count: depth * channels)
                DirectConvolutionKernels.addGradients(input: input, gradient: cotangent, rectifiedOutput: nil, g,
                                                      images: images, rowScratch: nil, kernelGradient: kernelTarget,
                                                      biasGradient: nil)
            } else if winograd {
                let transformedGradient = kernelTarget == nil ? nil : Scratch<Scalar>(count: 16 * g.inputChannels * channels)
                defer { transformedGradient?.release() }
                WinogradKernels.backward(
                    cotangent, input: input, transformedKernel: transformedKernel.map { UnsafePointer($0.base) }, g,
                    images: images, inputGradient: inputGradient.map { $0 + images.lowerBound * g.imageScalars },
                    transformedKernelGradient: transformedGradient?.base, onThisThread: parts > 1)
                if let kernelTarget, let transformedGradient {
                    WinogradKernels.kernelGradient(fromTransformed: transformedGradient.base, g, into: kernelTarget)
                }
                return
            } else if let kernelTarget, let columns {
                gemm(onThisThread: parts > 1, transposeA: true, transposeB: false, m: depth, n: channels, k: partRows,
                     a: columns + firstRow * depth, lda: depth, b: cotangent, ldb: channels,
                     beta: 0, c: kernelTarget, ldc: channels)
            }
            let recomputes = kernelTarget != nil && columns == nil && !direct
            guard inputGradient != nil || recomputes else { return }
            if let inputGradient {
                (inputGradient + images.lowerBound * g.imageScalars).update(repeating: 0, count: images.count * g.imageScalars)
            }
            let scratch = Scratch<Scalar>(count: Swift.min(perChunk, images.count) * positions * depth)
            defer { scratch.release() }
            var start = images.lowerBound
            while start < images.upperBound {
                let chunk = start..<Swift.min(start + perChunk, images.upperBound)
                let rows = chunk.count * positions
                let chunkCotangent = cotangent + (start - images.lowerBound) * positions * channels
                if recomputes, let kernelTarget {
                    ColumnKernels.im2col(input, g, images: chunk, into: scratch.base)
                    gemm(onThisThread: parts > 1, transposeA: true, transposeB: false, m: depth, n: channels, k: rows,
                         a: scratch.base, lda: depth, b: chunkCotangent, ldb: channels,
                         beta: start == images.lowerBound ? 0 : 1, c: kernelTarget, ldc: channels)
                }
                if let inputGradient {
                    gemm(onThisThread: parts > 1, transposeA: false, transposeB: true, m: rows, n: depth, k: channels,
                         a: chunkCotangent, lda: channels, b: kernel, ldb: channels,
                         beta: 0, c: scratch.base, ldc: depth)
                    ColumnKernels.col2im(scratch.base, g, images: chunk, into: inputGradient)
                }
                start = chunk.upperBound
            }
        }
        guard let partials else { return }
        for part in 1..<parts {
            let partial = partials.base + (part - 1) * (depth + 1) * channels
            if let kernelGradient { addScalars(partial, into: kernelGradient, count: depth * channels) }
            if let biasGradient { addScalars(partial + depth * channels, into: biasGradient, count: channels) }
        }
    }

    // MARK: Pieces

    /// A row-major product `C = op(A) · op(B) + beta · C`: through `Scalar.gemm` (which
    /// picks BLAS's thread count by size) or, inside a part, straight to BLAS on the
    /// calling thread (`Scalar.gemm` would change the library's thread count under the
    /// other part).
    @inline(__always)
    static func gemm<Scalar: TensorScalar>(
        onThisThread: Bool, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Scalar>, lda: Int, b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        guard onThisThread else {
            Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                        b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let ta = transposeA ? CblasTrans : CblasNoTrans, tb = transposeB ? CblasTrans : CblasNoTrans
        if Scalar.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, BLAS.Index(m), BLAS.Index(n), BLAS.Index(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), BLAS.Index(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), BLAS.Index(ldb),
                        Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), BLAS.Index(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, BLAS.Index(m), BLAS.Index(n), BLAS.Index(k), 1,
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), BLAS.Index(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), BLAS.Index(ldb),
                        Double(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), BLAS.Index(ldc))
        }
    }

    /// `x = x < 0 ? 0 : x` in place (ReLU: NaN passes through, as in the `relu` op); for
    /// `Float` as a bit mask (the loop vectorises without branches).
    @inline(__always)
    static func rectify<Scalar: TensorScalar>(_ x: UnsafeMutablePointer<Scalar>, count: Int) {
        guard Scalar.self == Float.self else {
            for i in 0..<count { x[i] = x[i] < 0 ? 0 : x[i] }
            return
        }
        let values = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
        let bits = UnsafeMutableRawPointer(x).assumingMemoryBound(to: UInt32.self)
        for i in 0..<count { bits[i] &= values[i] < 0 ? 0 : UInt32.max }
    }

    /// `destination = output > 0 ? gradient : 0`; for `Float` as a bit mask (the loop
    /// vectorises without branches).
    @inline(__always)
    static func mask<Scalar: TensorScalar>(
        _ gradient: UnsafePointer<Scalar>, where output: UnsafePointer<Scalar>,
        into destination: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        guard Scalar.self == Float.self else {
            for i in 0..<count { destination[i] = output[i] > 0 ? gradient[i] : 0 }
            return
        }
        let g = UnsafeRawPointer(gradient).assumingMemoryBound(to: UInt32.self)
        let y = UnsafeRawPointer(output).assumingMemoryBound(to: Float.self)
        let d = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: UInt32.self)
        for i in 0..<count { d[i] = g[i] & (y[i] > 0 ? UInt32.max : 0) }
    }

    /// The column sums of a `rows × columns` matrix into `sums`; for `Float`, eight
    /// columns at a time in a register.
    @inline(__always)
    static func sumRows<Scalar: TensorScalar>(
        _ matrix: UnsafePointer<Scalar>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Scalar>
    ) {
        var c = 0
        if Scalar.self == Float.self {
            let m = UnsafeRawPointer(matrix).assumingMemoryBound(to: Float.self)
            let s = UnsafeMutableRawPointer(sums).assumingMemoryBound(to: Float.self)
            while c + 8 <= columns {
                var total = SIMD8<Float>.zero
                for row in 0..<rows { total += UnsafeRawPointer(m + row * columns + c).loadUnaligned(as: SIMD8<Float>.self) }
                UnsafeMutableRawPointer(s + c).storeBytes(of: total, as: SIMD8<Float>.self)
                c += 8
            }
        }
        while c < columns {
            var total: Scalar = 0
            for row in 0..<rows { total += matrix[row * columns + c] }
            sums[c] = total
            c += 1
        }
    }

    @inline(__always)
    static func addScalars<Scalar: TensorScalar>(_ source: UnsafePointer<Scalar>, into destination: UnsafeMutablePointer<Scalar>, count: Int) {
        for i in 0..<count { destination[i] += source[i] }
    }
}

/// A temporary buffer from the tensor buffer pool (reused between steps, so its pages
/// are not faulted in again every time).
struct Scratch<Scalar>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Scalar>
    let count: Int

    init(count: Int) {
        self.count = Swift.max(count, 1)
        base = BufferPool.allocate(bytes: self.count * MemoryLayout<Scalar>.stride)
            .bindMemory(to: Scalar.self, capacity: self.count)
    }

    func release() { BufferPool.release(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Scalar>.stride) }
}
