/// Row-wise softmax kernels over the last axis, and the fused softmax cross-entropy.
enum SoftmaxKernels {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func softmax<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(uninitializedShape: x.shape)
        let width = x.shape.last ?? 1
        forEachRow(of: x) { row, input in
            let output = result.storage.base + row * width
            let maximum = rowMaximum(input, width)
            var total: Scalar = 0
            for j in 0..<width {
                let e = Scalar.exp(input[j] - maximum)
                output[j] = e
                total += e
            }
            let scale = 1 / total
            for j in 0..<width { output[j] *= scale }
        }
        return result
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func logSoftmax<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(uninitializedShape: x.shape)
        let width = x.shape.last ?? 1
        forEachRow(of: x) { row, input in
            let output = result.storage.base + row * width
            let logSum = logSumExp(input, width)
            for j in 0..<width { output[j] = input[j] - logSum }
        }
        return result
    }

    /// Softmax's vector–Jacobian product from its output `y`: `y · (g − Σⱼ gⱼ yⱼ)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func softmaxPullback<Scalar: TensorScalar>(cotangent g: Tensor<Scalar>, output y: Tensor<Scalar>) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(uninitializedShape: y.shape)
        let width = y.shape.last ?? 1
        forEachRow(of: y) { row, output in
            let cotangent = g.storage.base + row * width, dx = result.storage.base + row * width
            var dot: Scalar = 0
            for j in 0..<width { dot += cotangent[j] * output[j] }
            for j in 0..<width { dx[j] = output[j] * (cotangent[j] - dot) }
        }
        return result
    }

    /// Log-softmax's vector–Jacobian product from its output: `g − softmax · Σⱼ gⱼ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func logSoftmaxPullback<Scalar: TensorScalar>(cotangent g: Tensor<Scalar>, output y: Tensor<Scalar>) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(uninitializedShape: y.shape)
        let width = y.shape.last ?? 1
        forEachRow(of: y) { row, output in
            let cotangent = g.storage.base + row * width, dx = result.storage.base + row * width
            var total: Scalar = 0
            for j in 0..<width { total += cotangent[j] }
            for j in 0..<width { dx[j] = cotangent[j] - Scalar.exp(output[j]) * total }
        }
        return result
    }

    /// The mean over rows of `logsumexp(row) − row[label]`, and the row-wise softmax
    /// probabilities the pullback needs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func sparseCrossEntropy<Scalar: TensorScalar>(
        logits: Tensor<Scalar>, labels: UnsafeBufferPointer<Int32>
    ) -> (loss: Scalar, probabilities: Tensor<Scalar>) {
        let width = logits.shape[1]
        let probabilities = Tensor<Scalar>(uninitializedShape: logits.shape)
        var total: Scalar = 0
        forEachRow(of: logits) { row, input in
            let output = probabilities.storage.base + row * width
            let maximum = rowMaximum(input, width)
            var sum: Scalar = 0
            for j in 0..<width {
                let e = Scalar.exp(input[j] - maximum)
                output[j] = e
                sum += e
            }
            let scale = 1 / sum
            for j in 0..<width { output[j] *= scale }
            total += maximum + Scalar.log(sum) - input[Int(labels[row])]
        }
        return (total / Scalar(logits.shape[0]), probabilities)
    }

    /// The cross-entropy's gradient with respect to the logits: `(p − onehot) · g / rows`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func sparseCrossEntropyPullback<Scalar: TensorScalar>(
        probabilities: Tensor<Scalar>, labels: UnsafeBufferPointer<Int32>, cotangent: Scalar
    ) -> Tensor<Scalar> {
        let rows = probabilities.shape[0], width = probabilities.shape[1]
        let result = Tensor<Scalar>(uninitializedShape: probabilities.shape)
        let scale = cotangent / Scalar(rows)
        let p = UnsafePointer(probabilities.storage.base), dx = result.storage.base
        for i in 0..<(rows * width) { dx[i] = p[i] * scale }
        for row in 0..<rows { dx[row * width + Int(labels[row])] -= scale }
        return result
    }

    @inline(__always)
    private static func forEachRow<Scalar>(of x: Tensor<Scalar>, _ body: (Int, UnsafePointer<Scalar>) -> Void) {
        let width = x.shape.last ?? 1
        let rows = width == 0 ? 0 : x.scalarCount / width
        for row in 0..<rows { body(row, x.storage.base + row * width) }
    }

    @inline(__always)
    private static func rowMaximum<Scalar: TensorScalar>(_ row: UnsafePointer<Scalar>, _ width: Int) -> Scalar {
        var maximum = -Scalar.infinity
        for j in 0..<width where row[j] > maximum { maximum = row[j] }
        return maximum.isFinite ? maximum : 0
    }

    @inline(__always)
    private static func logSumExp<Scalar: TensorScalar>(_ row: UnsafePointer<Scalar>, _ width: Int) -> Scalar {
        let maximum = rowMaximum(row, width)
        var sum: Scalar = 0
        for j in 0..<width { sum += Scalar.exp(row[j] - maximum) }
        return maximum + Scalar.log(sum)
    }
}
