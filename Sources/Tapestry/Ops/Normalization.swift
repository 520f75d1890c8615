// Batch normalisation over every axis but the last (the channels of NHWC images, the
// features of a [batch, features] matrix), composed from recorded ops, so it is
// differentiable to any order.

extension Tensor where Scalar: TensorScalar {
    /// Normalises with the batch's own statistics, as batch normalisation does while
    /// training: per channel (the last axis), `(x − mean) / √(variance + ε) · scale +
    /// offset`, where mean and (biased) variance are taken over all other axes. Returns the
    /// normalised tensor and the statistics (for moving averages); all three are
    /// differentiable.
    ///
    /// ```swift
    /// let x = Tensor<Float>(randomNormal: [32, 13, 13, 16], using: &generator)
    /// let (y, mean, variance) = x.batchNormalized(scale: Tensor(ones: [16]), offset: Tensor(zeros: [16]))
    /// // y has mean ≈ 0 and variance ≈ 1 per channel; mean and variance are [16]
    /// ```
    ///
    /// - Precondition: rank ≥ 1 and `[channels]` scale and offset.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func batchNormalized(
        scale: Tensor, offset: Tensor, epsilon: Scalar = 1e-3
    ) -> (normalized: Tensor, mean: Tensor, variance: Tensor) {
        let channels = checkedChannels(scale: scale, offset: offset, op: "batch_norm")
        let rows = reshaped(to: [scalarCount / Swift.max(channels, 1), channels])
        let mean = rows.mean(alongAxis: 0)
        let centered = rows - mean
        let variance = centered.squared().mean(alongAxis: 0)
        let normalized = centered / (variance + epsilon).sqrt() * scale + offset
        return (normalized.reshaped(to: shape), mean, variance)
    }

    /// Normalises with given statistics, as batch normalisation does in inference: per
    /// channel (the last axis), `(x − mean) / √(variance + ε) · scale + offset`.
    /// Differentiable in every operand.
    ///
    /// - Precondition: rank ≥ 1 and `[channels]` statistics, scale and offset.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func normalized(
        mean: Tensor, variance: Tensor, scale: Tensor, offset: Tensor, epsilon: Scalar = 1e-3
    ) -> Tensor {
        let channels = checkedChannels(scale: scale, offset: offset, op: "batch_norm")
        precondition(mean.shape == [channels] && variance.shape == [channels],
                     "batch_norm: mean shape \(mean.shape) and variance shape \(variance.shape) do not match input shape \(shape); expected [\(channels)]")
        return (self - mean) / (variance + epsilon).sqrt() * scale + offset
    }

    /// The channel count (last dimension), checked against scale and offset.
    private func checkedChannels(scale: Tensor, offset: Tensor, op: String) -> Int {
        precondition(rank >= 1, "\(op): needs a channel axis, got shape \(shape)")
        let channels = shape[rank - 1]
        precondition(scale.shape == [channels] && offset.shape == [channels],
                     "\(op): scale shape \(scale.shape) and offset shape \(offset.shape) do not match input shape \(shape); expected [\(channels)]")
        return channels
    }
}
