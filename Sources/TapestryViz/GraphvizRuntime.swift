import CGraphviz
import Foundation

/// Owns the one process-wide Graphviz context and the one lock that serialises every
/// Graphviz call (libcgraph keeps global state — its error level, error log, lexer and
/// string dictionaries — and is not thread-safe).
///
/// Invariant that makes `@unchecked Sendable` sound: `context` is created, read and used
/// only while `lock` is held, and no Graphviz pointer escapes the closure passed to
/// `withLockedContext(_:)`. Every call into libgvc/libcgraph in this module goes through it.
final class GraphvizRuntime: @unchecked Sendable {
    /// The process-wide instance; Swift initialises a `static let` exactly once, thread-safely.
    static let shared = GraphvizRuntime()

    private let lock = NSLock()
    /// `GVC_t *`, created lazily on first use and kept for the life of the process.
    private var context: OpaquePointer?

    private init() {}

    /// Runs `body` with the shared `GVC_t` while holding the process-wide Graphviz lock.
    ///
    /// Also puts Graphviz's error reporting into "collect, don't print" mode
    /// (`agseterr(AGMAX)`) and clears the error count, so `body` can ask
    /// `lastErrorMessage()` what went wrong.
    func withLockedContext<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        // Messages at or above AGMAX are printed; nothing reaches that level, so every
        // warning and error is written to cgraph's private log instead of stderr.
        _ = agseterr(AGMAX)
        _ = agreseterrors()
        if context == nil {
            context = gvContext()
        }
        guard let context else {
            throw GraphvizError.unavailable(message: "gvContext() returned no context")
        }
        return try body(context)
    }

    /// Whether an error-level message was logged since `withLockedContext` began.
    /// Call only inside `withLockedContext`.
    func errorWasLogged() -> Bool {
        agerrors() >= Int32(AGERR.rawValue)
    }

    /// The newest error-level message Graphviz logged inside the current
    /// `withLockedContext` call, trimmed; `nil` if it logged none (so a stale message from an
    /// earlier call is never reported). Call only inside `withLockedContext`.
    func lastErrorMessage() -> String? {
        guard errorWasLogged(), let raw = aglasterr() else { return nil }
        defer { free(raw) }
        let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
