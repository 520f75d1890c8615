/// The size, step and spacing of sliding windows over the height and width of an NHWC
/// tensor, and the output grid they make.
struct WindowGeometry: Sendable, Equatable {
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var dilationHeight: Int, dilationWidth: Int

    /// The number of window positions along a dimension of `size` ("valid" windows only).
    func outputSize(input size: Int, kernel: Int, stride: Int, dilation: Int) -> Int {
        (size - ((kernel - 1) * dilation + 1)) / stride + 1
    }

    /// `[batch, outH, outW, kh, kw, channels]` for an input of shape `[batch, h, w, channels]`.
    func windowsShape(forInput shape: [Int]) -> [Int] {
        [shape[0],
         outputSize(input: shape[1], kernel: kernelHeight, stride: strideHeight, dilation: dilationHeight),
         outputSize(input: shape[2], kernel: kernelWidth, stride: strideWidth, dilation: dilationWidth),
         kernelHeight, kernelWidth, shape[3]]
    }
}

/// Sliding windows (im2col) and their adjoint (col2im): the hot path of convolution and
/// pooling. Each window row is copied as contiguous channel runs; when windows are not
/// dilated along the width, a whole window row (`kw · channels` scalars) is one run.
enum WindowKernels {
    /// Copies every window of `input` (NHWC) into `output`
    /// (`[batch, outH, outW, kh, kw, channels]`, uninitialised).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func extract<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, inputShape: [Int], into output: UnsafeMutablePointer<Scalar>,
        geometry g: WindowGeometry
    ) {
        walk(inputShape: inputShape, geometry: g) { inputOffset, outputOffset, count in
            (output + outputOffset).update(from: input + inputOffset, count: count)
        }
    }

    /// Adds every window of `windows` back onto the input position it was copied from, into
    /// `input` (NHWC, initialised; overlapping windows accumulate).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func accumulate<Scalar: TensorScalar>(
        _ windows: UnsafePointer<Scalar>, into input: UnsafeMutablePointer<Scalar>, inputShape: [Int],
        geometry g: WindowGeometry
    ) {
        walk(inputShape: inputShape, geometry: g) { inputOffset, windowOffset, count in
            let source = windows + windowOffset, destination = input + inputOffset
            for i in 0..<count { destination[i] += source[i] }
        }
    }

    /// Calls `run(inputOffset, windowOffset, count)` for each contiguous run of scalars
    /// shared by the input and the windows, in window order.
    @inline(__always)
    private static func walk(
        inputShape shape: [Int], geometry g: WindowGeometry, _ run: (Int, Int, Int) -> Void
    ) {
        let windowsShape = g.windowsShape(forInput: shape)
        let (batch, height, width, channels) = (shape[0], shape[1], shape[2], shape[3])
        let (outputHeight, outputWidth) = (windowsShape[1], windowsShape[2])
        let rowStride = width * channels
        let wholeRows = g.dilationWidth == 1
        let runLength = wholeRows ? g.kernelWidth * channels : channels
        let runsPerRow = wholeRows ? 1 : g.kernelWidth
        let runStep = g.dilationWidth * channels
        var windowOffset = 0
        for n in 0..<batch {
            let image = n * height * rowStride
            for oh in 0..<outputHeight {
                let top = image + oh * g.strideHeight * rowStride
                for ow in 0..<outputWidth {
                    let corner = top + ow * g.strideWidth * channels
                    for kh in 0..<g.kernelHeight {
                        var inputOffset = corner + kh * g.dilationHeight * rowStride
                        for _ in 0..<runsPerRow {
                            run(inputOffset, windowOffset, runLength)
                            inputOffset += runStep
                            windowOffset += runLength
                        }
                    }
                }
            }
        }
    }
}
