// AtomicFile.swift: the one way Tapestry writes a file — checkpoints, pictures, metrics and
// downloads all go through it, so a crash or a failure never leaves half a file behind.

import Foundation

/// A file being written next to its destination, which replaces the destination only when
/// complete and on disk.
///
/// Readers of the destination see either the old file or the whole new one, never a partial
/// write, even if the process is killed or the machine loses power mid-write:
///
/// 1. the bytes go to a temporary file in the destination's folder, named
///    `.<name>.tapestry-tmp-XXXXXX` (see ``temporaryNameMarker``);
/// 2. ``commit()`` flushes it to disk with `fsync`, renames it over the destination (an atomic
///    `rename(2)` within one folder) and then syncs the folder, as a best effort, so the
///    rename itself survives a crash.
///
/// If anything fails, or the value is dropped without ``commit()``, the temporary file is
/// removed and the destination is left untouched.
///
/// ```swift
/// try AtomicFile.write(bytes, to: url)          // all at once
///
/// var file = try AtomicFile(replacing: url)     // or piece by piece
/// try file.append(header)
/// try file.append(body)
/// try file.commit()
/// ```
///
/// A symbolic link at the destination is itself replaced, not the file it points to. New
/// files get the default permissions (`0666` less the umask).
public struct AtomicFile: ~Copyable {
    /// The text every temporary file name contains: `.<name>.tapestry-tmp-XXXXXX`, where
    /// `<name>` is (the first 40 characters of) the destination's name and `XXXXXX` is random.
    public static let temporaryNameMarker = ".tapestry-tmp-"

    /// The file this one will replace.
    public let destination: URL

    /// The temporary file being written; it can be read (for example to verify it) before
    /// ``commit()``.
    public let temporaryURL: URL

    /// The open temporary file, or -1 once closed.
    private var descriptor: Int32
    /// Whether the temporary file has been renamed over the destination.
    private var isCommitted = false

    /// Creates an empty temporary file next to `destination`.
    ///
    /// - Throws: ``FileWriteError`` if `destination` is not a file URL or its folder does not
    ///   accept a new file (missing, not a folder, read-only, full).
    public init(replacing destination: URL) throws(FileWriteError) {
        guard destination.isFileURL else {
            throw FileWriteError(path: destination.absoluteString, reason: .notAFileURL)
        }
        let folder = destination.deletingLastPathComponent().path
        // At most 40 scalars of the name (≤ 160 bytes) keep the temporary name under the usual
        // 255-byte limit however long the destination's name is.
        let stem = String(String.UnicodeScalarView(destination.lastPathComponent.unicodeScalars.prefix(40)))
        var attempt = 0
        while true {
            let path = folder + "/." + stem + Self.temporaryNameMarker + Self.randomSuffix()
            let opened = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if opened >= 0 {
                self.destination = destination
                self.temporaryURL = URL(fileURLWithPath: path)
                self.descriptor = opened
                return
            }
            let code = errno
            attempt += 1
            guard (code == EEXIST && attempt < 100) || code == EINTR else {
                throw FileWriteError(
                    path: destination.path,
                    reason: .systemCallFailed(step: .createTemporaryFile, path: path, code: code))
            }
        }
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
        if !isCommitted { _ = unlink(temporaryURL.path) }
    }

    /// Appends `bytes` to the temporary file.
    ///
    /// - Throws: ``FileWriteError`` naming the destination and the temporary file.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        guard let base = bytes.baseAddress else { return }
        var written = 0
        while written < bytes.count {
            // Linux transfers at most 0x7ffff000 bytes per call; ask for 1 GiB at a time.
            let result = systemWrite(descriptor, base + written, min(bytes.count - written, 1 << 30))
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw failure(.write, code)
            }
            written += result
        }
    }

    /// Appends the contiguous bytes of `bytes` (a `[UInt8]`, `Data`, …) to the temporary file.
    ///
    /// - Throws: ``FileWriteError`` naming the destination and the temporary file.
    public mutating func append(contentsOf bytes: some ContiguousBytes) throws(FileWriteError) {
        let result: FileWriteError? = bytes.withUnsafeBytes { raw in
            do throws(FileWriteError) {
                try append(raw)
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    /// Flushes the temporary file to disk and renames it over the destination.
    ///
    /// - Throws: ``FileWriteError`` if flushing, closing or renaming fails (the destination
    ///   is a non-empty folder, say); the temporary file is then removed and the destination
    ///   left as it was.
    public consuming func commit() throws(FileWriteError) {
        try flushAndClose()
        try renameIntoPlace()
    }

    /// ``commit()`` with a hook called with the complete, synced temporary file just before the
    /// rename; tests throw from it to simulate a failure at the last moment.
    consuming func commit(beforeRename: (URL) throws -> Void) throws {
        try flushAndClose()
        try beforeRename(temporaryURL)
        try renameIntoPlace()
    }

    /// Syncs and closes the temporary file.
    private mutating func flushAndClose() throws(FileWriteError) {
        let descriptor = self.descriptor
        self.descriptor = -1
        while fsync(descriptor) != 0 {
            let code = errno
            guard code == EINTR else {
                _ = close(descriptor)
                throw failure(.sync, code)
            }
        }
        guard close(descriptor) == 0 else { throw failure(.close, errno) }
    }

    /// Renames the closed temporary file over the destination and syncs the folder.
    private mutating func renameIntoPlace() throws(FileWriteError) {
        guard rename(temporaryURL.path, destination.path) == 0 else {
            throw failure(.rename, errno, at: destination.path)
        }
        isCommitted = true

        // Make the rename durable. Some file systems refuse to sync a folder; the new file is
        // in place either way, so this step cannot fail the write.
        let folder = open(destination.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            _ = close(folder)
        }
    }

    /// Writes `bytes` to `url` atomically: a temporary file, `fsync`, rename, folder sync.
    ///
    /// - Throws: ``FileWriteError`` naming `url`'s path, the step that failed and the system's
    ///   message; the file at `url`, if any, is then untouched and no temporary file remains.
    public static func write(_ bytes: some ContiguousBytes, to url: URL) throws(FileWriteError) {
        var file = try AtomicFile(replacing: url)
        try file.append(contentsOf: bytes)
        try file.commit()
    }

    private func failure(_ step: FileWriteError.Step, _ code: Int32, at path: String? = nil) -> FileWriteError {
        FileWriteError(
            path: destination.path,
            reason: .systemCallFailed(step: step, path: path ?? temporaryURL.path, code: code))
    }

    /// Six random characters from `[0-9a-z]`.
    private static func randomSuffix() -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".unicodeScalars)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<6 { scalars.append(alphabet[Int.random(in: 0..<alphabet.count)]) }
        return String(scalars)
    }
}
