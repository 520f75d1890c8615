// FileWriteError.swift: why writing a file through `AtomicFile` failed.

/// Writing a file failed; its `description` names the file, the step and the system's reason.
///
/// For example `cannot write /out/model.safetensors: cannot create the temporary file
/// /out/.model.safetensors.tapestry-tmp-x3k9qz: No such file or directory (errno 2)`.
/// Whatever step failed, the file at `path` was left as it was.
public struct FileWriteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The step of a write that failed.
    public enum Step: String, Sendable, CaseIterable {
        /// Looking at what the destination is now (`lstat`, `stat`, `realpath`).
        case inspectDestination = "inspect the destination"
        /// Creating the temporary file next to the target.
        case createTemporaryFile = "create the temporary file"
        /// Writing bytes to the temporary file.
        case write = "write the temporary file"
        /// Flushing the temporary file to disk with `fsync`.
        case sync = "flush the temporary file to disk"
        /// Closing the temporary file.
        case close = "close the temporary file"
        /// Renaming the temporary file over the target.
        case rename = "rename the temporary file over the target"
    }

    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The URL does not name a local file.
        case notAFileURL
        /// A system call failed at `step` on the file at `path` with `errno` value `code`.
        case systemCallFailed(step: Step, path: String, code: Int32)
        /// The destination exists and is not a regular file, nor a symbolic link to one: a
        /// folder, FIFO, socket, device or dangling link, described in words
        /// (`a FIFO (named pipe)`, `a symbolic link to a directory`).
        case notARegularFile(String)
        /// The path cannot name a file to write: a NUL byte, a name longer than its folder
        /// allows, a path longer than `PATH_MAX`; the text says which.
        case unusablePath(String)
    }

    /// The file that was to be written (its path, or the URL's text if it is not a file URL);
    /// bytes of the path that are not UTF-8 are shown as `\xHH`.
    public var path: String
    /// What went wrong.
    public var reason: Reason

    /// Creates an error about writing `path`.
    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// The `errno` value of the failed system call, if one failed.
    public var code: Int32? {
        if case .systemCallFailed(_, _, let code) = reason { return code }
        return nil
    }

    /// `cannot write <path>: cannot <step> [<temporary path>]: <system message> (errno N)`, on
    /// one line (control characters in a path are written as escapes).
    public var description: String { escapingControlCharacters(message) }

    private var message: String {
        switch reason {
        case .notAFileURL:
            return "cannot write \(path): not a file URL"
        case .systemCallFailed(let step, let failingPath, let code):
            let subject = failingPath == path ? "" : " \(failingPath)"
            return "cannot write \(path): cannot \(step.rawValue)\(subject): \(systemErrorMessage(code)) (errno \(code))"
        case .notARegularFile(let what):
            return "cannot write \(path): it is \(what), not a regular file"
        case .unusablePath(let why):
            return "cannot write \(path): \(why)"
        }
    }
}
