import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// File I/O for checkpoints: an atomic, durable write and a whole-file read, both on POSIX
// calls so that failures carry the path and the `errno` of the call that failed.

/// Writes `bytes` to the file at `url` so that readers see either the old file or the
/// complete new one, never a partial write.
///
/// The bytes go to a temporary file in the same directory (`.<name>.<random>.tmp`), which is
/// flushed to disk with `fsync` and then renamed over `url`; the directory is synced too,
/// as a best effort, so the rename survives a crash. On any failure the temporary file is
/// removed and a file already at `url` is left untouched.
///
/// If `url` names a symbolic link, the link itself is replaced, not the file it points to.
/// The new file gets the default permissions (`0666` less the umask).
///
/// - Throws: `CheckpointError` with reason `.fileSystem`, naming `url`'s path, the step that
///   failed and the system's error message.
public func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    try writeAtomically(bytes, to: url, beforeRename: { _ in })
}

/// `writeAtomically(_:to:)` with a hook called with the temporary file's path once it is
/// complete and synced, just before the rename; tests throw from it to simulate a failure.
func writeAtomically(_ bytes: [UInt8], to url: URL, beforeRename: (_ temporaryPath: String) throws -> Void) throws {
    guard url.isFileURL else {
        throw CheckpointError(source: url.absoluteString, reason: .notAFileURL)
    }
    let path = url.path
    let directory = url.deletingLastPathComponent().path
    // At most 40 scalars of the name (≤ 160 bytes) keep the temporary name under the usual
    // 255-byte limit however long the target's name is.
    let stem = String(String.UnicodeScalarView(url.lastPathComponent.unicodeScalars.prefix(40)))
    let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let temporaryPath = directory + "/." + stem + "." + suffix + ".tmp"

    func failure(_ operation: String, _ code: Int32, at failingPath: String) -> CheckpointError {
        CheckpointError(
            source: path, reason: .fileSystem(operation: operation, path: failingPath, code: code))
    }

    let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else {
        throw failure("create a temporary file", errno, at: temporaryPath)
    }
    var isOpen = true
    var isRenamed = false
    defer {
        if isOpen { _ = close(descriptor) }
        if !isRenamed { _ = unlink(temporaryPath) }
    }

    try bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        var written = 0
        while written < raw.count {
            // Linux transfers at most 0x7ffff000 bytes per call; ask for 1 GiB at a time.
            let chunk = min(raw.count - written, 1 << 30)
            let result = write(descriptor, base + written, chunk)
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("write the temporary file", errno, at: temporaryPath)
            }
            written += result
        }
    }
    guard fsync(descriptor) == 0 else {
        throw failure("flush the temporary file to disk", errno, at: temporaryPath)
    }
    isOpen = false
    guard close(descriptor) == 0 else {
        throw failure("close the temporary file", errno, at: temporaryPath)
    }
    try beforeRename(temporaryPath)
    guard rename(temporaryPath, path) == 0 else {
        throw failure("rename the temporary file over the target", errno, at: path)
    }
    isRenamed = true

    // Make the rename itself durable. Some file systems refuse to sync a directory; the new
    // file is in place either way, so this step cannot fail the write.
    let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor)
        _ = close(directoryDescriptor)
    }
}

/// Reads the whole file at `url`.
///
/// - Throws: `CheckpointError` with reason `.fileSystem`, naming the path.
func readFileBytes(at url: URL) throws -> [UInt8] {
    guard url.isFileURL else {
        throw CheckpointError(source: url.absoluteString, reason: .notAFileURL)
    }
    let path = url.path
    func failure(_ operation: String, _ code: Int32) -> CheckpointError {
        CheckpointError(source: path, reason: .fileSystem(operation: operation, path: path, code: code))
    }

    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure("open the file", errno) }
    defer { _ = close(descriptor) }

    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw failure("inspect the file", errno) }
    guard (info.st_mode & S_IFMT) != S_IFDIR else { throw failure("read the file", EISDIR) }

    // The size is a hint only: read until end of file, whatever it turns out to be. The
    // first buffer is left uninitialised (read fills it) to spare a pass over a large file.
    let hint = max(Int(info.st_size), 0)
    var reachedEnd = false
    var bytes = try [UInt8](unsafeUninitializedCapacity: hint + 1) { buffer, count in
        count = 0
        guard let base = buffer.baseAddress else { return }
        while count < buffer.count {
            let result = read(descriptor, base + count, min(buffer.count - count, 1 << 30))
            if result < 0 {
                if errno == EINTR { continue }
                throw failure("read the file", errno)
            }
            if result == 0 {
                reachedEnd = true
                return
            }
            count += result
        }
    }
    // The file grew since fstat: read the rest in chunks.
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while !reachedEnd {
        let result = chunk.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return read(descriptor, base, raw.count)
        }
        if result < 0 {
            if errno == EINTR { continue }
            throw failure("read the file", errno)
        }
        if result == 0 { reachedEnd = true }
        bytes.append(contentsOf: chunk[0..<result])
    }
    return bytes
}
