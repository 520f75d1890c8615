// NumPyArray+NPY.swift: the `.npy` file format (NumPy's NEP 1), read and written.
//
// A file is the magic string `\x93NUMPY`, a major and minor version byte, the header length
// (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header — a Python
// dictionary literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`,
// padded with spaces and a newline so the data starts at a multiple of 64 bytes — then the
// elements.

import Foundation

extension NumPyArray {
    /// The first bytes of every `.npy` file.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Decodes the bytes of a `.npy` file.
    ///
    /// Memory stays bounded by the input: the shape must describe exactly the bytes that
    /// follow the header.
    ///
    /// - Parameters:
    ///   - bytes: the whole `.npy` file.
    ///   - source: names the bytes in errors (a path, or `<memory>`).
    /// - Throws: ``NumPyError`` naming `source` and the reason: not a `.npy` file, a truncated
    ///   file, a malformed header, a big-endian, Fortran-order or unsupported dtype, or data
    ///   of the wrong length.
    public init(decoding bytes: [UInt8], source: String = "<memory>") throws(NumPyError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(NumPyError) in try Self.decode(raw, source: source, member: nil) }
        }
        self = try result.get()
    }

    /// Reads the `.npy` file at `url`.
    ///
    /// - Throws: ``NumPyError`` naming the file's path, for a file that cannot be read or
    ///   does not decode (see ``init(decoding:source:)``).
    public init(contentsOf url: URL) throws(NumPyError) {
        let bytes = try readNumPyFile(at: url)
        try self.init(decoding: bytes, source: url.path)
    }

    /// The `.npy` file of this array: version 1.0 (2.0 for a header over 65535 bytes), the
    /// data aligned to 64 bytes, as `np.save` writes it.
    public func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dictionary = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        var header = Array(dictionary.utf8)
        func padding(after prefixLength: Int) -> Int { (64 - (prefixLength + header.count + 1) % 64) % 64 }
        let prefixLength = header.count + padding(after: 10) + 1 <= 65535 ? 10 : 12
        header += [UInt8](repeating: 0x20, count: padding(after: prefixLength))
        header.append(0x0A)
        var out = Self.magic
        out.reserveCapacity(prefixLength + header.count + bytes.count)
        if prefixLength == 10 {
            out += [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        } else {
            let length = UInt32(header.count)
            out += [2, 0] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        }
        out += header
        out += bytes
        return out
    }

    /// Writes the `.npy` file of this array to `url` atomically (see `AtomicFile`).
    ///
    /// - Throws: `FileWriteError` naming the path and the failed step.
    public func write(to url: URL) throws(FileWriteError) {
        try AtomicFile.write(encoded(), to: url)
    }

    /// Decodes a `.npy` file held in `raw`; `member` names it inside an archive.
    static func decode(_ raw: UnsafeRawBufferPointer, source: String, member: String?) throws(NumPyError) -> NumPyArray {
        func failure(_ reason: NumPyError.Reason) -> NumPyError {
            NumPyError(source: source, member: member, reason: reason)
        }
        guard raw.count >= 8, raw.prefix(6).elementsEqual(magic) else {
            if raw.count < 8, raw.elementsEqual(magic.prefix(raw.count)), !raw.isEmpty {
                throw failure(.truncated(part: "the magic string and version", needed: 8, available: raw.count))
            }
            throw failure(.notNumPyFile)
        }
        let (major, minor) = (raw[6], raw[7])
        let lengthWidth: Int
        switch (major, minor) {
        case (1, 0): lengthWidth = 2
        case (2, 0), (3, 0): lengthWidth = 4
        default: throw failure(.unsupportedVersion(major: major, minor: minor))
        }
        guard raw.count >= 8 + lengthWidth else {
            throw failure(.truncated(part: "the header length", needed: lengthWidth, available: raw.count - 8))
        }
        var headerLength = 0
        for index in 0..<lengthWidth { headerLength |= Int(raw[8 + index]) << (8 * index) }
        let headerStart = 8 + lengthWidth
        guard raw.count - headerStart >= headerLength else {
            throw failure(.truncated(part: "the header", needed: headerLength, available: raw.count - headerStart))
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: raw[headerStart..<(headerStart + headerLength)])
        let header: NumPyHeader
        do {
            header = try NumPyHeader(parsing: headerBytes, isUTF8: major == 3)
        } catch {
            throw failure(.malformedHeader(detail: error.detail))
        }
        let dtype: DType
        switch header.descr {
        case .structured:
            throw failure(.unsupportedDType(descr: "a structured dtype"))
        case .simple(let descr):
            if let known = DType(rawValue: descr) {
                dtype = known
            } else if descr.hasPrefix(">") {
                throw failure(.bigEndian(descr: descr))
            } else {
                throw failure(.unsupportedDType(descr: descr))
            }
        }
        // Fortran and C order coincide below rank 2; NumPy writes `True` only for arrays that
        // are Fortran- but not C-contiguous.
        if header.isFortranOrder, header.shape.count >= 2 {
            throw failure(.fortranOrder(shape: header.shape))
        }
        let expected: Int
        do {
            expected = try byteCount(of: header.shape, dtype: dtype, source: source)
        } catch {
            throw failure(error.reason)
        }
        let dataStart = headerStart + headerLength
        let available = raw.count - dataStart
        guard expected == available else {
            throw failure(.sizeMismatch(shape: header.shape, descr: dtype.descr, expectedBytes: expected, actualBytes: available))
        }
        return NumPyArray(checkedDType: dtype, shape: header.shape, bytes: Array(raw[dataStart...]))
    }
}

/// Reads a whole file for the NumPy readers, with failures as ``NumPyError``.
func readNumPyFile(at url: URL) throws(NumPyError) -> [UInt8] {
    do {
        return try readFileBytes(at: url)
    } catch let error as CheckpointError {
        switch error.reason {
        case .fileSystem(let operation, _, let code):
            throw NumPyError(source: error.source, reason: .fileSystem(operation: operation, code: code))
        case .unreadable(_, let reason):
            throw NumPyError(source: error.source, reason: .unreadable(reason: reason))
        default:
            throw NumPyError(source: error.source, reason: .notAFileURL)
        }
    } catch {
        throw NumPyError(source: url.path, reason: .fileSystem(operation: "read the file", code: EIO))
    }
}
