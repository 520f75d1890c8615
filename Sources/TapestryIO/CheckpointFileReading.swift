// CheckpointFileReading.swift: reading a whole checkpoint file with POSIX calls, so that a
// failure carries the path and the `errno` of the call that failed.

import Foundation

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

    let opened: RegularFile.Opened
    do {
        opened = try RegularFile.openForReading(atPath: path)
    } catch {
        if let code = error.code {
            throw CheckpointError(source: path, reason: .fileSystem(operation: "open the file", path: path, code: code))
        }
        if error.fileType == S_IFDIR {
            throw CheckpointError(source: path, reason: .fileSystem(operation: "read the file", path: path, code: EISDIR))
        }
        throw CheckpointError(source: path, reason: .unreadable(path: path, reason: "it is \(error.reason)"))
    }
    let descriptor = opened.descriptor
    defer { _ = close(descriptor) }

    // The size is a hint only: read until end of file, whatever it turns out to be. The
    // first buffer is left uninitialised (read fills it) to spare a pass over a large file.
    let hint = opened.size
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
    // The file grew since fstat: read the rest in chunks, up to as much again (a regular
    // file that keeps growing past that is being written, not a checkpoint to load).
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while !reachedEnd {
        if bytes.count > 2 * hint + (1 << 20) {
            throw CheckpointError(source: path, reason: .unreadable(path: path, reason: "it kept growing while being read"))
        }
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
