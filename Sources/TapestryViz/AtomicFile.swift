import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// `write(2)`, named apart from `AtomicFile.write(_:to:)`.
#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Musl)
    private let systemWrite = Musl.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif

/// A failed ``AtomicFile`` write. The destination file was left untouched and no temporary
/// file was left behind.
public struct AtomicWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The step that failed.
    public enum Stage: String, Sendable {
        /// Creating the temporary file beside the destination (missing or unwritable folder).
        case createTemporaryFile = "create a temporary file"
        /// Writing the bytes into the temporary file (e.g. disk full).
        case write = "write"
        /// Flushing the temporary file to disk.
        case sync = "flush to disk"
        /// Renaming the temporary file over the destination.
        case rename = "rename into place"
    }

    /// The destination path that could not be written.
    public let path: String
    /// The step that failed.
    public let stage: Stage
    /// The `errno` value of the failing system call.
    public let code: Int32

    /// `cannot write '<path>': <stage> failed: <strerror>`.
    public var description: String {
        "cannot write '\(path)': \(stage.rawValue) failed: \(String(cString: strerror(code)))"
    }
}

/// Writes whole files atomically: the bytes go to a temporary file in the destination's
/// folder, which is flushed and then renamed over the destination. A reader (or a process
/// killed half-way) sees either the old file or the complete new one, never a partial one.
public enum AtomicFile {
    /// Replaces the file at `url` with `bytes`, atomically. The new file has mode `0644`.
    ///
    /// - Throws: ``AtomicWriteError`` naming the destination path; the old file, if any, is
    ///   untouched and no temporary file remains.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        let path = url.withUnsafeFileSystemRepresentation { $0.map { String(cString: $0) } } ?? url.path
        let folder = url.deletingLastPathComponent()
            .withUnsafeFileSystemRepresentation { $0.map { String(cString: $0) } } ?? "."
        let name = url.lastPathComponent

        var template = Array((folder + "/." + name + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard descriptor >= 0 else {
            throw AtomicWriteError(path: path, stage: .createTemporaryFile, code: errno)
        }
        // mkstemp replaced the X's in place; drop the terminating NUL.
        let temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var isOpen = true
        var isRenamed = false
        defer {
            if isOpen { close(descriptor) }
            if !isRenamed { unlink(temporaryPath) }
        }

        try bytes.withUnsafeBytes { buffer in
            guard let start = buffer.baseAddress else { return }  // Nothing to write.
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, start + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AtomicWriteError(path: path, stage: .write, code: errno)
                }
                offset += written
            }
        }
        _ = fchmod(descriptor, 0o644)
        if fsync(descriptor) != 0, errno != EINVAL {
            throw AtomicWriteError(path: path, stage: .sync, code: errno)
        }
        isOpen = false
        if close(descriptor) != 0 {
            throw AtomicWriteError(path: path, stage: .write, code: errno)
        }
        guard rename(temporaryPath, path) == 0 else {
            throw AtomicWriteError(path: path, stage: .rename, code: errno)
        }
        isRenamed = true
        syncFolder(folder)
    }

    /// Replaces the file at `url` with the UTF-8 encoding of `text`, atomically.
    ///
    /// - Throws: ``AtomicWriteError`` naming the destination path.
    public static func write(_ text: String, to url: URL) throws {
        try write(Array(text.utf8), to: url)
    }

    /// Best effort: flush the folder entry so the rename itself survives a crash.
    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}
