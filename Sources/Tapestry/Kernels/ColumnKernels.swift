/// Where a 2-D convolution's windows sit on an NHWC batch: the input's extent, an HWIO
/// kernel's, the step and spacing of the taps, and the implicit zero padding before the
/// first row and column. The padding is never materialised: im2col writes zeros for taps
/// that fall outside the image and col2im skips them.
struct ConvolutionGeometry: Sendable, Equatable {
    var batch: Int, height: Int, width: Int, inputChannels: Int
    var kernelHeight: Int, kernelWidth: Int, outputChannels: Int
    var strideHeight: Int, strideWidth: Int
    var dilationHeight: Int, dilationWidth: Int
    var padTop: Int, padLeft: Int
    var outputHeight: Int, outputWidth: Int

    /// Scalars in one im2col row: `kh · kw · in`.
    var depth: Int { kernelHeight * kernelWidth * inputChannels }
    /// Output positions (im2col rows) per image.
    var positions: Int { outputHeight * outputWidth }
    /// Scalars in one input image.
    var imageScalars: Int { height * width * inputChannels }
    /// `[batch, outHeight, outWidth, out]`.
    var outputShape: [Int] { [batch, outputHeight, outputWidth, outputChannels] }
    /// Multiply-adds of the forward product.
    var multiplyAdds: Int { batch * positions * depth * outputChannels }
}

/// im2col and col2im with implicit zero padding: the copies between an NHWC batch and the
/// `[images · outH · outW, kh · kw · in]` column matrix a convolution multiplies. Each
/// window row is one contiguous run of `kw · in` scalars when the taps are not dilated
/// along the width and the row lies inside the image; otherwise a run per tap.
enum ColumnKernels {
    /// Writes the column rows of `images` (a range of the batch) into `columns`, row
    /// `(image − images.lowerBound) · positions + position`; taps in the padding are zero.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func im2col<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, _ g: ConvolutionGeometry, images: Range<Int>,
        into columns: UnsafeMutablePointer<Scalar>
    ) {
        let channels = g.inputChannels, rowScalars = g.width * channels, tapRun = g.kernelWidth * channels
        var destination = columns
        for n in images {
            let image = input + n * g.imageScalars
            for oh in 0..<g.outputHeight {
                let top = oh * g.strideHeight - g.padTop
                for ow in 0..<g.outputWidth {
                    let left = ow * g.strideWidth - g.padLeft
                    let wholeRows = g.dilationWidth == 1 && left >= 0 && left + g.kernelWidth <= g.width
                    for kh in 0..<g.kernelHeight {
                        let row = top + kh * g.dilationHeight
                        if row < 0 || row >= g.height {
                            destination.update(repeating: 0, count: tapRun)
                        } else if wholeRows {
                            copy(image + row * rowScalars + left * channels, to: destination, count: tapRun)
                        } else {
                            for kw in 0..<g.kernelWidth {
                                let column = left + kw * g.dilationWidth
                                let tap = destination + kw * channels
                                if column < 0 || column >= g.width {
                                    tap.update(repeating: 0, count: channels)
                                } else {
                                    copy(image + row * rowScalars + column * channels, to: tap, count: channels)
                                }
                            }
                        }
                        destination += tapRun
                    }
                }
            }
        }
    }

    /// Adds the column rows of `images` (laid out as `im2col` writes them) back onto the
    /// input positions they were copied from, in `inputGradient` (the whole batch,
    /// initialised); taps in the padding are dropped. Rows of different images touch
    /// different images, so disjoint ranges may run concurrently.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func col2im<Scalar: TensorScalar>(
        _ columns: UnsafePointer<Scalar>, _ g: ConvolutionGeometry, images: Range<Int>,
        into inputGradient: UnsafeMutablePointer<Scalar>
    ) {
        let channels = g.inputChannels, rowScalars = g.width * channels, tapRun = g.kernelWidth * channels
        var source = columns
        for n in images {
            let image = inputGradient + n * g.imageScalars
            for oh in 0..<g.outputHeight {
                let top = oh * g.strideHeight - g.padTop
                for ow in 0..<g.outputWidth {
                    let left = ow * g.strideWidth - g.padLeft
                    let wholeRows = g.dilationWidth == 1 && left >= 0 && left + g.kernelWidth <= g.width
                    for kh in 0..<g.kernelHeight {
                        let row = top + kh * g.dilationHeight
                        if row >= 0 && row < g.height {
                            if wholeRows {
                                add(source, into: image + row * rowScalars + left * channels, count: tapRun)
                            } else {
                                for kw in 0..<g.kernelWidth {
                                    let column = left + kw * g.dilationWidth
                                    if column >= 0 && column < g.width {
                                        add(source + kw * channels, into: image + row * rowScalars + column * channels,
                                            count: channels)
                                    }
                                }
                            }
                        }
                        source += tapRun
                    }
                }
            }
        }
    }

    /// A short copy as a loop (most runs are a few dozen scalars: a call to `memmove`
    /// costs more than the copy).
    @inline(__always)
    private static func copy<Scalar>(_ source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>, count: Int) {
        for i in 0..<count { destination[i] = source[i] }
    }

    @inline(__always)
    private static func add<Scalar: TensorScalar>(_ source: UnsafePointer<Scalar>, into destination: UnsafeMutablePointer<Scalar>, count: Int) {
        for i in 0..<count { destination[i] += source[i] }
    }
}
