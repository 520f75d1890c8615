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
///    `.<name>.tapestry-tmp-XXXXXX` (see ``temporaryName(for:)``);
/// 2. ``commit()`` flushes it to disk with `fsync`, renames it over the destination (an atomic
///    `rename(2)` within one folder) and then syncs the folder, as a best effort, so the
///    rename itself survives a crash.
///
/// If anything fails, or the value is dropped without ``commit()``, the temporary file is
/// removed and the destination is left untouched. A SIGINT, SIGTERM or SIGHUP (left at its
/// default action by the program) removes the temporary files being written before it ends
/// the process; temporary files of the same destination left by a process killed otherwise
/// (SIGKILL, power loss) are removed by the next write of that destination — only files of
/// exactly this pattern whose writer is gone (each writer holds an `flock` on its own).
///
/// What the destination may be:
/// - missing, or a regular file: it is created or replaced;
/// - a symbolic link to a regular file: the write goes through the link — the link stays, and
///   the file it resolves to is replaced atomically in that file's folder;
/// - anything else — a folder, FIFO, socket, character or block device, a dangling link or a
///   link to any of those — is refused with ``FileWriteError/Reason/notARegularFile(_:)``
///   before anything is created, so a device or a pipe is never replaced by a file.
///
/// Paths are bytes: ``init(replacing:)-(FileSystemPath)`` writes a name that is not UTF-8
/// under exactly that name. A name too long for its folder is refused with
/// ``FileWriteError/Reason/unusablePath(_:)`` (``checkDestination(_:)`` tells in advance).
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
/// New files get the default permissions (`0666` less the umask).
public struct AtomicFile: ~Copyable {
    /// The text every temporary file name contains: `.<name>.tapestry-tmp-XXXXXX`, where
    /// `<name>` is the destination's name (shortened, see ``temporaryName(for:)``) and
    /// `XXXXXX` six random characters from `[0-9a-z]`.
    public static let temporaryNameMarker = ".tapestry-tmp-"

    /// The file this one will replace, as given (for a symbolic link, the link).
    public let path: FileSystemPath

    /// The file the rename replaces: ``path``, or the regular file a symbolic link at
    /// ``path`` resolves to.
    public let resolvedPath: FileSystemPath

    /// The temporary file being written, in ``resolvedPath``'s folder.
    public let temporaryPath: FileSystemPath

    /// The file this one will replace, as a URL (bytes that are not UTF-8 are replaced in a
    /// URL: use ``path`` to name such a file exactly).
    public var destination: URL { URL(fileURLWithPath: path.string ?? path.description) }

    /// The temporary file being written, as a URL; it can be read (for example to verify it)
    /// before ``commit()``. Use ``temporaryPath`` when the path may not be UTF-8.
    public var temporaryURL: URL { URL(fileURLWithPath: temporaryPath.string ?? temporaryPath.description) }

    /// The open temporary file, or -1 once closed.
    private var descriptor: Int32
    /// A duplicate of ``descriptor`` made when it is closed, so the writer's `flock` lasts
    /// until the rename (a cleaner must not take the complete file for an abandoned one).
    private var lockHolder: Int32 = -1
    /// Whether the temporary file has been renamed over the destination.
    private var isCommitted = false
    /// The temporary file's slot in the signal handler's registry.
    private let registration: Int?

    /// Creates an empty temporary file next to `destination`.
    ///
    /// - Throws: ``FileWriteError`` if `destination` is not a file URL, is not a regular file
    ///   (or a link to one), or its folder does not accept a new file (missing, not a folder,
    ///   read-only, full).
    public init(replacing destination: URL) throws(FileWriteError) {
        guard destination.isFileURL else {
            throw FileWriteError(path: destination.absoluteString, reason: .notAFileURL)
        }
        try self.init(replacing: FileSystemPath(destination))
    }

    /// Creates an empty temporary file next to the file at `path`, named byte for byte.
    ///
    /// - Throws: ``FileWriteError`` if `path` is not a regular file (or a link to one), its
    ///   name is too long for its folder, or the folder does not accept a new file.
    public init(replacing path: FileSystemPath) throws(FileWriteError) {
        let resolved = try Self.checkDestination(path)
        Self.removeStaleTemporaryFiles(for: resolved)
        let folder = resolved.folder
        let stem = Self.temporaryName(for: resolved.lastComponent)
        var attempt = 0
        while true {
            let temporary = folder.appending(FileSystemPath(bytes: stem.bytes + Array(Self.randomSuffix().utf8)))
            // Registered as it is created, so no moment of its life escapes the signal handler.
            var opened: Int32 = -1
            var code: Int32 = 0
            let (_, slot) = TemporaryFileRegistry.creatingFile(temporary) {
                opened = temporary.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) }
                code = errno
                return opened >= 0
            }
            if opened >= 0, Self.lockAsOwner(opened) {
                self.path = path
                self.resolvedPath = resolved
                self.temporaryPath = temporary
                self.descriptor = opened
                self.registration = slot
                return
            }
            if let slot { TemporaryFileRegistry.unregister(slot) }
            attempt += 1
            if opened >= 0 {
                // A cleaner removed the new file before it was locked: try another name.
                _ = close(opened)
                guard attempt < 100 else {
                    throw FileWriteError(path: path.description, reason: .systemCallFailed(
                        step: .createTemporaryFile, path: temporary.description, code: EEXIST))
                }
                continue
            }
            guard (code == EEXIST && attempt < 100) || code == EINTR else {
                throw FileWriteError(
                    path: path.description,
                    reason: .systemCallFailed(step: .createTemporaryFile, path: temporary.description, code: code))
            }
        }
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
        if lockHolder >= 0 { _ = close(lockHolder) }
        if !isCommitted { _ = temporaryPath.withCString { unlink($0) } }
        if let registration { TemporaryFileRegistry.unregister(registration) }
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
    ///   was replaced by a folder meanwhile, say); the temporary file is then removed and the
    ///   destination left as it was.
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
        lockHolder = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
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
        // The destination may have changed since it was checked: never rename over a folder,
        // device or FIFO that appeared meanwhile.
        _ = try Self.checkDestination(resolvedPath)
        let renamed = temporaryPath.withCString { from in resolvedPath.withCString { to in rename(from, to) } }
        guard renamed == 0 else {
            throw failure(.rename, errno, at: resolvedPath)
        }
        isCommitted = true

        // Make the rename durable. Some file systems refuse to sync a folder; the new file is
        // in place either way, so this step cannot fail the write.
        let folder = resolvedPath.folder.withCString { open($0, O_RDONLY | O_CLOEXEC) }
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

    /// Writes `bytes` atomically to the file at `path`, named byte for byte.
    ///
    /// - Throws: ``FileWriteError`` as ``write(_:to:)-(_,URL)`` does.
    public static func write(_ bytes: some ContiguousBytes, to path: FileSystemPath) throws(FileWriteError) {
        var file = try AtomicFile(replacing: path)
        try file.append(contentsOf: bytes)
        try file.commit()
    }

    private func failure(_ step: FileWriteError.Step, _ code: Int32, at failing: FileSystemPath? = nil) -> FileWriteError {
        FileWriteError(
            path: path.description,
            reason: .systemCallFailed(step: step, path: (failing ?? temporaryPath).description, code: code))
    }
}
