import Foundation
import Tapestry

// The safetensors checkpoint format (https://github.com/huggingface/safetensors):
//
//     [8 bytes]  N, the header length, a little-endian UInt64
//     [N bytes]  a UTF-8 JSON object, padded with spaces so the data starts 8-byte aligned:
//                {"__metadata__": {"key": "value", …},
//                 "name": {"dtype": "F32", "shape": [784, 64], "data_offsets": [begin, end]}, …}
//     [rest]     the data section: each tensor's scalars, row-major and little-endian, at
//                [begin, end) relative to the start of the data section, with no gaps
//
// Files written here load with the Python `safetensors` package, PyTorch and NumPy.

// MARK: - Errors

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
        /// A system call failed; `path` is the file it was working on.
        case fileSystem(operation: String, path: String, code: Int32)
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
    public var description: String { Self.escapingControlCharacters("\(source): \(message)") }

    /// `text` with every control character and line separator written as a Swift-style escape.
    private static func escapingControlCharacters(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case _ where scalar.properties.generalCategory == .control
                || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator:
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

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
        case .notAFileURL:
            return "not a file URL"
        }
    }
}

// MARK: - The checkpoint value

/// The contents of a safetensors checkpoint: named tensors plus string metadata.
///
/// ```swift
/// var checkpoint = SafeTensors(metadata: ["epoch": "5"])
/// checkpoint.setTensor(kernel, named: "dense_1.kernel")
/// try checkpoint.write(to: url)
///
/// let loaded = try SafeTensors(contentsOf: url)
/// let restored = try loaded.tensor("dense_1.kernel", as: Float.self)
/// ```
///
/// **Deterministic files.** Encoding the same tensors and metadata always gives the same
/// bytes: metadata keys are sorted; tensors are laid out (and listed in the header) by
/// dtype size, largest first, then by name — the order the Python `safetensors` package
/// uses, so 8-byte scalars stay 8-byte aligned — which for a one-dtype checkpoint is
/// simply name order. The header is compact JSON padded with spaces to a multiple of 8.
///
/// **Reading** validates the whole file before returning (see `init(decoding:source:)`).
/// Entries of any standard safetensors dtype are kept as raw bytes; only F32 and F64 can be
/// turned into tensors.
public struct SafeTensors: Sendable {
    /// The largest header accepted when reading, in bytes (100 MB, as in the reference
    /// implementation); a larger length means a corrupt or foreign file.
    public static let maximumHeaderLength = 100_000_000

    /// A scalar type of the safetensors format, named as in the header.
    public enum DType: String, CaseIterable, Sendable {
        /// `BOOL`, one byte per element.
        case bool = "BOOL"
        /// `U8`.
        case uint8 = "U8"
        /// `I8`.
        case int8 = "I8"
        /// `F8_E5M2`, an 8-bit float.
        case float8E5M2 = "F8_E5M2"
        /// `F8_E4M3`, an 8-bit float.
        case float8E4M3 = "F8_E4M3"
        /// `F8_E8M0`, an 8-bit power-of-two scale.
        case float8E8M0 = "F8_E8M0"
        /// `I16`.
        case int16 = "I16"
        /// `U16`.
        case uint16 = "U16"
        /// `F16`, IEEE half precision.
        case float16 = "F16"
        /// `BF16`, bfloat16.
        case bfloat16 = "BF16"
        /// `I32`.
        case int32 = "I32"
        /// `U32`.
        case uint32 = "U32"
        /// `F32`, IEEE single precision (`Float`).
        case float32 = "F32"
        /// `F64`, IEEE double precision (`Double`).
        case float64 = "F64"
        /// `C64`, a pair of F32.
        case complex64 = "C64"
        /// `I64`.
        case int64 = "I64"
        /// `U64`.
        case uint64 = "U64"

        /// The size of one element in bytes.
        public var byteWidth: Int {
            switch self {
            case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0: return 1
            case .int16, .uint16, .float16, .bfloat16: return 2
            case .int32, .uint32, .float32: return 4
            case .float64, .complex64, .int64, .uint64: return 8
            }
        }
    }

    /// One stored tensor: its dtype, shape and raw little-endian bytes.
    ///
    /// An entry is always consistent: its byte count is `scalarCount * dtype.byteWidth`.
    /// Entries decoded from a file share the file's buffer instead of copying it, so the
    /// buffer lives as long as any of its entries.
    public struct Entry: Equatable, Sendable {
        /// The scalar type as stored.
        public let dtype: DType
        /// The size of each dimension, outermost first.
        public let shape: [Int]
        private let storage: ArraySlice<UInt8>

        /// The scalars, row-major, little-endian (a copy; see `withUnsafeBytes(_:)`).
        public var bytes: [UInt8] { Array(storage) }

        /// The number of bytes (`scalarCount * dtype.byteWidth`).
        public var byteCount: Int { storage.count }

        /// The number of scalars (the product of `shape`).
        public var scalarCount: Int { storage.count / dtype.byteWidth }

        /// Calls `body` with the raw little-endian bytes, without copying them.
        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try storage.withUnsafeBytes(body)
        }

        /// Captures a tensor's scalars (not its tape tracking).
        ///
        /// - Precondition: `S.dtypeName` is a safetensors dtype whose size is
        ///   `MemoryLayout<S>.size` (true of `Float` and `Double`).
        public init<S: TensorScalar>(_ tensor: Tensor<S>) {
            guard let dtype = DType(rawValue: S.dtypeName), dtype.byteWidth == MemoryLayout<S>.size else {
                preconditionFailure(
                    "SafeTensors.Entry: \(S.self).dtypeName '\(S.dtypeName)' is not a safetensors dtype of"
                        + " \(MemoryLayout<S>.size) bytes")
            }
            var bytes = tensor.withUnsafeScalars { Array(UnsafeRawBufferPointer($0)) }
            Self.convertLittleEndian(&bytes, width: dtype.byteWidth)
            self.init(dtype: dtype, shape: tensor.shape, bytes: bytes[...])
        }

        /// An entry from already validated parts.
        fileprivate init(dtype: DType, shape: [Int], bytes: ArraySlice<UInt8>) {
            self.dtype = dtype
            self.shape = shape
            self.storage = bytes
        }

        /// The scalars as a tensor of `S`, converting F32 to F64 (exact) but never F64 to
        /// F32 (lossy).
        fileprivate func tensor<S: TensorScalar>(named name: String, as _: S.Type, source: String) throws -> Tensor<S> {
            let count = scalarCount
            if dtype.rawValue == S.dtypeName && dtype.byteWidth == MemoryLayout<S>.size {
                #if _endian(little)
                // Suitably aligned bytes (the usual case) are the scalars as they are.
                let aligned = storage.withUnsafeBytes { raw -> Tensor<S>? in
                    guard let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<S>.alignment == 0 else {
                        return nil
                    }
                    return raw.withMemoryRebound(to: S.self) { Tensor(shape: shape, scalars: $0) }
                }
                if let aligned { return aligned }
                #endif
                var tensor = Tensor<S>(zeros: shape)
                tensor.withUnsafeMutableScalars { scalars in
                    let destination = UnsafeMutableRawBufferPointer(scalars)
                    storage.withUnsafeBytes { destination.copyMemory(from: $0) }
                    #if _endian(big)
                    Self.reverseElementBytes(destination, width: dtype.byteWidth)
                    #endif
                }
                return tensor
            }
            if dtype == .float32 && S.dtypeName == DType.float64.rawValue {
                var tensor = Tensor<S>(zeros: shape)
                tensor.withUnsafeMutableScalars { scalars in
                    storage.withUnsafeBytes { raw in
                        for index in 0..<count {
                            let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
                            scalars[index] = S(Float(bitPattern: bits))
                        }
                    }
                }
                return tensor
            }
            if dtype == .float32 || dtype == .float64,
               S.dtypeName == DType.float32.rawValue || S.dtypeName == DType.float64.rawValue {
                throw CheckpointError(
                    source: source, reason: .dtypeMismatch(tensor: name, stored: dtype.rawValue, requested: S.dtypeName))
            }
            throw CheckpointError(source: source, reason: .unsupportedDType(tensor: name, dtype: dtype.rawValue))
        }

        /// Turns host-order elements into little-endian ones (a no-op on little-endian hosts).
        private static func convertLittleEndian(_ bytes: inout [UInt8], width: Int) {
            #if _endian(big)
            bytes.withUnsafeMutableBytes { reverseElementBytes($0, width: width) }
            #endif
        }

        /// Reverses the bytes of each `width`-byte element.
        private static func reverseElementBytes(_ buffer: UnsafeMutableRawBufferPointer, width: Int) {
            guard width > 1 else { return }
            var start = 0
            while start + width <= buffer.count {
                var low = start, high = start + width - 1
                while low < high {
                    buffer.swapAt(low, high)
                    low += 1
                    high -= 1
                }
                start += width
            }
        }
    }

    /// The tensors by name.
    public var entries: [String: Entry]
    /// Free-form string metadata (`__metadata__` in the header), e.g. `["format": "pt"]`.
    public var metadata: [String: String]
    /// Where the checkpoint was read from, used in error messages; `<memory>` otherwise.
    public var source: String

    /// Creates an empty checkpoint.
    public init(metadata: [String: String] = [:]) {
        self.entries = [:]
        self.metadata = metadata
        self.source = "<memory>"
    }

    /// Creates a checkpoint from named tensors.
    ///
    /// - Throws: `CheckpointError` if two tensors share a name or one is named `__metadata__`.
    public init<S: TensorScalar>(tensors: [(name: String, tensor: Tensor<S>)], metadata: [String: String] = [:]) throws {
        self.init(metadata: metadata)
        for (name, tensor) in tensors {
            guard name != Self.metadataKey else {
                throw CheckpointError(source: source, reason: .reservedName(name))
            }
            guard entries[name] == nil else {
                throw CheckpointError(source: source, reason: .duplicateTensor(name: name))
            }
            entries[name] = Entry(tensor)
        }
    }

    /// Reads and validates the checkpoint file at `url`.
    ///
    /// - Throws: `CheckpointError` naming the path: the file cannot be read, or any problem
    ///   listed under `init(decoding:source:)`.
    public init(contentsOf url: URL) throws {
        let bytes = try readFileBytes(at: url)
        try self.init(decoding: bytes, source: url.path)
    }

    /// Stores `tensor` under `name`, replacing any tensor of that name.
    public mutating func setTensor<S: TensorScalar>(_ tensor: Tensor<S>, named name: String) {
        entries[name] = Entry(tensor)
    }

    /// The tensor names, in the order they are laid out in the file.
    public var names: [String] { orderedEntries.map(\.name) }

    /// The tensor `name` as a `Tensor<S>`.
    ///
    /// An F32 tensor can be read as `Double` (widening is exact); an F64 tensor is *not*
    /// narrowed to `Float`, which could silently lose precision: read it as `Double` and
    /// convert explicitly with `Tensor<Float>(converting:)` if that is what you mean.
    ///
    /// - Throws: `CheckpointError` with reason `.tensorNotFound`, `.dtypeMismatch` (F64 as
    ///   F32), or `.unsupportedDType` (any other stored dtype, e.g. F16, BF16 or I64).
    public func tensor<S: TensorScalar>(_ name: String, as type: S.Type = S.self) throws -> Tensor<S> {
        guard let entry = entries[name] else {
            throw CheckpointError(source: source, reason: .tensorNotFound(name: name, available: names))
        }
        return try entry.tensor(named: name, as: type, source: source)
    }

    /// Writes the checkpoint to `url` atomically (see `writeAtomically(_:to:)`).
    ///
    /// - Throws: `CheckpointError` naming the path.
    public func write(to url: URL) throws {
        var target = self
        target.source = url.isFileURL ? url.path : url.absoluteString
        try writeAtomically(target.encoded(), to: url)
    }

    fileprivate static let metadataKey = "__metadata__"

    /// The entries in file order: dtype size descending, then name.
    private var orderedEntries: [(name: String, entry: Entry)] {
        entries.map { (name: $0.key, entry: $0.value) }.sorted { a, b in
            a.entry.dtype.byteWidth != b.entry.dtype.byteWidth
                ? a.entry.dtype.byteWidth > b.entry.dtype.byteWidth
                : a.name < b.name
        }
    }
}

// MARK: - Encoding

extension SafeTensors {
    /// The checkpoint as the bytes of a safetensors file (deterministic: see the type's
    /// documentation for the order).
    ///
    /// - Throws: `CheckpointError` with reason `.reservedName` if a tensor is named
    ///   `__metadata__`.
    public func encoded() throws -> [UInt8] {
        if entries[Self.metadataKey] != nil {
            throw CheckpointError(source: source, reason: .reservedName(Self.metadataKey))
        }
        let ordered = orderedEntries
        var header: [UInt8] = []
        header.append(UInt8(ascii: "{"))
        var needsComma = false
        if !metadata.isEmpty {
            appendJSONString(Self.metadataKey, to: &header)
            header.append(contentsOf: Array(":{".utf8))
            for (index, key) in metadata.keys.sorted().enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
            needsComma = true
        }
        var offset = 0
        for (name, entry) in ordered {
            if needsComma { header.append(UInt8(ascii: ",")) }
            needsComma = true
            appendJSONString(name, to: &header)
            let shape = entry.shape.map(String.init).joined(separator: ",")
            let end = offset + entry.byteCount
            let fields = ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            header.append(contentsOf: Array(fields.utf8))
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        // Pad so the data section starts at a multiple of 8 (8 + N ≡ 0 mod 8).
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for (_, entry) in ordered { entry.withUnsafeBytes { file.append(contentsOf: $0) } }
        return file
    }
}

/// Appends `string` as a JSON string literal (UTF-8, escaping quotes, backslashes and
/// control characters).
private func appendJSONString(_ string: String, to output: inout [UInt8]) {
    let hexDigits = Array("0123456789abcdef".utf8)
    output.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            output.append(contentsOf: Array("\\u00".utf8))
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0xF)])
        default: output.append(byte)
        }
    }
    output.append(UInt8(ascii: "\""))
}

// MARK: - Decoding

extension SafeTensors {
    /// Decodes and validates the bytes of a safetensors file.
    ///
    /// Every structural property is checked before anything is returned, so no input can
    /// crash the decoder or make it allocate more than the input's size:
    /// - the 8-byte header length is present, at most `maximumHeaderLength`, and within the file;
    /// - the header is UTF-8 JSON (nesting at most 64 deep, no duplicate keys) holding an
    ///   object whose `__metadata__`, if present, maps strings to strings;
    /// - each tensor has a `dtype` string naming a standard safetensors dtype, a `shape` of
    ///   non-negative integers whose product (and byte size) does not overflow, and
    ///   `data_offsets` `[begin, end]` with `0 ≤ begin ≤ end` spanning exactly
    ///   shape × dtype size bytes, all within the file;
    /// - the tensors tile the data section exactly: no overlaps, gaps or trailing bytes.
    ///
    /// - Parameter source: the file's name for error messages.
    /// - Throws: `CheckpointError` whose description names `source` and the tensor or byte
    ///   offset at fault.
    public init(decoding bytes: [UInt8], source: String = "<memory>") throws {
        func fail(_ reason: CheckpointError.Reason) -> CheckpointError {
            CheckpointError(source: source, reason: reason)
        }
        guard bytes.count >= 8 else { throw fail(.fileTooShort(byteCount: bytes.count)) }
        var length: UInt64 = 0
        for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw fail(.headerTooLarge(length: length, limit: Self.maximumHeaderLength))
        }
        let headerLength = Int(length)
        guard headerLength <= bytes.count - 8 else {
            throw fail(.headerPastEndOfFile(length: length, fileSize: bytes.count))
        }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart

        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes[8..<dataStart])
        } catch let error as JSONParser.SyntaxError {
            throw fail(.malformedJSON(byteOffset: error.offset, detail: error.detail))
        }
        guard case .object(let members) = root else {
            throw fail(.invalidHeader(detail: "the header is a JSON \(root.kindName), not an object"))
        }

        var metadata: [String: String] = [:]
        var layout: [(name: String, dtype: DType, shape: [Int], range: Range<Int>)] = []
        for (name, value) in members {
            if name == Self.metadataKey {
                metadata = try Self.decodeMetadata(value, fail: fail)
                continue
            }
            let entry = try Self.decodeEntry(name: name, value: value, fail: fail)
            guard entry.range.upperBound <= dataSize else {
                throw fail(.dataPastEndOfFile(
                    tensor: name, range: entry.range, dataStart: dataStart, fileSize: bytes.count))
            }
            layout.append((name, entry.dtype, entry.shape, entry.range))
        }

        // The tensors must tile the data section: sorted by offset, each starts where the
        // previous one ended, and the last ends at the end of the file.
        layout.sort { a, b in
            (a.range.lowerBound, a.range.upperBound, a.name) < (b.range.lowerBound, b.range.upperBound, b.name)
        }
        var cursor = 0
        var previous: (name: String, range: Range<Int>)?
        for item in layout {
            if item.range.lowerBound < cursor, let previous {
                throw fail(.overlappingData(
                    tensor: item.name, range: item.range, other: previous.name, otherRange: previous.range))
            }
            if item.range.lowerBound > cursor {
                throw fail(.unusedData(range: cursor..<item.range.lowerBound, dataStart: dataStart))
            }
            cursor = item.range.upperBound
            previous = (item.name, item.range)
        }
        if cursor < dataSize {
            throw fail(.unusedData(range: cursor..<dataSize, dataStart: dataStart))
        }

        var entries: [String: Entry] = [:]
        entries.reserveCapacity(layout.count)
        for item in layout {
            let slice = bytes[(dataStart + item.range.lowerBound)..<(dataStart + item.range.upperBound)]
            entries[item.name] = Entry(dtype: item.dtype, shape: item.shape, bytes: slice)
        }
        self.entries = entries
        self.metadata = metadata
        self.source = source
    }

    private static func decodeMetadata(
        _ value: JSONValue, fail: (CheckpointError.Reason) -> CheckpointError
    ) throws -> [String: String] {
        guard case .object(let pairs) = value else {
            throw fail(.invalidHeader(detail: "__metadata__ is a JSON \(value.kindName), not an object"))
        }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard case .string(let text) = item else {
                throw fail(.invalidHeader(
                    detail: "__metadata__ value for key '\(key)' is a JSON \(item.kindName), not a string"))
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func decodeEntry(
        name: String, value: JSONValue, fail: (CheckpointError.Reason) -> CheckpointError
    ) throws -> (dtype: DType, shape: [Int], range: Range<Int>) {
        func invalid(_ detail: String) -> CheckpointError { fail(.invalidEntry(tensor: name, detail: detail)) }
        guard case .object(let fields) = value else {
            throw invalid("the entry is a JSON \(value.kindName), not an object")
        }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for (key, field) in fields {
            switch key {
            case "dtype": dtypeValue = field
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: break  // Unknown fields are ignored, as by the reference implementation.
            }
        }

        guard let dtypeValue else { throw invalid("the entry has no \"dtype\"") }
        guard case .string(let dtypeName) = dtypeValue else {
            throw invalid("\"dtype\" is a JSON \(dtypeValue.kindName), not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail(.unsupportedDType(tensor: name, dtype: dtypeName))
        }

        guard let shapeValue else { throw invalid("the entry has no \"shape\"") }
        guard case .array(let dimensionValues) = shapeValue else {
            throw invalid("\"shape\" is a JSON \(shapeValue.kindName), not an array")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dimensionValues.count)
        var scalarCount = 1
        for (index, dimensionValue) in dimensionValues.enumerated() {
            let dimension = try dimensionValue.nonNegativeInteger(orThrow: { invalid("shape[\(index)] \($0)") })
            // Reject a running product that overflows even if a later dimension is 0, so
            // that `Tensor`'s own left-to-right count cannot overflow either.
            let (product, overflow) = scalarCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid("shape [\(dimensionValues.map(\.text).joined(separator: ", "))] overflows Int") }
            scalarCount = product
            shape.append(dimension)
        }
        let (byteCount, overflow) = scalarCount.multipliedReportingOverflow(by: dtype.byteWidth)
        guard !overflow else { throw invalid("shape \(shape) of dtype \(dtypeName) overflows Int in bytes") }

        guard let offsetsValue else { throw invalid("the entry has no \"data_offsets\"") }
        guard case .array(let offsetValues) = offsetsValue, offsetValues.count == 2 else {
            throw invalid("\"data_offsets\" is not an array of two integers [begin, end]")
        }
        let begin = try offsetValues[0].nonNegativeInteger(orThrow: { invalid("data_offsets[0] \($0)") })
        let end = try offsetValues[1].nonNegativeInteger(orThrow: { invalid("data_offsets[1] \($0)") })
        guard begin <= end else { throw invalid("data_offsets [\(begin), \(end)] end before they begin") }
        guard end - begin == byteCount else {
            throw fail(.sizeMismatch(
                tensor: name, shape: shape, dtype: dtypeName, expectedBytes: byteCount, actualBytes: end - begin))
        }
        return (dtype, shape, begin..<end)
    }
}

// MARK: - A strict JSON parser

/// A parsed JSON value. Objects keep their members in order; numbers keep their text.
fileprivate enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// `"object"`, `"array"`, … for error messages.
    var kindName: String {
        switch self {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .number: return "number"
        case .bool: return "boolean"
        case .null: return "null"
        }
    }

    /// A short rendering for error messages.
    var text: String {
        switch self {
        case .number(let text): return text
        case .string(let text): return "\"\(text.prefix(40))\""
        case .bool(let value): return "\(value)"
        default: return kindName
        }
    }

    /// The value as an `Int ≥ 0`; otherwise throws `error(description of the problem)`.
    func nonNegativeInteger(orThrow error: (String) -> Error) throws -> Int {
        guard case .number(let text) = self else { throw error("is a JSON \(kindName), not an integer") }
        guard !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            throw error("is \(text), not an integer")
        }
        guard !text.hasPrefix("-") || text == "-0" else { throw error("is negative (\(text))") }
        guard let value = Int(text) else { throw error("is \(text), too large") }
        return value
    }
}

/// A strict RFC 8259 parser over bytes, written for hostile input: it checks every index,
/// bounds nesting depth, validates UTF-8 and surrogate pairs, and rejects duplicate keys.
fileprivate struct JSONParser {
    /// Where (byte offset in the file) and why parsing failed.
    struct SyntaxError: Error {
        var offset: Int
        var detail: String
    }

    static let maximumDepth = 64

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    private init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// Parses exactly one JSON value surrounded by optional whitespace. Error offsets are
    /// indices of `bytes` (so, file offsets for a slice of the file).
    static func parse(_ bytes: ArraySlice<UInt8>) throws -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.endIndex else {
            throw parser.error("unexpected \(parser.describeCurrent()) after the JSON value")
        }
        return value
    }

    private func error(_ detail: String) -> SyntaxError { SyntaxError(offset: index, detail: detail) }

    private var current: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of header" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard current == byte else { throw error("expected \(what), found \(describeCurrent())") }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw error("nested more than \(Self.maximumDepth) levels deep") }
        guard let byte = current else { throw error("expected a JSON value, found end of header") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("expected a JSON value, found \(describeCurrent())")
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard current == UInt8(ascii: "\"") else {
                throw error("expected a string key, found \(describeCurrent())")
            }
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw SyntaxError(offset: keyOffset, detail: "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a key")
            skipWhitespace()
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return .object(members)
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(elements)
        }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws {
        let start = index
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard current == expected else {
                index = start
                throw error("expected '\(literal)', found \(describeCurrent())")
            }
            index += 1
        }
    }

    private mutating func parseNumber() throws -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, isDigit(first) else { throw error("expected a digit") }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, isDigit(digit) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, isDigit(digit) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }

    private mutating func parseString() throws -> String {
        let start = index
        index += 1  // "
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else {
                index = start
                throw error("unterminated string")
            }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw SyntaxError(offset: start, detail: "string is not valid UTF-8")
                }
                return string
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &utf8)
            case 0..<0x20:
                throw error("unescaped control character 0x\(String(byte, radix: 16)) in a string")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws {
        guard let byte = current else { throw error("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var value = try parseHex4()
            if (0xD800..<0xDC00).contains(value) {
                guard current == UInt8(ascii: "\\") else { throw error("unpaired UTF-16 surrogate") }
                index += 1
                guard current == UInt8(ascii: "u") else { throw error("unpaired UTF-16 surrogate") }
                index += 1
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired UTF-16 surrogate") }
                value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(value) {
                throw error("unpaired UTF-16 surrogate")
            }
            guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
            UTF8.encode(scalar) { utf8.append($0) }
        default:
            index -= 1
            throw error("invalid escape sequence: backslash followed by \(describeCurrent())")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("expected a hex digit in a \\u escape, found \(describeCurrent())")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
