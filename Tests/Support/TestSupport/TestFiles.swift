// TestFiles.swift: gzip and IDX test files, shared by the TapestryData and reliability tests.

import CZlib
import Foundation
import XCTest

public enum Gzip {
    /// `bytes` compressed as one gzip member (deflate, 32 KiB window, gzip wrapper).
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: gzip wrapper; 8: default memory level.
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw TestFailure("deflateInit2 failed: \(status)") }
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        let produced: Int = try bytes.withUnsafeBufferPointer { input in
            try output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                let result = deflate(&stream, Z_FINISH)
                guard result == Z_STREAM_END else { throw TestFailure("deflate did not finish: \(result)") }
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }

    /// Writes `bytes`, gzip-compressed, to `url`.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try Data(compress(bytes)).write(to: url)
    }
}

/// An error thrown by test helpers, with a message for the failure report.
public struct TestFailure: Error, CustomStringConvertible {
    /// The message.
    public let description: String
    /// Creates a failure with a message.
    public init(_ description: String) { self.description = description }
}

/// Builds IDX files byte by byte.
public enum IDXBytes {
    /// An IDX file: magic `00 00 type rank`, big-endian dimensions, then `payload` as given.
    public static func make(type: UInt8 = 0x08, dimensions: [UInt32], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for dimension in dimensions {
            bytes += [UInt8(dimension >> 24), UInt8(dimension >> 16 & 0xff), UInt8(dimension >> 8 & 0xff), UInt8(dimension & 0xff)]
        }
        return bytes + payload
    }

    /// An images file (magic 0x00000803) of `count` images of `rows` × `columns` pixels.
    public static func images(count: Int, rows: Int, columns: Int, pixels: [UInt8]) -> [UInt8] {
        make(dimensions: [UInt32(count), UInt32(rows), UInt32(columns)], payload: pixels)
    }

    /// An images file of `count` images of `rows` × `columns` made-up pixels.
    public static func images(count: Int, rows: Int = 28, columns: Int = 28) -> [UInt8] {
        images(count: count, rows: rows, columns: columns,
               pixels: (0..<(count * rows * columns)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    }

    /// A labels file (magic 0x00000801).
    public static func labels(_ labels: [UInt8]) -> [UInt8] {
        make(dimensions: [UInt32(labels.count)], payload: labels)
    }

    /// A labels file of `count` labels cycling through 0...9.
    public static func labels(count: Int) -> [UInt8] {
        labels((0..<count).map { UInt8($0 % 10) })
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), cheap enough for megabytes in a debug build.
public func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        for index in 0..<count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            buffer[index] = UInt8(truncatingIfNeeded: (state &* 2_685_821_657_736_338_717) >> 56)
        }
        initialized = count
    }
}

/// A fresh temporary directory, removed when the test ends.
public func makeTemporaryDirectory(_ testCase: XCTestCase, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tapestry-data-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
