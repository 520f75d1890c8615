import RealModule

#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// A floating-point scalar type a `Tensor` can hold and differentiate: `Float` for
/// training, `Double` for gradient checks.
///
/// Besides the arithmetic of `BinaryFloatingPoint` and the elementary functions of
/// swift-numerics' `Real`, a scalar knows how to multiply matrices through BLAS.
public protocol TensorScalar: TensorElement, BinaryFloatingPoint, Real, SIMDScalar
where RawSignificand: FixedWidthInteger {
    /// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices, where `op` transposes
    /// when asked (BLAS's transpose flags, never a materialised transpose).
    ///
    /// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`; `lda`, `ldb`, `ldc` are the
    /// row strides of the matrices as stored.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: TensorScalar {
    /// `"F32"`.
    public static var dtypeName: String { "F32" }

    /// Single-precision GEMM through BLAS (`cblas_sgemm`).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLAS.prepareThreads(m: m, n: n, k: k)
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            BLAS.Index(m), BLAS.Index(n), BLAS.Index(k), alpha, a, BLAS.Index(lda),
            b, BLAS.Index(ldb), beta, c, BLAS.Index(ldc))
    }
}

extension Double: TensorScalar {
    /// `"F64"`.
    public static var dtypeName: String { "F64" }

    /// Double-precision GEMM through BLAS (`cblas_dgemm`).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLAS.prepareThreads(m: m, n: n, k: k)
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            BLAS.Index(m), BLAS.Index(n), BLAS.Index(k), alpha, a, BLAS.Index(lda),
            b, BLAS.Index(ldb), beta, c, BLAS.Index(ldc))
    }
}
