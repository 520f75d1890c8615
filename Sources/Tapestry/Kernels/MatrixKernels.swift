/// Matrix kernels: products go to BLAS with its transpose flags; transposes that must be
/// materialised are copied in cache-friendly tiles.
enum MatrixKernels {
    /// `op(a) · op(b)` for row-major matrices, where `op` transposes when asked.
    static func matmul<Scalar: TensorScalar>(
        _ a: Tensor<Scalar>, _ b: Tensor<Scalar>,
        transposingA transposeA: Bool = false, transposingB transposeB: Bool = false
    ) -> Tensor<Scalar> {
        let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
        let n = transposeB ? b.shape[0] : b.shape[1]
        let result = Tensor<Scalar>(uninitializedShape: [m, n])
        if k == 0 {
            result.storage.base.initialize(repeating: 0, count: m * n)
            return result
        }
        Scalar.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: 1, a: a.storage.base, lda: a.shape[1], b: b.storage.base, ldb: b.shape[1],
                    beta: 0, c: result.storage.base, ldc: n)
        return result
    }

    /// `a · b + bias`, the bias row added to every row: the output starts as copies of the
    /// bias and BLAS accumulates the product into it (beta = 1), so no separate pass.
    static func affine<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>, bias: Tensor<Scalar>) -> Tensor<Scalar> {
        let m = a.shape[0], k = a.shape[1], n = b.shape[1]
        let result = Tensor<Scalar>(uninitializedShape: [m, n])
        for row in 0..<m { (result.storage.base + row * n).initialize(from: bias.storage.base, count: n) }
        if k > 0 {
            Scalar.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k,
                        alpha: 1, a: a.storage.base, lda: k, b: b.storage.base, ldb: n,
                        beta: 1, c: result.storage.base, ldc: n)
        }
        return result
    }

    /// The transpose of a row-major `rows × columns` matrix.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transpose<Scalar: TensorElement>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let rows = x.shape[0], columns = x.shape[1]
        let result = Tensor<Scalar>(uninitializedShape: [columns, rows])
        let input = UnsafePointer(x.storage.base), output = result.storage.base
        let tile = 32
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: columns, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, columns) { output[c * rows + r] = input[r * columns + c] }
                }
            }
        }
        return result
    }

    /// A general axis permutation: `result.shape[i] == x.shape[permutation[i]]`.
    static func permute<Scalar: TensorElement>(_ x: Tensor<Scalar>, _ permutation: [Int]) -> Tensor<Scalar> {
        let shape = permutation.map { x.shape[$0] }
        let result = Tensor<Scalar>(uninitializedShape: shape)
        let sourceStrides = Broadcasting.strides(of: x.shape, broadcastTo: x.shape)
        let strides = permutation.map { x.shape[$0] == 1 ? 0 : sourceStrides[$0] }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for position in 0..<result.scalarCount {
            result.storage.base[position] = x.storage.base[offset]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
