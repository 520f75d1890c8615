// IDX.swift: the IDX array format (LeCun's MNIST format), read from gzip files.
//
// An IDX file is a 4-byte magic number `00 00 TT NN` (TT the element type, NN the number of
// dimensions), NN big-endian 32-bit dimension sizes, then the elements in row-major order,
// big-endian when wider than a byte.

import Foundation
import Tapestry

/// The element type of an IDX array, coded in the third byte of its magic number.
public enum IDXElementType: UInt8, Sendable, CaseIterable {
    /// Unsigned byte (`0x08`), the type of MNIST-style images and labels.
    case uint8 = 0x08
    /// Signed byte (`0x09`).
    case int8 = 0x09
    /// Big-endian 16-bit signed integer (`0x0B`).
    case int16 = 0x0B
    /// Big-endian 32-bit signed integer (`0x0C`).
    case int32 = 0x0C
    /// Big-endian IEEE 754 single precision (`0x0D`).
    case float32 = 0x0D
    /// Big-endian IEEE 754 double precision (`0x0E`).
    case float64 = 0x0E

    /// The size of one element in bytes.
    public var byteWidth: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16: return 2
        case .int32, .float32: return 4
        case .float64: return 8
        }
    }
}

/// A decoded IDX array: its element type, its shape and its raw elements.
public struct IDXArray: Sendable, Equatable {
    /// The type of each element.
    public let elementType: IDXElementType

    /// The size of each dimension, outermost first (`[60000, 28, 28]` for Fashion-MNIST images).
    public let shape: [Int]

    /// The elements in row-major order, as stored: the values themselves for ``IDXElementType/uint8``,
    /// big-endian encodings for the wider types.
    public let data: [UInt8]

    /// The magic number that starts the file: `0x0000TTNN`.
    public var magic: UInt32 {
        UInt32(elementType.rawValue) << 8 | UInt32(shape.count)
    }

    /// The number of elements (the product of ``shape``).
    public var count: Int { data.count / elementType.byteWidth }

    /// The element at `index` in row-major order, converted to `Double`, whatever its type.
    ///
    /// - Precondition: `0 <= index < count`.
    public func value(at index: Int) -> Double {
        checkPrecondition(index >= 0 && index < count, "IDX element index \(index) out of range 0..<\(count)")
        let offset = index * elementType.byteWidth
        func bigEndian<T: FixedWidthInteger>(_: T.Type) -> T {
            var value: T = 0
            for byte in data[offset..<offset + MemoryLayout<T>.size] {
                value = value << 8 | T(truncatingIfNeeded: byte)
            }
            return value
        }
        switch elementType {
        case .uint8: return Double(data[offset])
        case .int8: return Double(Int8(bitPattern: data[offset]))
        case .int16: return Double(bigEndian(Int16.self))
        case .int32: return Double(bigEndian(Int32.self))
        case .float32: return Double(Float(bitPattern: bigEndian(UInt32.self)))
        case .float64: return Double(bitPattern: bigEndian(UInt64.self))
        }
    }

    init(elementType: IDXElementType, shape: [Int], data: [UInt8]) {
        self.elementType = elementType
        self.shape = shape
        self.data = data
    }
}

/// An IDX array together with facts about the decompressed file it came from.
public struct IDXFile: Sendable {
    /// The decoded array.
    public let array: IDXArray

    /// The size of the decompressed file (header and elements) in bytes.
    public let byteCount: Int

    /// The SHA-256 of the decompressed file as 64 lowercase hexadecimal digits, when it was asked for.
    public let sha256: String?
}

/// Reading IDX files compressed with gzip.
public enum IDX {
    /// The magic number of a 3-dimensional unsigned-byte array: a stack of images.
    public static let imagesMagic: UInt32 = 0x0000_0803

    /// The magic number of a 1-dimensional unsigned-byte array: a list of labels.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// The default cap on the decompressed size of one file: 1 GiB.
    public static let defaultMaximumDecompressedBytes = 1 << 30

    /// Decompresses and decodes the gzip-compressed IDX file at `url`.
    ///
    /// The elements are inflated straight into the returned array, whose size comes from the
    /// header. The header is checked before anything is allocated for the elements: a size that
    /// overflows, exceeds `maximumDecompressedBytes`, or exceeds what the compressed file can
    /// possibly hold (deflate expands at most 1032:1) is refused. The data must end exactly where
    /// the header says, and every gzip member's CRC-32 must match.
    ///
    /// - Parameters:
    ///   - url: A local gzip file.
    ///   - name: How to name the file in errors; its path by default.
    ///   - expectedMagic: The magic number the file must have (``imagesMagic``, ``labelsMagic``),
    ///     or `nil` to accept any valid IDX header.
    ///   - maximumDecompressedBytes: The largest decompressed size accepted.
    ///   - computeSHA256: Whether to hash the decompressed bytes (header included) as they arrive.
    /// - Throws: ``DatasetError`` naming the file and what is wrong with it.
    public static func read(
        gzipFile url: URL,
        name: String? = nil,
        expectedMagic: UInt32? = nil,
        maximumDecompressedBytes: Int = defaultMaximumDecompressedBytes,
        computeSHA256: Bool = false
    ) throws -> IDXFile {
        let name = name ?? url.path
        let reader = try GzipFileReader(contentsOf: url, name: name)
        let hasher = computeSHA256 ? SHA256() : nil

        // Magic number.
        var magicBytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let magicCount = try withUnsafeMutableBytes(of: &magicBytes) { try reader.read(into: $0) }
        guard magicCount == 4 else {
            throw DatasetError.truncated(file: name, atByte: magicCount, expectedBytes: 4)
        }
        let magic = UInt32(magicBytes.0) << 24 | UInt32(magicBytes.1) << 16
            | UInt32(magicBytes.2) << 8 | UInt32(magicBytes.3)
        if let expectedMagic, magic != expectedMagic {
            throw DatasetError.wrongMagic(file: name, expected: expectedMagic, found: magic)
        }
        guard magicBytes.0 == 0, magicBytes.1 == 0 else {
            throw DatasetError.invalidHeader(
                file: name, reason: "magic number \(magic.hex) does not start with two zero bytes")
        }
        guard let elementType = IDXElementType(rawValue: magicBytes.2) else {
            throw DatasetError.invalidHeader(
                file: name, reason: "unknown element type 0x\(String(magicBytes.2, radix: 16))")
        }
        let rank = Int(magicBytes.3)
        guard rank > 0 else {
            throw DatasetError.invalidHeader(file: name, reason: "the magic number declares no dimensions")
        }

        // Dimensions.
        let headerSize = 4 + 4 * rank
        var dimensionBytes = [UInt8](repeating: 0, count: 4 * rank)
        let dimensionCount = try dimensionBytes.withUnsafeMutableBytes { try reader.read(into: $0) }
        guard dimensionCount == dimensionBytes.count else {
            throw DatasetError.truncated(file: name, atByte: 4 + dimensionCount, expectedBytes: headerSize)
        }
        var shape: [Int] = []
        shape.reserveCapacity(rank)
        var elementCount: UInt64? = 1
        for axis in 0..<rank {
            let size = dimensionBytes[4 * axis..<4 * axis + 4].reduce(0) { UInt32($0) << 8 | UInt32($1) }
            shape.append(Int(size))
            elementCount = elementCount.flatMap { count in
                let (product, overflow) = count.multipliedReportingOverflow(by: UInt64(size))
                return overflow ? nil : product
            }
        }
        // A zero dimension makes the array empty whatever the others are, but code that
        // multiplies some of them (rows × columns) must not overflow: refuse dimensions whose
        // non-zero product, in bytes, does not fit in an Int.
        if shape.contains(0) {
            let nonZero = shape.filter { $0 != 0 }
            var bytes: Int? = elementType.byteWidth
            for size in nonZero {
                bytes = bytes.flatMap { product in
                    let (next, overflow) = product.multipliedReportingOverflow(by: size)
                    return overflow ? nil : next
                }
            }
            guard bytes != nil else {
                throw DatasetError.invalidHeader(
                    file: name,
                    reason: "the dimensions \(shape.map(\.groupedByThousands).joined(separator: " × ")) of "
                        + "\(elementType.byteWidth)-byte elements hold no element, but without the zero "
                        + "they multiply past 2^63 bytes")
            }
        }
        let claimedBytes = elementCount.flatMap { count -> UInt64? in
            let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(elementType.byteWidth))
            return overflow ? nil : bytes
        }

        // Refuse what cannot or must not be allocated, before allocating it.
        let streamLimit = reader.maximumDecompressedSize - headerSize
        let limit = max(0, min(maximumDecompressedBytes - headerSize, streamLimit))
        guard let claimedBytes, claimedBytes <= UInt64(limit) else {
            let reason = streamLimit < maximumDecompressedBytes - headerSize
                ? "a \(reader.compressedSize.groupedByThousands)-byte gzip file cannot decompress to more "
                    + "than \(reader.maximumDecompressedSize.groupedByThousands) bytes"
                : "the configured maximum decompressed size"
            throw DatasetError.implausibleSize(
                file: name, claimedBytes: claimedBytes, limit: limit, reason: reason)
        }
        let payloadSize = Int(claimedBytes)
        let expectedBytes = headerSize + payloadSize
        withUnsafeBytes(of: magicBytes) { hasher?.update(bufferPointer: $0) }
        dimensionBytes.withUnsafeBytes { hasher?.update(bufferPointer: $0) }

        // Elements: inflated in slices straight into the final array, each hashed while in cache.
        let slice = 1 << 18
        let data = try [UInt8](unsafeUninitializedCapacity: payloadSize) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var filled = 0
            while filled < payloadSize {
                let part = UnsafeMutableRawBufferPointer(
                    rebasing: raw[filled..<min(filled + slice, payloadSize)])
                let got = try reader.read(into: part)
                hasher?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: part[..<got]))
                filled += got
                guard got == part.count else {
                    throw DatasetError.truncated(
                        file: name, atByte: headerSize + filled, expectedBytes: expectedBytes)
                }
            }
            initialized = payloadSize
        }
        guard try reader.isAtEnd() else {
            throw DatasetError.trailingData(file: name, expectedBytes: expectedBytes)
        }

        let digest = hasher?.finalize()
        return IDXFile(
            array: IDXArray(elementType: elementType, shape: shape, data: data),
            byteCount: expectedBytes, sha256: digest)
    }
}
