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

    static func sum<Scalar: TensorScalar>(_ x: UnsafeBufferPointer<Scalar>) -> Scalar {
        guard let base = x.baseAddress else { return 0 }
        if Scalar.self == Float.self { return unsafeBitCast(sum(Float.self, UnsafeRawPointer(base), x.count), to: Scalar.self) }
        if Scalar.self == Double.self { return unsafeBitCast(sum(Double.self, UnsafeRawPointer(base), x.count), to: Scalar.self) }
        return sum(Scalar.self, UnsafeRawPointer(base), x.count)
    }

    private static func sum<T: TensorScalar>(_: T.Type, _ base: UnsafeRawPointer, _ count: Int) -> T {
        let x = UnsafeBufferPointer(start: base.assumingMemoryBound(to: T.self), count: count)
        // Four running sums: vectorises and loses less precision than one.
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
        var i = 0
        while i + 4 <= x.count {
            s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
            i += 4
        }
        while i < x.count { s0 += x[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// The index of the largest scalar along `axis` (the first one on ties), per position of
    /// the other axes: shaped like `x` without `axis`.
    static func argmax<Scalar: TensorScalar>(_ x: Tensor<Scalar>, axis: Int) -> Tensor<Int32> {
        let (outer, size, inner) = split(x.shape, axis: axis)
        precondition(size > 0, "argmax: reducing an empty axis of shape \(x.shape)")
        precondition(size <= Int(Int32.max), "argmax: axis \(axis) of shape \(x.shape) is too long for Int32 indices")
        var shape = x.shape
        shape.remove(at: axis)
        let result = Tensor<Int32>(uninitializedShape: shape)
        // Spelled-out scalar types: this is called from generic code, where
        // `@_specialize` emitted no specialisation.
        let base = UnsafeRawPointer(x.storage.base), output = result.storage.base
        if Scalar.self == Float.self {
            argmax(Float.self, base, outer, size, inner, into: output)
        } else if Scalar.self == Double.self {
            argmax(Double.self, base, outer, size, inner, into: output)
        } else {
            argmax(Scalar.self, base, outer, size, inner, into: output)
        }
        return result
    }

    private static func argmax<T: TensorScalar>(
        _: T.Type, _ base: UnsafeRawPointer, _ outer: Int, _ size: Int, _ inner: Int, into result: UnsafeMutablePointer<Int32>
    ) {
        let input = base.assumingMemoryBound(to: T.self)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = input[o * size * inner + i], bestIndex = 0
                for a in 1..<Swift.max(size, 1) {
                    let value = input[(o * size + a) * inner + i]
                    if value > best { best = value; bestIndex = a }
                }
                result[o * inner + i] = Int32(truncatingIfNeeded: bestIndex)
            }
        }
    }
}

/// Converting class labels stored as scalars to integers.
enum LabelKernels {
    /// The scalars as `Int32` (same shape) when every one is a whole number in
    /// `0...Int32.max`, else `nil`.
    static func classIndices<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Int32>? {
        let result = Tensor<Int32>(uninitializedShape: x.shape)
        let (input, output) = (UnsafeRawPointer(x.storage.base), result.storage.base)
        let valid: Bool
        if Scalar.self == Float.self {
            valid = indices(Float.self, input, x.scalarCount, into: output)
        } else if Scalar.self == Double.self {
            valid = indices(Double.self, input, x.scalarCount, into: output)
        } else {
            valid = indices(Scalar.self, input, x.scalarCount, into: output)
        }
        return valid ? result : nil
    }

    private static func indices<T: TensorScalar>(_: T.Type, _ base: UnsafeRawPointer, _ count: Int, into output: UnsafeMutablePointer<Int32>) -> Bool {
        let scalars = base.assumingMemoryBound(to: T.self)
        var valid = true
        for i in 0..<count {
            let value = scalars[i]
            // Written so that NaN fails the check.
            guard value >= 0, value <= 2_147_483_647, value == value.rounded(.towardZero) else {
                valid = false
                output[i] = 0
                continue
            }
            output[i] = Int32(value)
        }
        return valid
    }

    /// The position of the first label outside `0..<classes`, if any: one pass, no message
    /// built unless one is found.
    static func firstLabel(outside classes: Int, in labels: UnsafeBufferPointer<Int32>) -> Int? {
        let bound = Int32(clamping: classes)
        for i in labels.indices where labels[i] < 0 || labels[i] >= bound { return i }
        return nil
    }
}
