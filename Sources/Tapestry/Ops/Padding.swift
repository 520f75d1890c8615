// Constant padding; its pullback is the slice that cuts the padding off again.

extension Tensor where Scalar: TensorScalar {
    /// The tensor surrounded by `value`: `padding[k].before` positions ahead of axis `k`
    /// and `padding[k].after` behind it, one pair per axis. Differentiable (the padding
    /// itself is constant).
    ///
    /// ```swift
    /// Tensor<Float>([[1, 2]]).padded(with: [(before: 1, after: 0), (before: 0, after: 2)])
    /// // [[0, 0, 0, 0], [1, 2, 0, 0]]
    /// ```
    ///
    /// - Precondition: one non-negative pair per axis.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func padded(with padding: [(before: Int, after: Int)], value: Scalar = 0) -> Tensor {
        precondition(padding.count == rank && padding.allSatisfy { $0.before >= 0 && $0.after >= 0 },
                     "pad: padding \(padding.map { [$0.before, $0.after] }) does not fit shape \(shape)")
        let paddedShape = zip(shape, padding).map { $0 + $1.before + $1.after }
        return embedded(inShape: paddedShape, at: padding.map(\.before),
                        strides: [Int](repeating: 1, count: rank), filling: value, op: "pad")
    }
}
