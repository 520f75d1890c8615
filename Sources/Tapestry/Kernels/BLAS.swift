#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Settings of the BLAS library behind matrix products.
///
/// A product runs on one thread below `parallelThreshold` multiply-adds and on
/// `maximumThreads` above it. Measured on this project's idle 2-core machine (a Fashion MLP
/// training step, 2,000 steps, alternating runs): with the threshold at 8M (only the
/// 10000 × 784 × 64 test-set product threaded) 232-254 µs/step; at 1M (the step's two
/// 32 × 784 × 64 products threaded too) 199-212 µs/step. Below ~1M, waking the second
/// thread costs more than it saves.
public enum BLAS {
    #if canImport(Accelerate)
    typealias Index = Int32
    #else
    typealias Index = blasint
    #endif

    /// Products with at least this many multiply-adds (`m·n·k`) may use several threads.
    nonisolated(unsafe) public static var parallelThreshold = 1_000_000

    /// The most threads a large product may use; defaults to the machine's core count.
    nonisolated(unsafe) public static var maximumThreads: Int = {
        #if canImport(Accelerate)
        return 1
        #else
        return Int(openblas_get_num_procs())
        #endif
    }()

    nonisolated(unsafe) private static var currentThreads = -1

    /// Chooses the thread count for a product of the given size before it runs.
    @inline(__always)
    static func prepareThreads(m: Int, n: Int, k: Int) {
        #if !canImport(Accelerate)
        let wanted = m * n * k >= parallelThreshold ? maximumThreads : 1
        if wanted != currentThreads {
            openblas_set_num_threads(Int32(wanted))
            currentThreads = wanted
        }
        #endif
    }
}
