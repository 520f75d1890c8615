// Inverted dropout: a seeded mask of zeros and 1 / (1 − rate), multiplied in, so the
// expected value is unchanged and inference needs no rescaling. The product records the
// pullback (the same mask times the cotangent).

extension Tensor where Scalar: TensorScalar {
    /// The tensor with each scalar zeroed with probability `rate` and the others scaled by
    /// `1 / (1 − rate)` (inverted dropout, as in Keras and PyTorch); the mask comes from
    /// `generator`, so the same seed drops the same scalars. Differentiable: the gradient
    /// is masked and scaled the same way.
    ///
    /// ```swift
    /// var generator = SeededRandomNumberGenerator(seed: 7)
    /// let dropped = Tensor<Float>(ones: [2, 4]).droppedOut(rate: 0.5, using: &generator)
    /// // each scalar 0 or 2
    /// ```
    ///
    /// - Precondition: `0 ≤ rate < 1`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func droppedOut(rate: Double, using generator: inout SeededRandomNumberGenerator) -> Tensor {
        precondition(rate >= 0 && rate < 1, "dropout: rate must be in [0, 1), got \(rate) (input shape \(shape))")
        if rate == 0 { return self }
        return self * Tensor.dropoutMask(shape: shape, rate: rate, using: &generator)
    }

    /// Zeros with probability `rate`, else `1 / (1 − rate)`.
    static func dropoutMask(shape: [Int], rate: Double, using generator: inout SeededRandomNumberGenerator) -> Tensor {
        let kept = Scalar(1 / (1 - rate))
        return Tensor(shape: shape) { mask in
            for i in mask.indices {
                mask[i] = generator.nextUnitInterval(as: Double.self) < rate ? 0 : kept
            }
        }
    }
}
