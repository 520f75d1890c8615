import Dispatch
#if !canImport(Accelerate)
import CBLAS
#endif

/// A batch split by image into parts that run on their own threads, one per core: the
/// convolution and pooling kernels' parallelism.
///
/// Inside a part, BLAS runs on the calling thread (`ConvolutionKernels.gemm(onThisThread:…)`):
/// `run` holds OpenBLAS to one thread while the parts run and restores its thread count
/// after, so `BLAS`'s record of that count stays true.
enum BatchParts {
    /// The images of `part` out of `parts` (contiguous, as even as possible).
    static func images(ofPart part: Int, of parts: Int, batch: Int) -> Range<Int> {
        (part * batch / parts)..<((part + 1) * batch / parts)
    }

    /// Runs `body(part)` for each of `parts`: inline for one part, otherwise concurrently
    /// (the calling thread takes one). The parts must write disjoint memory.
    static func run(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { body(0); return }
        #if !canImport(Accelerate)
        let threads = openblas_get_num_threads()
        if threads != 1 { openblas_set_num_threads(1) }
        defer { if threads != 1 { openblas_set_num_threads(threads) } }
        #endif
        withoutActuallyEscaping(body) { body in
            let parallel = PartBody(run: body)
            DispatchQueue.concurrentPerform(iterations: parts) { parallel.run($0) }
        }
    }

    /// One part's work, handed to the threads of `concurrentPerform`.
    private struct PartBody: @unchecked Sendable {
        let run: (Int) -> Void
    }
}
