/// How a reduction combines the scalars along an axis.
enum ReductionOperator {
    case sum, max
}

/// Reductions over a whole tensor or along one axis, viewing the shape as
/// `[outer, axis, inner]` so the innermost loop runs over contiguous scalars.
enum ReductionKernels {
    /// The sizes before, along and after `axis`.
    static func split(_ shape: [Int], axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func reduce<Scalar: TensorScalar>(
        _ op: ReductionOperator, _ x: Tensor<Scalar>, axis: Int, keepingDimension: Bool
    ) -> Tensor<Scalar> {
        let (outer, size, inner) = split(x.shape, axis: axis)
        var shape = x.shape
        if keepingDimension { shape[axis] = 1 } else { shape.remove(at: axis) }
        let result = Tensor<Scalar>(uninitializedShape: shape)
        let input = UnsafePointer(x.storage.base), output = result.storage.base
        for o in 0..<outer {
            let out = output + o * inner
            let base = input + o * size * inner
            switch op {
            case .sum:
                out.initialize(repeating: 0, count: inner)
                for a in 0..<size {
                    let row = base + a * inner
                    for i in 0..<inner { out[i] += row[i] }
                }
            case .max:
                precondition(size > 0, "max: reducing an empty axis of shape \(x.shape)")
                out.initialize(from: base, count: inner)
                for a in 1..<Swift.max(size, 1) {
                    let row = base + a * inner
                    for i in 0..<inner where row[i] > out[i] || row[i].isNaN { out[i] = row[i] }
                }
            }
        }
        return result
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func sum<Scalar: TensorScalar>(_ x: UnsafeBufferPointer<Scalar>) -> Scalar {
        // Four running sums: vectorises and loses less precision than one.
        var s0: Scalar = 0, s1: Scalar = 0, s2: Scalar = 0, s3: Scalar = 0
        var i = 0
        while i + 4 <= x.count {
            s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
            i += 4
        }
        while i < x.count { s0 += x[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// The index of the largest scalar along `axis` (the first one on ties), per position of
    /// the other axes.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func argmax<Scalar: TensorScalar>(_ x: Tensor<Scalar>, axis: Int) -> [Int] {
        let (outer, size, inner) = split(x.shape, axis: axis)
        precondition(size > 0, "argmax: reducing an empty axis of shape \(x.shape)")
        var result = [Int](repeating: 0, count: outer * inner)
        let input = UnsafePointer(x.storage.base)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = input[o * size * inner + i], bestIndex = 0
                for a in 1..<Swift.max(size, 1) {
                    let value = input[(o * size + a) * inner + i]
                    if value > best { best = value; bestIndex = a }
                }
                result[o * inner + i] = bestIndex
            }
        }
        return result
    }
}
