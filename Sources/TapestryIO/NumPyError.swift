// NumPyError.swift: why reading or writing a `.npy` or `.npz` file failed.

/// An error reading or writing a NumPy `.npy` file or `.npz` archive.
///
/// Its `description` is one line that starts with the file (`source`) and, inside an
/// archive, the member, e.g. `weights.npz: member 'kernel.npy': the array is stored in
/// Fortran order; Tapestry reads C order only (save np.ascontiguousarray(a))`.
public struct NumPyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// The bytes do not start with the `.npy` magic string `\x93NUMPY`.
        case notNumPyFile
        /// The format version is not 1.0, 2.0 or 3.0.
        case unsupportedVersion(major: UInt8, minor: UInt8)
        /// The file ends inside the part named (`the header length`, `the header`, …).
        case truncated(part: String, needed: Int, available: Int)
        /// The header is not the Python dictionary literal the format prescribes.
        case malformedHeader(detail: String)
        /// The dtype is big-endian; Tapestry reads little-endian data only.
        case bigEndian(descr: String)
        /// The data is in Fortran (column-major) order; Tapestry reads C order only.
        case fortranOrder(shape: [Int])
        /// The dtype is not one of `<f4`, `<f8`, `<i4`, `<i8` (object arrays, strings,
        /// structured or other numeric types).
        case unsupportedDType(descr: String)
        /// The element count of the shape overflows, or its bytes exceed the file.
        case shapeTooLarge(shape: [Int])
        /// The data section has a different length than the shape and dtype need.
        case sizeMismatch(shape: [Int], descr: String, expectedBytes: Int, actualBytes: Int)
        /// The array's dtype is not the scalar type asked for.
        case dtypeMismatch(stored: String, requested: String)
        /// The archive is not a valid ZIP file, or uses a ZIP feature Tapestry does not read.
        case invalidArchive(detail: String)
        /// No member of the archive has this name.
        case memberNotFound(name: String, available: [String])
        /// A system call failed while reading.
        case fileSystem(operation: String, code: Int32)
        /// The URL does not name a local file.
        case notAFileURL
        /// The data is too large for the format written.
        case tooLarge(detail: String)
        /// The path names something that cannot be read as a file: a FIFO, a device, a
        /// folder, or a file that kept growing while it was read; why.
        case unreadable(reason: String)
    }

    /// The file the error is about (its path), or `<memory>` for in-memory bytes.
    public var source: String
    /// The archive member the error is about (for example `kernel.npy`), if any.
    public var member: String?
    /// What went wrong.
    public var reason: Reason

    /// Creates an error about `source` (and `member` of an archive).
    public init(source: String, member: String? = nil, reason: Reason) {
        self.source = source
        self.member = member
        self.reason = reason
    }

    /// `"<source>: [member '<name>': ]<what went wrong>"`, on one line.
    public var description: String {
        let prefix = member.map { "\(source): member '\($0)': " } ?? "\(source): "
        return escapingControlCharacters(prefix + message)
    }

    private var message: String {
        switch reason {
        case .notNumPyFile:
            return "not a NumPy .npy file (it does not start with \\x93NUMPY)"
        case .unsupportedVersion(let major, let minor):
            return "unsupported .npy format version \(major).\(minor) (Tapestry reads 1.0, 2.0 and 3.0)"
        case .truncated(let part, let needed, let available):
            return "the file ends inside \(part): it needs \(needed) bytes, but only \(available) remain"
        case .malformedHeader(let detail):
            return "malformed .npy header: \(detail)"
        case .bigEndian(let descr):
            return "the dtype '\(descr)' is big-endian; Tapestry reads little-endian data only"
                + " (save a.astype(a.dtype.newbyteorder('<')))"
        case .fortranOrder(let shape):
            return "the array of shape \(shape) is stored in Fortran order; Tapestry reads C order only"
                + " (save np.ascontiguousarray(a))"
        case .unsupportedDType(let descr):
            return "the dtype '\(descr)' is not supported (Tapestry reads <f4, <f8, <i4 and <i8)"
        case .shapeTooLarge(let shape):
            return "the shape \(shape) holds more elements than the file can"
        case .sizeMismatch(let shape, let descr, let expected, let actual):
            return "an array of shape \(shape) and dtype '\(descr)' needs \(expected) data bytes, but the file has \(actual)"
        case .dtypeMismatch(let stored, let requested):
            return "the array is stored as \(stored), not \(requested)"
        case .invalidArchive(let detail):
            return "not a valid .npz archive: \(detail)"
        case .memberNotFound(let name, let available):
            let listed = available.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            let more = available.count > 8 ? ", …" : ""
            return available.isEmpty
                ? "no array named '\(name)' (the archive is empty)"
                : "no array named '\(name)' (the archive holds \(available.count): \(listed)\(more))"
        case .fileSystem(let operation, let code):
            return "cannot \(operation): \(systemErrorMessage(code)) (errno \(code))"
        case .notAFileURL:
            return "not a file URL"
        case .tooLarge(let detail):
            return detail
        case .unreadable(let reason):
            return "cannot read the file: \(reason)"
        }
    }
}
