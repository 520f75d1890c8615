import Tapestry

// The loops of a planned training step, on raw buffers (no tensors, no allocation).
//
// Each entry point checks the scalar type once and runs its loop with `Float` or `Double`
// spelled out, so the compiler emits a specialised, vectorised loop (see `OptimizerKernels`);
// the arithmetic is the tape's (Tapestry's element-wise, reduction and softmax kernels), so
// a planned step computes what the tape computes.

/// Kernels of planned steps over row-major buffers.
enum StepKernels {
    /// Copies `count` scalars (a `memcpy`).
    @inline(__always)
    static func copy<Scalar>(_ source: UnsafePointer<Scalar>, to destination: UnsafeMutablePointer<Scalar>, count: Int) {
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * MemoryLayout<Scalar>.stride)
    }

    /// Sets `count` scalars to zero.
    @inline(__always)
    static func zero<Scalar>(_ destination: UnsafeMutablePointer<Scalar>, count: Int) {
        UnsafeMutableRawPointer(destination).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
    }

    /// Every one of `rows` rows of `output` set to the `width` scalars of `row`.
    static func fillRows<Scalar>(_ output: UnsafeMutablePointer<Scalar>, with row: UnsafePointer<Scalar>, rows: Int, width: Int) {
        for r in 0..<rows { copy(row, to: output + r * width, count: width) }
    }

    /// `y = max(x, 0)` (ReLU's forward; NaN stays NaN, as the tape's relu).
    ///
    /// Out of place on purpose: in place, `x[i] = x[i] < 0 ? 0 : x[i]` compiled to a
    /// conditional store and a branch per element, mispredicted half the time (perf: ~12% of
    /// a planned step); writing another buffer it is a vectorised compare and blend.
    static func relu<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, count: Int) {
        let (rx, ry) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(y))
        if Scalar.self == Float.self {
            reluLoop(rx.assumingMemoryBound(to: Float.self), ry.assumingMemoryBound(to: Float.self), count)
        } else if Scalar.self == Double.self {
            reluLoop(rx.assumingMemoryBound(to: Double.self), ry.assumingMemoryBound(to: Double.self), count)
        } else {
            reluLoop(x, y, count)
        }
    }

    private static func reluLoop<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int) {
        for i in 0..<count { y[i] = x[i] < 0 ? 0 : x[i] }
    }

    /// `dx = y > 0 ? g : 0`: ReLU's pullback from its output `y` (`y > 0` exactly where the
    /// input was), into another buffer for the same reason as `relu(_:into:count:)`.
    static func reluGradient<Scalar: TensorScalar>(
        _ g: UnsafePointer<Scalar>, output y: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        let (rg, ry, rd) = (UnsafeRawPointer(g), UnsafeRawPointer(y), UnsafeMutableRawPointer(dx))
        if Scalar.self == Float.self {
            reluGradientLoop(rg.assumingMemoryBound(to: Float.self), ry.assumingMemoryBound(to: Float.self),
                             rd.assumingMemoryBound(to: Float.self), count)
        } else if Scalar.self == Double.self {
            reluGradientLoop(rg.assumingMemoryBound(to: Double.self), ry.assumingMemoryBound(to: Double.self),
                             rd.assumingMemoryBound(to: Double.self), count)
        } else {
            reluGradientLoop(g, y, dx, count)
        }
    }

    private static func reluGradientLoop<T: TensorScalar>(
        _ g: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ count: Int
    ) {
        for i in 0..<count {
            // Both loads first: a load only under the condition became a branch per element.
            let (cotangent, output) = (g[i], y[i])
            dx[i] = output > 0 ? cotangent : 0
        }
    }

    /// Each of `rows` rows of `width` scalars replaced by its softmax, in place.
    static func softmax<Scalar: TensorScalar>(_ x: UnsafeMutablePointer<Scalar>, rows: Int, width: Int) {
        let raw = UnsafeMutableRawPointer(x)
        if Scalar.self == Float.self { softmaxLoop(raw.assumingMemoryBound(to: Float.self), rows, width) }
        else if Scalar.self == Double.self { softmaxLoop(raw.assumingMemoryBound(to: Double.self), rows, width) }
        else { softmaxLoop(x, rows, width) }
    }

    private static func softmaxLoop<T: TensorScalar>(_ x: UnsafeMutablePointer<T>, _ rows: Int, _ width: Int) {
        for row in 0..<rows {
            let values = x + row * width
            var maximum = -T.infinity
            for j in 0..<width where values[j] > maximum { maximum = values[j] }
            if !maximum.isFinite { maximum = 0 }
            var total: T = 0
            for j in 0..<width {
                let e = T.exp(values[j] - maximum)
                values[j] = e
                total += e
            }
            let scale = 1 / total
            for j in 0..<width { values[j] *= scale }
        }
    }

    /// `g ← y · (g − Σⱼ gⱼ yⱼ)` row by row in place: softmax's pullback from its output `y`.
    static func softmaxGradient<Scalar: TensorScalar>(_ g: UnsafeMutablePointer<Scalar>, output y: UnsafePointer<Scalar>, rows: Int, width: Int) {
        let (rg, ry) = (UnsafeMutableRawPointer(g), UnsafeRawPointer(y))
        if Scalar.self == Float.self {
            softmaxGradientLoop(rg.assumingMemoryBound(to: Float.self), ry.assumingMemoryBound(to: Float.self), rows, width)
        } else if Scalar.self == Double.self {
            softmaxGradientLoop(rg.assumingMemoryBound(to: Double.self), ry.assumingMemoryBound(to: Double.self), rows, width)
        } else {
            softmaxGradientLoop(g, y, rows, width)
        }
    }

    private static func softmaxGradientLoop<T: TensorScalar>(_ g: UnsafeMutablePointer<T>, _ y: UnsafePointer<T>, _ rows: Int, _ width: Int) {
        for row in 0..<rows {
            let cotangent = g + row * width, output = y + row * width
            var dot: T = 0
            for j in 0..<width { dot += cotangent[j] * output[j] }
            for j in 0..<width { cotangent[j] = output[j] * (cotangent[j] - dot) }
        }
    }

    /// The sum of each column of a `rows × width` matrix into `output` (`width` scalars),
    /// row after row as Tapestry's axis-0 sum adds them.
    static func columnSums<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, rows: Int, width: Int, into output: UnsafeMutablePointer<Scalar>) {
        let (rx, ro) = (UnsafeRawPointer(x), UnsafeMutableRawPointer(output))
        if Scalar.self == Float.self {
            columnSumsLoop(rx.assumingMemoryBound(to: Float.self), rows, width, ro.assumingMemoryBound(to: Float.self))
        } else if Scalar.self == Double.self {
            columnSumsLoop(rx.assumingMemoryBound(to: Double.self), rows, width, ro.assumingMemoryBound(to: Double.self))
        } else {
            columnSumsLoop(x, rows, width, output)
        }
    }

    private static func columnSumsLoop<T: TensorScalar>(_ x: UnsafePointer<T>, _ rows: Int, _ width: Int, _ output: UnsafeMutablePointer<T>) {
        for j in 0..<width { output[j] = 0 }
        for r in 0..<rows {
            let row = x + r * width
            for j in 0..<width { output[j] += row[j] }
        }
    }

    /// `C = op(A) · op(B)` (or `+= ` with `accumulating`) for row-major matrices through
    /// BLAS, `op(A)` being `m × k` and `op(B)` `k × n`; the leading dimensions (row strides
    /// as stored) default to the matrices' own widths, and are given for blocks of larger ones.
    @inline(__always)
    static func gemm<Scalar: TensorScalar>(
        _ a: UnsafePointer<Scalar>, transposingA: Bool = false, _ b: UnsafePointer<Scalar>, transposingB: Bool = false,
        into c: UnsafeMutablePointer<Scalar>, m: Int, n: Int, k: Int, accumulating: Bool = false,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if !accumulating { zero(c, count: m * n) }
            return
        }
        Scalar.gemm(transposeA: transposingA, transposeB: transposingB, m: m, n: n, k: k,
                    alpha: 1, a: a, lda: lda ?? (transposingA ? m : k), b: b, ldb: ldb ?? (transposingB ? k : n),
                    beta: accumulating ? 1 : 0, c: c, ldc: ldc ?? n)
    }

    /// `y += x₁ + x₂ + …`: each of `addends` (`count` scalars apart, one after another
    /// from `first`) added to `y` in order.
    static func add<Scalar: TensorScalar>(_ addends: Int, from first: UnsafePointer<Scalar>, to y: UnsafeMutablePointer<Scalar>, count: Int) {
        let (rx, ry) = (UnsafeRawPointer(first), UnsafeMutableRawPointer(y))
        if Scalar.self == Float.self {
            addLoop(addends, rx.assumingMemoryBound(to: Float.self), ry.assumingMemoryBound(to: Float.self), count)
        } else if Scalar.self == Double.self {
            addLoop(addends, rx.assumingMemoryBound(to: Double.self), ry.assumingMemoryBound(to: Double.self), count)
        } else {
            addLoop(addends, first, y, count)
        }
    }

    private static func addLoop<T: TensorScalar>(_ addends: Int, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int) {
        for addend in 0..<addends {
            let source = x + addend * count
            for i in 0..<count { y[i] += source[i] }
        }
    }
}
