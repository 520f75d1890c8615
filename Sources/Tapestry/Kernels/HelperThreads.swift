import CKernels

/// Helper threads that run the parts of one computation at the same time as the calling
/// thread, for work too short for GCD: a helper waits for the next computation spinning
/// for a while (100 µs by default) before it sleeps, so handing it a part takes well under
/// a microsecond in a loop of training steps, where waking a sleeping thread takes several.
///
/// Parts are claimed by whichever thread is free, the caller included, so a helper that is
/// busy elsewhere or asleep delays nothing: the caller runs the parts left. One computation
/// runs at a time; a call made while another runs (from another thread, or from inside a
/// part) runs its parts on its own thread, in order.
///
/// ```swift
/// import Tapestry
///
/// var sums = [Double](repeating: 0, count: 2)
/// sums.withUnsafeMutableBufferPointer { sums in
///     HelperThreads.run(parts: 2) { part in
///         for i in stride(from: part, to: 1_000, by: 2) { sums[part] += Double(i) }
///     }
/// }
/// print(sums[0] + sums[1])   // 499500.0
/// ```
///
/// Tapestry's planned training steps split their largest products this way, and Adam its
/// largest updates, through `run(parts:of:wakingHelpers:)`, which allocates nothing.
public enum HelperThreads {
    /// The most threads a computation can use: 8 (the caller and 7 helpers).
    public static let maximumWidth = 8

    /// The threads a computation may use, the calling one included: by default the
    /// machine's online processors, at most `maximumWidth`. Set it to 1 to run every part on the
    /// calling thread (not while a computation runs). Setting it also ends a back-off from
    /// late helpers (see `run(parts:of:wakingHelpers:)`).
    public static var width: Int {
        get { tapestry_parallel_width() }
        set { tapestry_set_parallel_width(newValue) }
    }

    /// How long a helper spins waiting for the next computation before it sleeps, in
    /// microseconds (default 100). Longer hands off faster after a pause; shorter gives the
    /// core back to other threads sooner.
    public static func setSpinDuration(microseconds: Int) {
        tapestry_set_helper_spin_microseconds(microseconds)
    }

    /// Runs `work.runPart(part)` for every part in `0..<parts` on the calling thread and the
    /// helpers, and returns when all have finished. Nothing is allocated: `work` is an
    /// object made once, whose properties say what this run computes.
    ///
    /// With `wakingHelpers` false, the parts run on the calling thread alone when every
    /// helper is asleep (waking one takes several microseconds): for work worth splitting
    /// only when a helper is already at hand, such as an optimizer's update right after a
    /// split training step.
    ///
    /// When a helper finishes its part long after the caller finished its own (more than
    /// the caller's time plus 50 µs: it was most likely descheduled by other work on the
    /// machine), or when the caller ran every part itself 8 computations in a row (the
    /// helpers are not getting a core), the next 64 computations run on the calling thread,
    /// then 128, and so on up to 8,192 while this goes on: on a busy machine, splitting
    /// would only wait, and spinning helpers would take time from the other work.
    ///
    /// More than 65,535 parts run one after another on the calling thread.
    public static func run(parts: Int, of work: some ParallelWork, wakingHelpers: Bool = true) {
        guard parts > 1 else {
            if parts == 1 { work.runPart(0) }
            return
        }
        // A class-bound existential is a reference and a witness table: no box.
        var job: any ParallelWork = work
        withUnsafeMutablePointer(to: &job) { pointer in
            tapestry_run_parts(parts, { context, part in
                context?.assumingMemoryBound(to: (any ParallelWork).self).pointee.runPart(part)
            }, pointer, wakingHelpers ? 1 : 0)
        }
    }

    /// Runs `body(part)` for every part in `0..<parts`, as `run(parts:of:wakingHelpers:)`
    /// does. Handing a closure to other threads boxes it (one small allocation a call);
    /// loops that must not allocate use a `ParallelWork` object instead.
    public static func run(parts: Int, wakingHelpers: Bool = true, _ body: (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            run(parts: parts, of: ClosureWork(body: body), wakingHelpers: wakingHelpers)
        }
    }

    /// A closure as `ParallelWork`.
    private final class ClosureWork: ParallelWork {
        let body: (Int) -> Void

        init(body: @escaping (Int) -> Void) { self.body = body }

        func runPart(_ part: Int) { body(part) }
    }
}

/// Work in parts for `HelperThreads.run(parts:of:wakingHelpers:)`: an object made once (a
/// planned training step keeps one per split product) whose properties say what the next
/// run computes, so handing it to the helper threads allocates nothing.
///
/// ```swift
/// import Tapestry
///
/// final class Squares: ParallelWork {
///     var values: UnsafeMutableBufferPointer<Float>
///     init(_ values: UnsafeMutableBufferPointer<Float>) { self.values = values }
///
///     func runPart(_ part: Int) {
///         let half = values.count / 2
///         for i in (part == 0 ? 0..<half : half..<values.count) { values[i] *= values[i] }
///     }
/// }
///
/// let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: 1_000)
/// values.initialize(repeating: 3)
/// HelperThreads.run(parts: 2, of: Squares(values))
/// print(values[999])   // 9.0
/// values.deallocate()
/// ```
public protocol ParallelWork: AnyObject {
    /// Computes part `part` of the current run. Parts run at the same time on different
    /// threads and must write disjoint memory.
    func runPart(_ part: Int)
}
