import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process when a collective waits longer than a timeout, so a rank whose peer
/// hangs (or died without the launcher noticing) exits with an explanation instead of
/// waiting for ever. A background thread checks the armed deadline ten times a second; it
/// calls no MPI function.
final class CollectiveWatchdog: @unchecked Sendable {
    // @unchecked: `deadline` and `operation` are only touched under `lock`.
    private let lock = NSLock()
    private var deadline: UInt64?
    private var operation = ""
    private let timeout: Double
    private let rank: Int

    /// The exit status of a process the watchdog ends.
    static let exitStatus: Int32 = 70

    /// Watches the collectives of `rank`, allowing each `timeout` seconds.
    init(timeout: Double, rank: Int) {
        self.timeout = timeout
        self.rank = rank
        let thread = Thread { [weak self] in
            while let watchdog = self {
                watchdog.check()
                usleep(100_000)
            }
        }
        thread.name = "tapestry-mpi-watchdog"
        thread.start()
    }

    /// Runs `body`, a collective named `name`, under the deadline.
    func guarding<Result>(_ name: String, _ body: () throws -> Result) rethrows -> Result {
        lock.withLock {
            deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
            operation = name
        }
        defer { lock.withLock { deadline = nil } }
        return try body()
    }

    private func check() {
        let expired: String? = lock.withLock {
            guard let deadline, DispatchTime.now().uptimeNanoseconds > deadline else { return nil }
            return operation
        }
        guard let expired else { return }
        let message = "tapestry: rank \(rank): \(expired) waited more than \(Self.format(timeout)) s for the other ranks; "
            + "one of them has probably died or hung. Exiting with status \(Self.exitStatus).\n"
        var bytes = Array(message.utf8)
        _ = write(STDERR_FILENO, &bytes, bytes.count)
        _exit(Self.exitStatus)
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
