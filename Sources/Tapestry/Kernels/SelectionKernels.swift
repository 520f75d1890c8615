/// How two scalars are compared into a mask.
enum Comparison {
    case greater, greaterOrEqual, less, lessOrEqual, equal, notEqual
}

/// Comparisons into `1`/`0` masks, and selection by a mask. Operands of different shapes
/// are broadcast first, so each loop below runs over one flat range.
enum SelectionKernels {
    /// `1` where `a[i] ⊙ b[i]` holds, else `0`, broadcasting.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func compare<Scalar: TensorScalar>(
        _ a: Tensor<Scalar>, _ comparison: Comparison, _ b: Tensor<Scalar>, name: String
    ) -> Tensor<Scalar> {
        let shape = Broadcasting.shape(a.shape, b.shape, op: name)
        let lhs = StridedCopyKernels.broadcast(a, to: shape), rhs = StridedCopyKernels.broadcast(b, to: shape)
        let result = Tensor<Scalar>(uninitializedShape: shape)
        let x = UnsafePointer(lhs.storage.base), y = UnsafePointer(rhs.storage.base)
        let output = result.storage.base
        @inline(__always) func fill(_ holds: (Scalar, Scalar) -> Bool) {
            for i in 0..<result.scalarCount { output[i] = holds(x[i], y[i]) ? 1 : 0 }
        }
        switch comparison {
        case .greater: fill { $0 > $1 }
        case .greaterOrEqual: fill { $0 >= $1 }
        case .less: fill { $0 < $1 }
        case .lessOrEqual: fill { $0 <= $1 }
        case .equal: fill { $0 == $1 }
        case .notEqual: fill { $0 != $1 }
        }
        return result
    }

    /// `a[i]` where `mask[i] ≠ 0`, else `b[i]`, all three broadcast to one shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func select<Scalar: TensorScalar>(
        _ a: Tensor<Scalar>, where mask: Tensor<Scalar>, otherwise b: Tensor<Scalar>, name: String
    ) -> Tensor<Scalar> {
        let shape = Broadcasting.shape(Broadcasting.shape(mask.shape, a.shape, op: name), b.shape, op: name)
        let m = StridedCopyKernels.broadcast(mask, to: shape)
        let x = StridedCopyKernels.broadcast(a, to: shape), y = StridedCopyKernels.broadcast(b, to: shape)
        let result = Tensor<Scalar>(uninitializedShape: shape)
        let chosen = UnsafePointer(m.storage.base)
        let first = UnsafePointer(x.storage.base), second = UnsafePointer(y.storage.base)
        let output = result.storage.base
        for i in 0..<result.scalarCount { output[i] = chosen[i] != 0 ? first[i] : second[i] }
        return result
    }
}
