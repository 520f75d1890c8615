// RegularFile.swift: opening an input file without ever blocking on a FIFO or reading a device.

import Foundation

/// Opens input files only when they are regular files.
///
/// A FIFO given as a checkpoint would block a plain `open(2)` forever, and a character device
/// (`/dev/zero`, `/dev/urandom`) would be read without end. ``openForReading(atPath:)`` opens
/// with `O_NONBLOCK`, so opening never waits for a writer, checks the opened file (after
/// symbolic links were followed) with `fstat`, and only then returns a blocking descriptor —
/// checked on the descriptor itself, so the path cannot be swapped in between.
public enum RegularFile {
    /// Why a path could not be opened as a regular file.
    public struct OpenError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The path asked for.
        public let path: String
        /// The system's message when a call failed (`No such file or directory`), else what
        /// the path is instead (`a FIFO (named pipe), not a regular file`).
        public let reason: String
        /// The `errno` of the failing call, when a call failed.
        public let code: Int32?
        /// The file's type (`S_IFIFO`, `S_IFDIR`, …) when it was opened but is not regular.
        public let fileType: mode_t?

        /// For example `/tmp/pipe: a FIFO (named pipe), not a regular file`, or
        /// `/missing: cannot open: No such file or directory`.
        public var description: String { code == nil ? "\(path): \(reason)" : "\(path): cannot open: \(reason)" }
    }

    /// An open regular file and its size when opened.
    public struct Opened: Sendable {
        /// The file descriptor, blocking, close-on-exec; the caller closes it.
        public let descriptor: Int32
        /// The file's size in bytes when it was opened.
        public let size: Int
    }

    /// Opens the regular file at `path` (symbolic links followed) for reading.
    ///
    /// - Throws: ``OpenError`` when the path does not exist or cannot be opened, or names a
    ///   directory, FIFO, socket or device.
    public static func openForReading(atPath path: String) throws(OpenError) -> Opened {
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let code = errno
            throw OpenError(path: path, reason: String(cString: strerror(code)), code: code, fileType: nil)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            _ = close(descriptor)
            throw OpenError(path: path, reason: String(cString: strerror(code)), code: code, fileType: nil)
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            _ = close(descriptor)
            throw OpenError(path: path, reason: "\(describe(kind)), not a regular file", code: nil, fileType: kind)
        }
        // Back to blocking reads for the regular file.
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        return Opened(descriptor: descriptor, size: max(Int(info.st_size), 0))
    }

    /// What a file of type `kind` (`st_mode & S_IFMT`) is, in words.
    static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        default: "not a regular file"
        }
    }
}
