/// Copies between row-major buffers through strides: the one kernel behind slicing,
/// padding, concatenation, splitting and broadcasting.
enum StridedCopyKernels {
    /// A box of scalars addressed through strides on both sides.
    ///
    /// The scalar at box index `(i₀, i₁, …)` is read from
    /// `source + Σ iₖ · sourceStrides[k]` and written to
    /// `destination + Σ iₖ · destinationStrides[k]`.
    struct Box {
        /// The number of positions along each axis of the box.
        var extents: [Int]
        /// How far one step along each axis moves in the source (0 repeats it).
        var sourceStrides: [Int]
        /// How far one step along each axis moves in the destination.
        var destinationStrides: [Int]
    }

    /// Row-major strides of a shape: `strides[k]` is the number of scalars one step along
    /// axis `k` skips.
    static func rowMajorStrides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// Copies `box` from `source` to `destination`. The innermost axis is copied as one
    /// contiguous run when both of its strides are 1 (the common case), else scalar by
    /// scalar; the outer axes are walked with an odometer, never per-scalar index
    /// arithmetic.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func copy<Scalar>(
        _ box: Box, from source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>
    ) {
        let rank = box.extents.count
        if box.extents.contains(0) { return }
        if rank == 0 {
            destination.pointee = source.pointee
            return
        }
        let run = box.extents[rank - 1]
        let sourceStep = box.sourceStrides[rank - 1], destinationStep = box.destinationStrides[rank - 1]
        let contiguous = sourceStep == 1 && destinationStep == 1
        var index = [Int](repeating: 0, count: rank - 1)
        var sourceOffset = 0, destinationOffset = 0
        while true {
            let from = source + sourceOffset, to = destination + destinationOffset
            if contiguous {
                to.update(from: from, count: run)
            } else {
                for i in 0..<run { to[i * destinationStep] = from[i * sourceStep] }
            }
            // Advance the odometer over the outer axes.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                sourceOffset += box.sourceStrides[axis]
                destinationOffset += box.destinationStrides[axis]
                if index[axis] < box.extents[axis] { break }
                sourceOffset -= box.sourceStrides[axis] * box.extents[axis]
                destinationOffset -= box.destinationStrides[axis] * box.extents[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

extension StridedCopyKernels {
    /// `x` repeated along the axes of `shape` where it has size 1 (or which it lacks), as a
    /// new untracked tensor; `x` itself when it already has that shape.
    ///
    /// - Precondition: `x.shape` broadcasts to `shape` (the caller checks and names its op).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func broadcast<Scalar: TensorScalar>(_ x: Tensor<Scalar>, to shape: [Int]) -> Tensor<Scalar> {
        if x.shape == shape { return x }
        let result = Tensor<Scalar>(uninitializedShape: shape)
        let box = Box(extents: shape,
                      sourceStrides: Broadcasting.strides(of: x.shape, broadcastTo: shape),
                      destinationStrides: rowMajorStrides(of: shape))
        copy(box, from: x.storage.base, to: result.storage.base)
        return result
    }
}
