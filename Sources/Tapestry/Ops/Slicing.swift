// Slicing: ranges with strides along any axis, and subscripts along the first axis. All of
// them are differentiable: a slice's pullback writes the cotangent back into zeros at the
// sliced positions (what a pad does for stride 1), and that write's own pullback is the
// slice again, so the pair also differentiates twice.

/// Which positions along one axis a slice keeps: from `start` up to (not including) `end`,
/// every `stride`-th. Negative bounds count from the end of the axis, as in `-1` for the
/// last position.
///
/// ```swift
/// let x = Tensor<Float>(shape: [2, 6], scalars: (0..<12).map(Float.init))
/// x.sliced([.all, TensorSlice(from: 1, stride: 2)])   // [[1, 3, 5], [7, 9, 11]]
/// ```
public struct TensorSlice: Sendable, Hashable {
    /// The first position kept; negative counts from the end.
    public var start: Int
    /// The position the slice stops before; negative counts from the end, `nil` is the end
    /// of the axis.
    public var end: Int?
    /// The step between kept positions (at least 1).
    public var stride: Int

    /// Positions `start, start + stride, …` before `end` (the whole axis by default).
    public init(from start: Int = 0, to end: Int? = nil, stride: Int = 1) {
        self.start = start
        self.end = end
        self.stride = stride
    }

    /// The positions of `range` (whose bounds may be negative, counting from the end),
    /// every `stride`-th.
    public init(_ range: Range<Int>, stride: Int = 1) {
        self.init(from: range.lowerBound, to: range.upperBound, stride: stride)
    }

    /// The whole axis.
    public static let all = TensorSlice()

    /// The first position, the number of positions kept, and the stride, along an axis of
    /// `size`; traps naming `op` and `shape` when the slice does not fit.
    func resolved(size: Int, op: String, shape: [Int]) -> (start: Int, count: Int, stride: Int) {
        precondition(stride >= 1, "\(op): stride \(stride) must be at least 1 (shape \(shape))")
        let first = start < 0 ? start + size : start
        let last = end.map { $0 < 0 ? $0 + size : $0 } ?? size
        precondition(0 <= first && first <= last && last <= size,
                     "\(op): positions \(start)..<\(end.map(String.init) ?? "end") do not fit an axis of size \(size) in shape \(shape)")
        return (first, (last - first + stride - 1) / stride, stride)
    }
}

extension Tensor where Scalar: TensorScalar {
    /// The positions `start, start + stride, …` before `end` along `axis`; negative axes
    /// and positions count from the end, and `end: nil` means the end of the axis.
    /// Differentiable.
    ///
    /// ```swift
    /// let x = Tensor<Float>([[0, 1, 2, 3, 4, 5]])
    /// x.sliced(alongAxis: 1, from: 1, to: 5, stride: 2)   // [[1, 3]]
    /// x.sliced(alongAxis: -1, from: -2)                   // [[4, 5]]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sliced(alongAxis axis: Int, from start: Int = 0, to end: Int? = nil, stride: Int = 1) -> Tensor {
        let axis = normalized(axis: axis, op: "slice")
        var slices = [TensorSlice](repeating: .all, count: rank)
        slices[axis] = TensorSlice(from: start, to: end, stride: stride)
        return sliced(slices)
    }

    /// One slice per leading axis; axes after the last slice are kept whole.
    /// Differentiable.
    ///
    /// ```swift
    /// let image = Tensor<Float>(zeros: [28, 28, 3])
    /// image.sliced([TensorSlice(4..<24), TensorSlice(4..<24)]).shape   // [20, 20, 3]
    /// ```
    ///
    /// - Precondition: at most `rank` slices, each fitting its axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sliced(_ slices: [TensorSlice]) -> Tensor {
        precondition(slices.count <= rank, "slice: \(slices.count) slices for shape \(shape)")
        var starts = [Int](repeating: 0, count: rank), counts = shape
        var strides = [Int](repeating: 1, count: rank)
        for (axis, slice) in slices.enumerated() {
            (starts[axis], counts[axis], strides[axis]) = slice.resolved(size: shape[axis], op: "slice", shape: shape)
        }
        return stridedSlice(starts: starts, counts: counts, strides: strides)
    }

    /// The sub-tensor at `index` along the first axis (a row of a matrix, an image of a
    /// batch); a negative index counts from the end. Differentiable: on a tracked tensor
    /// the gradient flows back into that row.
    ///
    /// ```swift
    /// Tensor<Float>([[1, 2], [3, 4]])[1]    // [3, 4]
    /// Tensor<Float>([[1, 2], [3, 4]])[-1]   // [3, 4]
    /// ```
    public subscript(index: Int) -> Tensor {
        precondition(rank >= 1, "Tensor[\(index)]: a rank-0 tensor has no rows")
        let row = index < 0 ? index + shape[0] : index
        precondition(row >= 0 && row < shape[0], "Tensor[\(index)]: index out of range for shape \(shape)")
        var starts = [Int](repeating: 0, count: rank), counts = shape
        starts[0] = row
        counts[0] = 1
        return stridedSlice(starts: starts, counts: counts, strides: [Int](repeating: 1, count: rank))
            .reshaped(to: Array(shape.dropFirst()))
    }

    /// The positions of `ranges` along the leading axes (one range per axis, bounds may be
    /// negative); the remaining axes are kept whole. Differentiable.
    ///
    /// ```swift
    /// let x = Tensor<Float>([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    /// x[1..<3]            // [[4, 5, 6], [7, 8, 9]]
    /// x[0..<2, 1..<3]     // [[2, 3], [5, 6]]
    /// ```
    public subscript(_ ranges: Range<Int>...) -> Tensor {
        sliced(ranges.map { TensorSlice($0) })
    }

    /// The box of `counts` positions starting at `starts` and stepping by `strides` along
    /// every axis (all resolved and checked by the caller); recorded as `slice`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func stridedSlice(starts: [Int], counts: [Int], strides: [Int]) -> Tensor {
        if counts == shape { return self }  // every stride is 1 when the counts are whole
        let result = Tensor(uninitializedShape: counts)
        let rowStrides = StridedCopyKernels.rowMajorStrides(of: shape)
        var offset = 0
        for axis in 0..<rank { offset += starts[axis] * rowStrides[axis] }
        let box = StridedCopyKernels.Box(
            extents: counts, sourceStrides: (0..<rank).map { rowStrides[$0] * strides[$0] },
            destinationStrides: StridedCopyKernels.rowMajorStrides(of: counts))
        StridedCopyKernels.copy(box, from: storage.base + offset, to: result.storage.base)
        guard let tape = recordingTape else { return result }
        let shape = self.shape
        return tape.record("slice", operands: [self], output: result) { g in
            [g.embedded(inShape: shape, at: starts, strides: strides, filling: 0, op: "slice_gradient")]
        }
    }

    /// A tensor of `shape` filled with `value`, with `self` written into it at the
    /// positions `starts[k] + i·strides[k]` (the inverse placement of `stridedSlice`);
    /// recorded as `op`, and its pullback is that slice.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func embedded(inShape shape: [Int], at starts: [Int], strides: [Int], filling value: Scalar, op: String) -> Tensor {
        if shape == self.shape { return self }
        let result = Tensor(repeating: value, shape: shape)
        let rowStrides = StridedCopyKernels.rowMajorStrides(of: shape)
        var offset = 0
        for axis in 0..<rank { offset += starts[axis] * rowStrides[axis] }
        let box = StridedCopyKernels.Box(
            extents: self.shape, sourceStrides: StridedCopyKernels.rowMajorStrides(of: self.shape),
            destinationStrides: (0..<rank).map { rowStrides[$0] * strides[$0] })
        StridedCopyKernels.copy(box, from: storage.base, to: result.storage.base + offset)
        guard let tape = recordingTape else { return result }
        let counts = self.shape
        return tape.record(op, operands: [self], output: result) { g in
            [g.stridedSlice(starts: starts, counts: counts, strides: strides)]
        }
    }
}
