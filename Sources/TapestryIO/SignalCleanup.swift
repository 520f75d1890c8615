// SignalCleanup.swift: what a terminating signal tidies up before it ends the process.

/// What SIGINT, SIGTERM and SIGHUP clean up before they end the process (when the program
/// left them at their default action): the temporary files ``AtomicFile`` is writing — always —
/// and the output folders a program asked for here, removed if they are still empty.
///
/// ```swift
/// import TapestryIO
///
/// // A command created out/ and out/pictures/ for this run: an interrupted run leaves neither
/// // behind if nothing was written into them yet.
/// SignalCleanup.removeFolderIfEmpty(onSignal: "out")
/// SignalCleanup.removeFolderIfEmpty(onSignal: "out/pictures")
/// ```
///
/// The handler then restores the signal's default action and raises it again, so the process
/// ends as it would have (status 128 + the signal's number in a shell).
public enum SignalCleanup {
    /// Asks the signal handler to remove `folder` (with `rmdir`, so only when empty) if a
    /// terminating signal arrives. Folders are removed in the reverse order of these calls:
    /// register parents before their children.
    ///
    /// - Returns: `false` when it could not be recorded (16 folders are recorded already, or
    ///   the path is longer than `PATH_MAX`).
    @discardableResult
    public static func removeFolderIfEmpty(onSignal folder: FileSystemPath) -> Bool {
        TemporaryFileRegistry.registerFolder(folder)
    }
}
