import CKernels

/// Where pooling windows sit on an NHWC image: their size and step, the padding before
/// the first row and column (positions outside the image are skipped), and the output grid.
struct PoolingGeometry: Sendable, Equatable {
    var windowHeight: Int, windowWidth: Int
    var strideHeight: Int, strideWidth: Int
    var padTop: Int, padLeft: Int
    var outputHeight: Int, outputWidth: Int
}

extension PoolingGeometry {
    /// The geometry as the C kernels of `Pooling.h` take it, over an NHWC `inputShape`.
    func cGeometry(inputShape: [Int]) -> tapestry_pooling_geometry {
        tapestry_pooling_geometry(
            height: inputShape[1], width: inputShape[2], channels: inputShape[3],
            window_height: windowHeight, window_width: windowWidth, stride_height: strideHeight,
            stride_width: strideWidth, pad_top: padTop, pad_left: padLeft,
            output_height: outputHeight, output_width: outputWidth)
    }
}

/// Max pooling in one pass over the input, remembering where each maximum came from, and
/// the index moves its gradient needs: scatter-add (to the inputs) and gather (back).
enum PoolingKernels {
    /// Writes the maximum of each window and channel of `input` (NHWC `inputShape`) into
    /// `output` (`[batch, outH, outW, channels]`) and the flat input offset of that maximum
    /// (the first one on ties) into `winners`, when given (a tape needs them; inference
    /// does not).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxPool<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, inputShape: [Int], geometry g: PoolingGeometry,
        into output: UnsafeMutablePointer<Scalar>, winners: UnsafeMutablePointer<Int32>?
    ) {
        let batch = inputShape[0], scalars = inputShape.reduce(1, *)
        let parts = scalars >= parallelThreshold ? Swift.max(1, Swift.min(BLAS.maximumThreads, batch)) : 1
        // Each part pools its own images: disjoint outputs and winners.
        BatchParts.run(parts) { part in
            let images = BatchParts.images(ofPart: part, of: parts, batch: batch)
            if Scalar.self == Float.self {
                maxPoolFloat(UnsafeRawPointer(input).assumingMemoryBound(to: Float.self), inputShape: inputShape, geometry: g,
                             images: images, into: UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self),
                             winners: winners)
            } else {
                maxPoolScalars(input, inputShape: inputShape, geometry: g, images: images, into: output, winners: winners)
            }
        }
    }

    /// Writes the maximum of each window and channel of `images` consecutive images of
    /// `imageShape` (`[height, width, channels]`) at `input` into `output`
    /// (`[images, outH, outW, channels]`), on the calling thread and without winners: the
    /// epilogue of a convolution that pools each chunk of its output while it is in cache.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxPool<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, imageShape: [Int], images: Int, geometry g: PoolingGeometry,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        let inputShape = [images] + imageShape
        if Scalar.self == Float.self {
            maxPoolFloat(UnsafeRawPointer(input).assumingMemoryBound(to: Float.self), inputShape: inputShape, geometry: g,
                         images: 0..<images, into: UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self),
                         winners: nil)
        } else {
            maxPoolScalars(input, inputShape: inputShape, geometry: g, images: 0..<images, into: output, winners: nil)
        }
    }

    /// Inputs with at least this many scalars are pooled on every core, a part of the
    /// batch each.
    nonisolated(unsafe) static var parallelThreshold = 1 << 18

    /// `maxPool` for the images of `images`, one channel at a time.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxPoolScalars<Scalar: TensorScalar>(
        _ input: UnsafePointer<Scalar>, inputShape: [Int], geometry g: PoolingGeometry, images: Range<Int>,
        into output: UnsafeMutablePointer<Scalar>, winners: UnsafeMutablePointer<Int32>?
    ) {
        let (height, width, channels) = (inputShape[1], inputShape[2], inputShape[3])
        var outputOffset = images.lowerBound * g.outputHeight * g.outputWidth * channels
        for n in images {
            for oh in 0..<g.outputHeight {
                let top = oh * g.strideHeight - g.padTop
                let rows = Swift.max(top, 0)..<Swift.min(top + g.windowHeight, height)
                for ow in 0..<g.outputWidth {
                    let left = ow * g.strideWidth - g.padLeft
                    let columns = Swift.max(left, 0)..<Swift.min(left + g.windowWidth, width)
                    let best = output + outputOffset
                    let firstOffset = ((n * height + rows.lowerBound) * width + columns.lowerBound) * channels
                    best.update(from: input + firstOffset, count: channels)
                    if let winners {
                        let winner = winners + outputOffset
                        let firstIndex = Int32(truncatingIfNeeded: firstOffset)
                        for c in 0..<channels { winner[c] = firstIndex &+ Int32(truncatingIfNeeded: c) }
                        for row in rows {
                            for column in columns {
                                let offset = ((n * height + row) * width + column) * channels
                                if offset == firstOffset { continue }
                                let source = input + offset
                                let base = Int32(truncatingIfNeeded: offset)
                                // Branch-free selects, so the channel loop vectorises.
                                for c in 0..<channels {
                                    let value = source[c], current = best[c]
                                    let better = value > current
                                    best[c] = better ? value : current
                                    winner[c] = better ? base &+ Int32(truncatingIfNeeded: c) : winner[c]
                                }
                            }
                        }
                    } else {
                        for row in rows {
                            for column in columns {
                                let offset = ((n * height + row) * width + column) * channels
                                if offset == firstOffset { continue }
                                let source = input + offset
                                for c in 0..<channels {
                                    let value = source[c], current = best[c]
                                    best[c] = value > current ? value : current
                                }
                            }
                        }
                    }
                    outputOffset += channels
                }
            }
        }
    }

    /// `maxPool` for `Float` over the images of `images`, through the C kernel of
    /// `Pooling.h` (vectorised over the channels at the machine's widest registers).
    static func maxPoolFloat(
        _ input: UnsafePointer<Float>, inputShape: [Int], geometry g: PoolingGeometry, images: Range<Int>,
        into output: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>?
    ) {
        var geometry = g.cGeometry(inputShape: inputShape)
        tapestry_max_pool_f32(input, &geometry, images.lowerBound, images.count, output, winners)
    }

    /// Writes max pooling's input cotangent for windows that do not overlap (strides at
    /// least the window size) in one pass over the input, with no zero fill first: each
    /// input position gets the cotangent `gradient` (`[batch, outH, outW, channels]`) of
    /// the window it lies in where `winners` names it, and zero elsewhere (also outside
    /// every window). `output` is NHWC `inputShape`, uninitialised.
    ///
    /// - Precondition: the windows of `g` do not overlap.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func unpool<Scalar: TensorScalar>(
        _ gradient: UnsafePointer<Scalar>, winners: UnsafePointer<Int32>, inputShape: [Int], geometry g: PoolingGeometry,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        precondition(g.strideHeight >= g.windowHeight && g.strideWidth >= g.windowWidth,
                     "max_pool2d backward: windows \([g.windowHeight, g.windowWidth]) overlap at strides \([g.strideHeight, g.strideWidth]) (input shape \(inputShape))")
        let (batch, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        // The window row (column) each input row (column) lies in, or -1.
        func windows(extent: Int, pad: Int, stride: Int, size: Int, count: Int) -> [Int] {
            (0..<extent).map { position in
                let shifted = position + pad, window = shifted / stride
                return shifted % stride < size && window < count ? window : -1
            }
        }
        let windowRow = windows(extent: height, pad: g.padTop, stride: g.strideHeight, size: g.windowHeight, count: g.outputHeight)
        let windowColumn = windows(extent: width, pad: g.padLeft, stride: g.strideWidth, size: g.windowWidth, count: g.outputWidth)
        let parts = batch * height * width * channels >= parallelThreshold ? Swift.max(1, Swift.min(BLAS.maximumThreads, batch)) : 1
        windowRow.withUnsafeBufferPointer { windowRow in
            windowColumn.withUnsafeBufferPointer { windowColumn in
                // Each part writes its own images (the specialised loop runs per part).
                BatchParts.run(parts) { part in
                    let images = BatchParts.images(ofPart: part, of: parts, batch: batch)
                    guard Scalar.self == Float.self else {
                        unpool(gradient, winners: winners, inputShape: inputShape, geometry: g, windowRow: windowRow.baseAddress!,
                               windowColumn: windowColumn.baseAddress!, images: images, into: output)
                        return
                    }
                    var geometry = g.cGeometry(inputShape: inputShape)
                    tapestry_max_unpool_f32(UnsafeRawPointer(gradient).assumingMemoryBound(to: Float.self), winners, &geometry,
                                            windowRow.baseAddress!, windowColumn.baseAddress!, images.lowerBound, images.count,
                                            UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self))
                }
            }
        }
    }

    /// `unpool` for the images of `images` in Swift (`Float` runs the C kernel of
    /// `Pooling.h`), given the window row and column of each input row and column (or -1).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func unpool<Scalar: TensorScalar>(
        _ gradient: UnsafePointer<Scalar>, winners: UnsafePointer<Int32>, inputShape: [Int], geometry g: PoolingGeometry,
        windowRow: UnsafePointer<Int>, windowColumn: UnsafePointer<Int>, images: Range<Int>,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        let (height, width, channels) = (inputShape[1], inputShape[2], inputShape[3])
        for n in images {
            for row in 0..<height {
                for column in 0..<width {
                    let offset = ((n * height + row) * width + column) * channels
                    let target = output + offset
                    let (oh, ow) = (windowRow[row], windowColumn[column])
                    guard oh >= 0 && ow >= 0 else {
                        target.update(repeating: 0, count: channels)
                        continue
                    }
                    let window = ((n * g.outputHeight + oh) * g.outputWidth + ow) * channels
                    let source = gradient + window, winner = winners + window
                    let base = Int32(truncatingIfNeeded: offset)
                    var c = 0
                    while c < channels {
                        target[c] = winner[c] == base &+ Int32(truncatingIfNeeded: c) ? source[c] : 0
                        c += 1
                    }
                }
            }
        }
    }

    /// Adds each `values[i]` into `target[indices[i]]` (`target` initialised).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func scatterAdd<Scalar: TensorScalar>(
        _ values: UnsafePointer<Scalar>, at indices: UnsafePointer<Int32>, count: Int,
        into target: UnsafeMutablePointer<Scalar>
    ) {
        for i in 0..<count { target[Int(indices[i])] += values[i] }
    }

    /// `output[i] = source[indices[i]]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func gather<Scalar: TensorScalar>(
        _ source: UnsafePointer<Scalar>, at indices: UnsafePointer<Int32>, count: Int,
        into output: UnsafeMutablePointer<Scalar>
    ) {
        for i in 0..<count { output[i] = source[Int(indices[i])] }
    }
}
