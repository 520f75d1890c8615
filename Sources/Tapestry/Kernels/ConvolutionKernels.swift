/// Convolution without a tape: im2col of a few images at a time into one reused buffer and
/// a matrix product straight into the output rows, so a large inference batch never
/// materialises its whole column matrix (for Fashion's second convolution at batch 1000
/// that would be 139 MB).
enum ConvolutionKernels {
    /// The most scalars the column buffer of one chunk holds.
    static let columnBudget = 1 << 20

    /// Writes the valid convolution of `input` (NHWC `inputShape`, already padded) with an
    /// HWIO kernel reshaped to `[depth, outputChannels]`, plus `bias` when given, into
    /// `output` (`[batch, outH, outW, outputChannels]`, uninitialised).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func forward<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, inputShape: [Int], kernel: UnsafePointer<Scalar>, outputChannels: Int,
        bias: UnsafePointer<Scalar>?, geometry: WindowGeometry, into output: UnsafeMutablePointer<Scalar>
    ) {
        let windowsShape = geometry.windowsShape(forInput: inputShape)
        let batch = inputShape[0], imageScalars = inputShape[1] * inputShape[2] * inputShape[3]
        let positions = windowsShape[1] * windowsShape[2]
        let depth = windowsShape[3] * windowsShape[4] * windowsShape[5]
        let imagesPerChunk = Swift.max(1, Swift.min(batch, columnBudget / Swift.max(positions * depth, 1)))
        let columns = UnsafeMutablePointer<Scalar>.allocate(capacity: imagesPerChunk * positions * depth)
        defer { columns.deallocate() }
        var start = 0
        while start < batch {
            let count = Swift.min(imagesPerChunk, batch - start)
            var chunkShape = inputShape
            chunkShape[0] = count
            WindowKernels.extract(input + start * imageScalars, inputShape: chunkShape, into: columns, geometry: geometry)
            let rows = count * positions
            let destination = output + start * positions * outputChannels
            if let bias {
                for row in 0..<rows { (destination + row * outputChannels).initialize(from: bias, count: outputChannels) }
            }
            Scalar.gemm(transposeA: false, transposeB: false, m: rows, n: outputChannels, k: depth,
                        alpha: 1, a: columns, lda: depth, b: kernel, ldb: outputChannels,
                        beta: bias == nil ? 0 : 1, c: destination, ldc: outputChannels)
            start += count
        }
    }
}
