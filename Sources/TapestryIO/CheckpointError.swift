// CheckpointError.swift: why reading or validating a safetensors checkpoint failed.

import Foundation

/// An error reading, validating or writing a checkpoint file.
///
/// Its `description` names the file (`source`) and the tensor, JSON position or byte range
/// at fault, e.g. `model.safetensors: tensor 'dense_1.kernel' needs bytes 0..<200704 of the
/// data section (file bytes 136..<200840), but the file ends at byte 100000`.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The file is shorter than the 8-byte header-length prefix.
        case fileTooShort(byteCount: Int)
        /// The header length exceeds `SafeTensors.maximumHeaderLength`.
        case headerTooLarge(length: UInt64, limit: Int)
        /// The header length points past the end of the file.
        case headerPastEndOfFile(length: UInt64, fileSize: Int)
        /// The header is not valid UTF-8 JSON; `byteOffset` counts from the start of the file.
        case malformedJSON(byteOffset: Int, detail: String)
        /// The header is JSON but not a checkpoint header (not an object, or bad `__metadata__`).
        case invalidHeader(detail: String)
        /// A tensor's header entry lacks a field or has one of the wrong type or value.
        case invalidEntry(tensor: String, detail: String)
        /// A tensor's dtype is unknown, or known but not convertible to the requested scalar
        /// type (Tapestry computes in F32 and F64 only).
        case unsupportedDType(tensor: String, dtype: String)
        /// A stored F64 tensor was requested as F32, which could lose precision.
        case dtypeMismatch(tensor: String, stored: String, requested: String)
        /// A tensor's `data_offsets` span a different number of bytes than shape × dtype size.
        case sizeMismatch(tensor: String, shape: [Int], dtype: String, expectedBytes: Int, actualBytes: Int)
        /// A tensor's bytes extend past the end of the file (the file is truncated).
        case dataPastEndOfFile(tensor: String, range: Range<Int>, dataStart: Int, fileSize: Int)
        /// Two tensors share bytes of the data section.
        case overlappingData(tensor: String, range: Range<Int>, other: String, otherRange: Range<Int>)
        /// Bytes of the data section belong to no tensor (a gap, or trailing bytes).
        case unusedData(range: Range<Int>, dataStart: Int)
        /// Two tensors have the same name.
        case duplicateTensor(name: String)
        /// `__metadata__` was used as a tensor name; the format reserves it.
        case reservedName(String)
        /// No tensor has this name.
        case tensorNotFound(name: String, available: [String])
        /// A system call failed while reading; `path` is the file it was working on. (Writing
        /// fails with `FileWriteError` instead.)
        case fileSystem(operation: String, path: String, code: Int32)
        /// The path is not a file a checkpoint can be read from (a FIFO, a device, a
        /// directory), or it changed while being read.
        case unreadable(path: String, reason: String)
        /// The URL does not name a local file.
        case notAFileURL
    }

    /// The file the error is about (its path), or `<memory>` for in-memory bytes.
    public var source: String
    /// What went wrong.
    public var reason: Reason

    /// Creates an error about `source`.
    public init(source: String, reason: Reason) {
        self.source = source
        self.reason = reason
    }

    /// `"<source>: <what went wrong, naming the tensor or byte offset>"`, on one line.
    ///
    /// Tensor names and metadata keys come from the file, so control characters in them
    /// (a newline, an escape sequence) are written as escapes such as `\n` or `\u{1B}`:
    /// the description is always one line that is safe to print to a terminal.
    public var description: String { escapingControlCharacters("\(source): \(message)") }

    private var message: String {
        switch reason {
        case .fileTooShort(let count):
            return "the file is \(count) bytes long, shorter than the 8-byte header length"
        case .headerTooLarge(let length, let limit):
            return "the header length at byte 0 is \(length) bytes, more than the limit of \(limit)"
                + " (not a safetensors file?)"
        case .headerPastEndOfFile(let length, let size):
            return "the header length at byte 0 is \(length) bytes, but only \(max(size - 8, 0))"
                + " bytes follow it (the file is \(size) bytes long)"
        case .malformedJSON(let offset, let detail):
            return "the header is not valid JSON at byte \(offset): \(detail)"
        case .invalidHeader(let detail):
            return "invalid header: \(detail)"
        case .invalidEntry(let tensor, let detail):
            return "tensor '\(tensor)': \(detail)"
        case .unsupportedDType(let tensor, let dtype):
            return "tensor '\(tensor)' has dtype \(dtype), which Tapestry cannot load (it reads F32 and F64)"
        case .dtypeMismatch(let tensor, let stored, let requested):
            return "tensor '\(tensor)' is stored as \(stored); reading it as \(requested) could lose"
                + " precision (read it as stored and convert with Tensor(converting:))"
        case .sizeMismatch(let tensor, let shape, let dtype, let expected, let actual):
            return "tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes,"
                + " but its data_offsets span \(actual)"
        case .dataPastEndOfFile(let tensor, let range, let dataStart, let size):
            let (fileEnd, overflow) = range.upperBound.addingReportingOverflow(dataStart)
            let fileBytes = overflow ? "" : " (file bytes \(dataStart + range.lowerBound)..<\(fileEnd))"
            return "tensor '\(tensor)' needs bytes \(range) of the data section\(fileBytes),"
                + " but the file ends at byte \(size)"
        case .overlappingData(let tensor, let range, let other, let otherRange):
            return "tensor '\(tensor)' (bytes \(range) of the data section) overlaps tensor"
                + " '\(other)' (bytes \(otherRange))"
        case .unusedData(let range, let dataStart):
            return "bytes \(range) of the data section (file bytes"
                + " \(dataStart + range.lowerBound)..<\(dataStart + range.upperBound)) belong to no tensor"
        case .duplicateTensor(let name):
            return "two tensors are named '\(name)'"
        case .reservedName(let name):
            return "'\(name)' cannot name a tensor: the format reserves it for metadata"
        case .tensorNotFound(let name, let available):
            let listed = available.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = available.count > 8 ? ", …" : ""
            return available.isEmpty
                ? "no tensor named '\(name)' (the checkpoint holds no tensors)"
                : "no tensor named '\(name)' (the checkpoint holds \(available.count): \(listed)\(more))"
        case .fileSystem(let operation, let path, let code):
            return "cannot \(operation) (\(path)): \(String(cString: strerror(code))) (errno \(code))"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .notAFileURL:
            return "not a file URL"
        }
    }
}
