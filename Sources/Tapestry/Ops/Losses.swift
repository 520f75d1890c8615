// Losses fused for speed and numerical stability; each is still gradient-checked.

extension Tensor where Scalar: TensorScalar {
    /// The mean over the batch of the cross-entropy between `softmax(logits)` and integer
    /// class labels, fused and stable (`logsumexp − logit[label]`), as
    /// `tf.nn.sparse_softmax_cross_entropy_with_logits` followed by a mean.
    ///
    /// - Parameters:
    ///   - logits: unnormalised scores of shape `[batch, classes]`.
    ///   - labels: one class index in `0..<classes` per row, of shape `[batch]` (or
    ///     `[batch, 1]`).
    /// - Precondition: one label per row, each in range (checked once, in one pass).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sparseSoftmaxCrossEntropy(logits: Tensor, labels: Tensor<Int32>) -> Tensor {
        let op = "sparse_softmax_cross_entropy"
        precondition(logits.rank == 2, "\(op): logits must be [batch, classes], got shape \(logits.shape)")
        let batch = logits.shape[0], classes = logits.shape[1]
        precondition(labels.shape == [batch] || labels.shape == [batch, 1],
                     "\(op): labels of shape \(labels.shape) for logits of shape \(logits.shape); expected [\(batch)]")
        let (loss, probabilities) = labels.withUnsafeScalars { labels in
            if let row = LabelKernels.firstLabel(outside: classes, in: labels) {
                preconditionFailure("\(op): label \(labels[row]) of row \(row) is outside 0..<\(classes) (logits of shape \(logits.shape))")
            }
            return SoftmaxKernels.sparseCrossEntropy(logits: logits, labels: labels)
        }
        let result = Tensor(loss)
        guard let tape = logits.recordingTape else { return result }
        return tape.record(op, operands: [logits], output: result) { g, _ in
            if logits.recordingTape != nil {
                // Building a graph: (softmax(logits) − onehot(labels)) · g / batch, recorded.
                let targets = Tensor(oneHot: labels.reshaped(to: [batch]), depth: classes)
                return [(logits.softmax() - targets) * (g / Scalar(Swift.max(batch, 1)))]
            }
            return [labels.withUnsafeScalars {
                SoftmaxKernels.sparseCrossEntropyPullback(probabilities: probabilities, labels: $0, cotangent: g.scalar)
            }]
        }
    }

    /// `sparseSoftmaxCrossEntropy(logits:labels:)` with the labels as an array.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func sparseSoftmaxCrossEntropy(logits: Tensor, labels: [Int32]) -> Tensor {
        sparseSoftmaxCrossEntropy(logits: logits, labels: Tensor<Int32>(labels))
    }
}
