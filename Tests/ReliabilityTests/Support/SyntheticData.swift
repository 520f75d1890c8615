// SyntheticData.swift: small gzip IDX files laid out like Fashion-MNIST, and ways to spoil them.
// (The same approach as Tests/TapestryDataTests/Support, which a test target cannot import.)

import CZlib
import Foundation

enum Gzip {
    /// `bytes` compressed as one gzip member (deflate, 32 KiB window, gzip wrapper).
    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw TestFailure("deflateInit2 failed: \(status)") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        var input = bytes
        let produced: Int = try input.withUnsafeMutableBufferPointer { source in
            try output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = uInt(destination.count)
                let result = deflate(&stream, Z_FINISH)
                guard result == Z_STREAM_END else { throw TestFailure("deflate did not finish: \(result)") }
                return destination.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }
}

/// IDX files, byte by byte: magic `00 00 type rank`, big-endian dimensions, then the payload.
enum IDXBytes {
    static func make(type: UInt8 = 0x08, dimensions: [UInt32], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for dimension in dimensions { bytes += withUnsafeBytes(of: dimension.bigEndian, Array.init) }
        return bytes + payload
    }

    static func images(count: Int, rows: Int = 28, columns: Int = 28) -> [UInt8] {
        let pixels = (0..<(count * rows * columns)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        return make(dimensions: [UInt32(count), UInt32(rows), UInt32(columns)], payload: pixels)
    }

    static func labels(count: Int) -> [UInt8] {
        make(dimensions: [UInt32(count)], payload: (0..<count).map { UInt8($0 % 10) })
    }
}

/// A Fashion-MNIST-like folder: the four official file names, 28×28 images, 8 and 4 examples.
enum SyntheticFashionFolder {
    static let trainImages = "train-images-idx3-ubyte.gz"
    static let trainLabels = "train-labels-idx1-ubyte.gz"
    static let testImages = "t10k-images-idx3-ubyte.gz"
    static let testLabels = "t10k-labels-idx1-ubyte.gz"

    /// Writes the four files into `folder` (created if need be); valid, but not the official data.
    static func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = [
            trainImages: IDXBytes.images(count: 8), trainLabels: IDXBytes.labels(count: 8),
            testImages: IDXBytes.images(count: 4), testLabels: IDXBytes.labels(count: 4),
        ]
        for (name, bytes) in files {
            try Data(Gzip.compress(bytes)).write(to: folder.appendingPathComponent(name))
        }
    }

    /// Replaces the file `name` in `folder` with `bytes` as they are (no compression).
    static func replace(_ name: String, in folder: URL, with bytes: [UInt8]) throws {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }

    /// The raw bytes of `name` in `folder`.
    static func bytes(of name: String, in folder: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
