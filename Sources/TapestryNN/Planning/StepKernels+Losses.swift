import Tapestry

// The planned losses' value and gradient in one pass over the predictions, in the tape's
// arithmetic (Tapestry's fused sparse softmax cross-entropy, log-softmax, clip and mean).

extension StepKernels {
    /// The batch mean of `loss` over `rows` predictions of `width` scalars each, with its
    /// gradient with respect to the predictions written to `gradient`.
    static func loss<Scalar: TensorScalar>(
        _ loss: PlannedLoss, predictions: UnsafePointer<Scalar>, labels: UnsafePointer<Int32>, values: UnsafePointer<Scalar>,
        rows: Int, width: Int, gradient: UnsafeMutablePointer<Scalar>
    ) -> Scalar {
        let (p, v, g) = (UnsafeRawPointer(predictions), UnsafeRawPointer(values), UnsafeMutableRawPointer(gradient))
        if Scalar.self == Float.self {
            let value = lossLoop(loss, p.assumingMemoryBound(to: Float.self), labels, v.assumingMemoryBound(to: Float.self),
                                 rows, width, g.assumingMemoryBound(to: Float.self))
            return unsafeBitCast(value, to: Scalar.self)
        } else if Scalar.self == Double.self {
            let value = lossLoop(loss, p.assumingMemoryBound(to: Double.self), labels, v.assumingMemoryBound(to: Double.self),
                                 rows, width, g.assumingMemoryBound(to: Double.self))
            return unsafeBitCast(value, to: Scalar.self)
        }
        return lossLoop(loss, predictions, labels, values, rows, width, gradient)
    }

    private static func lossLoop<T: TensorScalar>(
        _ loss: PlannedLoss, _ x: UnsafePointer<T>, _ labels: UnsafePointer<Int32>, _ t: UnsafePointer<T>,
        _ rows: Int, _ width: Int, _ g: UnsafeMutablePointer<T>
    ) -> T {
        guard rows > 0 else { return 0 }
        switch loss {
        case .sparseSoftmaxCrossEntropy: return sparseSoftmaxCrossEntropy(x, labels, rows, width, g)
        case .softmaxCrossEntropy: return softmaxCrossEntropy(x, t, rows, width, g)
        case .sparseCrossEntropy: return crossEntropy(x, labels: labels, nil, rows, width, g)
        case .crossEntropy: return crossEntropy(x, labels: nil, t, rows, width, g)
        case .meanSquaredError: return meanSquaredError(x, t, rows * width, g)
        }
    }

    /// `mean(logsumexp(row) − row[label])`, gradient `(softmax − onehot) / rows`.
    private static func sparseSoftmaxCrossEntropy<T: TensorScalar>(
        _ x: UnsafePointer<T>, _ labels: UnsafePointer<Int32>, _ rows: Int, _ width: Int, _ g: UnsafeMutablePointer<T>
    ) -> T {
        var total: T = 0
        let scale = 1 / T(rows)
        for row in 0..<rows {
            let input = x + row * width, output = g + row * width
            let maximum = rowMaximum(input, width)
            var sum: T = 0
            for j in 0..<width {
                let e = T.exp(input[j] - maximum)
                output[j] = e
                sum += e
            }
            let normaliser = 1 / sum
            for j in 0..<width { output[j] = output[j] * normaliser * scale }
            let label = Int(labels[row])
            total += maximum + T.log(sum) - input[label]
            output[label] -= scale
        }
        return total / T(rows)
    }

    /// `mean(−Σ t · logsoftmax(row))`, gradient `(softmax · Σt − t) / rows`.
    private static func softmaxCrossEntropy<T: TensorScalar>(
        _ x: UnsafePointer<T>, _ t: UnsafePointer<T>, _ rows: Int, _ width: Int, _ g: UnsafeMutablePointer<T>
    ) -> T {
        var total: T = 0
        let scale = 1 / T(rows)
        for row in 0..<rows {
            let input = x + row * width, target = t + row * width, output = g + row * width
            let maximum = rowMaximum(input, width)
            var sum: T = 0
            for j in 0..<width { sum += T.exp(input[j] - maximum) }
            let logSum = maximum + T.log(sum)
            var rowLoss: T = 0, targetSum: T = 0
            for j in 0..<width {
                let logProbability = input[j] - logSum
                rowLoss += target[j] * logProbability
                targetSum += target[j]
                output[j] = logProbability
            }
            total -= rowLoss
            for j in 0..<width { output[j] = (T.exp(output[j]) * targetSum - target[j]) * scale }
        }
        return total / T(rows)
    }

    /// `mean(−Σ t · log(clip(p, 1e-7, 1 − 1e-7)))` against one-hot labels or target rows;
    /// the clip passes gradient only inside its range, as the tape's.
    private static func crossEntropy<T: TensorScalar>(
        _ p: UnsafePointer<T>, labels: UnsafePointer<Int32>?, _ t: UnsafePointer<T>?, _ rows: Int, _ width: Int,
        _ g: UnsafeMutablePointer<T>
    ) -> T {
        let (lower, upper) = (T(1e-7), 1 - T(1e-7))
        var total: T = 0
        let scale = 1 / T(rows)
        for row in 0..<rows {
            let input = p + row * width, output = g + row * width
            var rowLoss: T = 0
            for j in 0..<width {
                let target: T = if let labels { Int(labels[row]) == j ? 1 : 0 } else { t.map { $0[row * width + j] } ?? 0 }
                let value = input[j]
                let clipped = Swift.min(Swift.max(value, lower), upper)
                rowLoss += target * T.log(clipped)
                output[j] = value >= lower && value <= upper ? -(target * scale) / clipped : 0
            }
            total -= rowLoss
        }
        return total / T(rows)
    }

    /// `mean((p − t)²)` over all `count` scalars, gradient `2 (p − t) / count`.
    private static func meanSquaredError<T: TensorScalar>(
        _ p: UnsafePointer<T>, _ t: UnsafePointer<T>, _ count: Int, _ g: UnsafeMutablePointer<T>
    ) -> T {
        var total: T = 0
        let scale = 1 / T(count)
        for i in 0..<count {
            let difference = p[i] - t[i]
            total += difference * difference
            g[i] = 2 * difference * scale
        }
        return total / T(count)
    }

    @inline(__always)
    private static func rowMaximum<T: TensorScalar>(_ row: UnsafePointer<T>, _ width: Int) -> T {
        var maximum = -T.infinity
        for j in 0..<width where row[j] > maximum { maximum = row[j] }
        return maximum.isFinite ? maximum : 0
    }

    /// The number of the `rows` rows whose highest entry (first on ties) is at their
    /// label, or at the highest entry of their target row when `labels` is `nil`.
    static func correctPredictions<Scalar: TensorScalar>(
        _ predictions: UnsafePointer<Scalar>, labels: UnsafePointer<Int32>?, values: UnsafePointer<Scalar>?, rows: Int, width: Int
    ) -> Int {
        let (p, v) = (UnsafeRawPointer(predictions), values.map { UnsafeRawPointer($0) })
        if Scalar.self == Float.self {
            return correctLoop(p.assumingMemoryBound(to: Float.self), labels, v?.assumingMemoryBound(to: Float.self), rows, width)
        } else if Scalar.self == Double.self {
            return correctLoop(p.assumingMemoryBound(to: Double.self), labels, v?.assumingMemoryBound(to: Double.self), rows, width)
        }
        return correctLoop(predictions, labels, values, rows, width)
    }

    private static func correctLoop<T: TensorScalar>(
        _ predictions: UnsafePointer<T>, _ labels: UnsafePointer<Int32>?, _ values: UnsafePointer<T>?, _ rows: Int, _ width: Int
    ) -> Int {
        var correct = 0
        for row in 0..<rows {
            let expected = labels.map { Int($0[row]) } ?? values.map { argmax($0 + row * width, width) } ?? -1
            if argmax(predictions + row * width, width) == expected { correct += 1 }
        }
        return correct
    }

    @inline(__always)
    private static func argmax<T: TensorScalar>(_ row: UnsafePointer<T>, _ width: Int) -> Int {
        var best = row[0], bestIndex = 0
        for j in 1..<Swift.max(width, 1) where row[j] > best {
            best = row[j]
            bestIndex = j
        }
        return bestIndex
    }
}

/// A loss whose value and gradient a planned step computes in one pass.
enum PlannedLoss: Sendable {
    /// Softmax cross-entropy of logits against labels.
    case sparseSoftmaxCrossEntropy
    /// Softmax cross-entropy of logits against target rows.
    case softmaxCrossEntropy
    /// Cross-entropy of probabilities against labels.
    case sparseCrossEntropy
    /// Cross-entropy of probabilities against target rows.
    case crossEntropy
    /// The mean squared difference from target values.
    case meanSquaredError

    /// Whether the targets are labels (else values of the outputs' shape).
    var takesLabels: Bool {
        switch self {
        case .sparseSoftmaxCrossEntropy, .sparseCrossEntropy: true
        case .softmaxCrossEntropy, .crossEntropy, .meanSquaredError: false
        }
    }
}

/// A loss a planned training step can compute without the tape.
protocol PlannableLoss: Loss {
    /// How to compute it, or `nil` for a configuration the plan does not cover.
    var plannedLoss: PlannedLoss? { get }
}
