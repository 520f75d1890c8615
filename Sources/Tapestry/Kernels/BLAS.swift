#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Settings of the BLAS library behind matrix products.
///
/// A product runs on one thread below `parallelThreshold` multiply-adds and on
/// `maximumThreads` above it. The default, 32M, threads only products as large as a
/// whole inference batch's (the Fashion MLP's 1,000 × 784 × 64): after a threaded product
/// OpenBLAS's worker spins in `sched_yield` for a while, and beside the convolutions'
/// own per-core parts (`BatchParts`) that spinning cost ~20% of a CNN training run's
/// samples. Measured on the idle 2-core machine, alternating `fashion` runs: at 1M (the
/// batch-32 steps' 32 × 784 × 64 and 32 × 1600 × 64 products threaded) the MLP's planned
/// step took 174–437 µs and a CNN epoch 13 s; at 32M, 145–157 µs and 11 s. (For the taped
/// step of last round, threading those products had helped: 199–212 against 232–254 µs.)
public enum BLAS {
    #if canImport(Accelerate)
    typealias Index = Int32
    #else
    typealias Index = blasint
    #endif

    /// Products with at least this many multiply-adds (`m·n·k`) may use several threads.
    nonisolated(unsafe) public static var parallelThreshold = 32_000_000

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
