// Losses fused for speed and numerical stability; each is still gradient-checked.

extension Tensor {
    /// The mean over the batch of the cross-entropy between `softmax(logits)` and integer
    /// class labels, fused and stable (`logsumexp − logit[label]`), as
    /// `tf.nn.sparse_softmax_cross_entropy_with_logits` followed by a mean.
    ///
    /// - Parameters:
    ///   - logits: unnormalised scores of shape `[batch, classes]`.
    ///   - labels: one class index in `0..<classes` per row.
    /// - Precondition: one label per row, each in range.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sparseSoftmaxCrossEntropy(logits: Tensor, labels: [Int32]) -> Tensor {
        precondition(logits.rank == 2, "sparse_softmax_cross_entropy: logits must be [batch, classes], got shape \(logits.shape)")
        precondition(labels.count == logits.shape[0],
                     "sparse_softmax_cross_entropy: \(labels.count) labels for logits of shape \(logits.shape)")
        let classes = logits.shape[1]
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && Int(label) < classes,
                         "sparse_softmax_cross_entropy: label \(label) of row \(row) is outside 0..<\(classes)")
        }
        let (loss, probabilities) = labels.withUnsafeBufferPointer {
            SoftmaxKernels.sparseCrossEntropy(logits: logits, labels: $0)
        }
        let result = Tensor(loss)
        guard let tape = logits.recordingTape else { return result }
        return tape.record("sparse_softmax_cross_entropy", operands: [logits], output: result) { g in
            [labels.withUnsafeBufferPointer {
                SoftmaxKernels.sparseCrossEntropyPullback(probabilities: probabilities, labels: $0, cotangent: g.scalar)
            }]
        }
    }
}
