// IDXTests.swift: decoding synthetic gzip IDX files, and every way a file can be bad.

import Foundation
import TestSupport
import TapestryData
import XCTest

final class IDXTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    /// Writes `bytes` gzip-compressed into the temporary directory.
    private func gzipFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Gzip.write(bytes, to: url)
        return url
    }

    /// Writes `bytes` as they are into the temporary directory.
    private func rawFile(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Runs `body`, which must throw a `DatasetError`, and returns it.
    private func datasetError(
        file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> some Any
    ) -> DatasetError? {
        do {
            _ = try body()
            XCTFail("expected a DatasetError, nothing was thrown", file: file, line: line)
        } catch let error as DatasetError {
            XCTAssertFalse(error.description.contains("\n"), "not one line: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: Decoding

    func testImagesRoundTrip() throws {
        let pixels: [UInt8] = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255, 7, 7, 7, 9, 9, 9]
        let bytes = IDXBytes.images(count: 3, rows: 2, columns: 3, pixels: pixels)
        let url = try gzipFile("images.gz", bytes)

        let file = try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic, computeSHA256: true)

        XCTAssertEqual(file.array.elementType, .uint8)
        XCTAssertEqual(file.array.shape, [3, 2, 3])
        XCTAssertEqual(file.array.magic, 0x0000_0803)
        XCTAssertEqual(file.array.count, 18)
        XCTAssertEqual(file.array.data, pixels)
        XCTAssertEqual(file.byteCount, 16 + 18)
        let expected = SHA256.hexDigest(of: bytes)
        XCTAssertEqual(file.sha256, expected)
    }

    func testDigestIsOnlyComputedWhenAsked() throws {
        let url = try gzipFile("labels.gz", IDXBytes.labels([1, 2, 3]))
        let file = try IDX.read(gzipFile: url)
        XCTAssertNil(file.sha256)
        XCTAssertEqual(file.array.data, [1, 2, 3])
        XCTAssertEqual(file.array.magic, IDX.labelsMagic)
    }

    func testEmptyArrayIsValid() throws {
        let url = try gzipFile("empty.gz", IDXBytes.images(count: 0, rows: 28, columns: 28, pixels: []))
        let file = try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic)
        XCTAssertEqual(file.array.shape, [0, 28, 28])
        XCTAssertEqual(file.array.data, [])
    }

    func testWiderElementTypesDecodeBigEndian() throws {
        // int8: -1, 127
        let int8 = try IDX.read(gzipFile: gzipFile("i8.gz", IDXBytes.make(type: 0x09, dimensions: [2], payload: [0xff, 0x7f])))
        XCTAssertEqual(int8.array.elementType, .int8)
        XCTAssertEqual([int8.array.value(at: 0), int8.array.value(at: 1)], [-1, 127])

        // int16: -2, 258
        let int16 = try IDX.read(gzipFile: gzipFile("i16.gz", IDXBytes.make(type: 0x0B, dimensions: [2], payload: [0xff, 0xfe, 0x01, 0x02])))
        XCTAssertEqual(int16.array.elementType, .int16)
        XCTAssertEqual(int16.array.count, 2)
        XCTAssertEqual([int16.array.value(at: 0), int16.array.value(at: 1)], [-2, 258])

        // int32 in a 2×1 array: 16909060, -1
        let int32 = try IDX.read(gzipFile: gzipFile("i32.gz", IDXBytes.make(type: 0x0C, dimensions: [2, 1], payload: [1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff])))
        XCTAssertEqual(int32.array.shape, [2, 1])
        XCTAssertEqual(int32.array.magic, 0x0000_0C02)
        XCTAssertEqual([int32.array.value(at: 0), int32.array.value(at: 1)], [16_909_060, -1])

        // float32: 1.5 is 0x3FC00000
        let float32 = try IDX.read(gzipFile: gzipFile("f32.gz", IDXBytes.make(type: 0x0D, dimensions: [1], payload: [0x3f, 0xc0, 0, 0])))
        XCTAssertEqual(float32.array.value(at: 0), 1.5)

        // float64: -0.25 is 0xBFD0000000000000
        let float64 = try IDX.read(gzipFile: gzipFile("f64.gz", IDXBytes.make(type: 0x0E, dimensions: [1, 1, 1], payload: [0xbf, 0xd0, 0, 0, 0, 0, 0, 0])))
        XCTAssertEqual(float64.array.shape, [1, 1, 1])
        XCTAssertEqual(float64.array.value(at: 0), -0.25)
    }

    func testLargeIncompressiblePayloadSpanningManyChunks() throws {
        // 2.4 MB of noise: more than one 1 MiB read of compressed input and many 256 KiB slices.
        let pixels = pseudoRandomBytes(count: 3000 * 28 * 28, seed: 42)
        let bytes = IDXBytes.images(count: 3000, rows: 28, columns: 28, pixels: pixels)
        let url = try gzipFile("noise.gz", bytes)
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0, 1 << 21)

        let file = try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic, computeSHA256: true)
        XCTAssertEqual(file.array.shape, [3000, 28, 28])
        XCTAssertEqual(file.array.data, pixels)
        XCTAssertEqual(file.sha256, SHA256.hexDigest(of: bytes))
    }

    func testConcatenatedGzipMembersAreOneStream() throws {
        // `cat a.gz b.gz` is a valid gzip file; gzip -d decodes the members one after another.
        let bytes = IDXBytes.labels([5, 6, 7, 8])
        let joined = try Gzip.compress(Array(bytes[..<6])) + Gzip.compress(Array(bytes[6...]))
        let url = try rawFile("two-members.gz", joined)
        let file = try IDX.read(gzipFile: url, expectedMagic: IDX.labelsMagic)
        XCTAssertEqual(file.array.data, [5, 6, 7, 8])
    }

    // MARK: Bad files

    func testWrongMagicIsNamed() throws {
        let url = try gzipFile("train-images-idx3-ubyte.gz", IDXBytes.labels([1, 2]))
        let error = datasetError { try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic) }
        XCTAssertEqual(error, .wrongMagic(file: url.path, expected: 0x803, found: 0x801))
        XCTAssertEqual(
            error?.description,
            "\(url.path): wrong IDX magic number 0x00000801, expected 0x00000803")
    }

    func testTruncatedBodyNamesTheByteOffset() throws {
        // Header: 4 images of 2×2 (16 bytes of pixels) but only 10 present.
        let url = try gzipFile("short.gz", IDXBytes.images(count: 4, rows: 2, columns: 2, pixels: Array(repeating: 1, count: 10)))
        let error = datasetError { try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic) }
        XCTAssertEqual(error, .truncated(file: url.path, atByte: 26, expectedBytes: 32))
        XCTAssertEqual(
            error?.description, "\(url.path): IDX data truncated at byte 26 of the 32 bytes the header declares")
    }

    func testTruncatedHeader() throws {
        let magicOnly = try gzipFile("magic-only.gz", [0, 0])
        XCTAssertEqual(datasetError { try IDX.read(gzipFile: magicOnly) }, .truncated(file: magicOnly.path, atByte: 2, expectedBytes: 4))

        // Three dimensions announced, only one given.
        let dimensions = try gzipFile("dims.gz", [0, 0, 8, 3, 0, 0, 0, 1, 0])
        XCTAssertEqual(datasetError { try IDX.read(gzipFile: dimensions) }, .truncated(file: dimensions.path, atByte: 9, expectedBytes: 16))
    }

    func testDataAfterThePayloadIsRejected() throws {
        let url = try gzipFile("long.gz", IDXBytes.labels([1, 2, 3]) + [4])
        XCTAssertEqual(datasetError { try IDX.read(gzipFile: url) }, .trailingData(file: url.path, expectedBytes: 11))
    }

    func testUncompressedFileIsNotGzip() throws {
        let url = try rawFile("plain.gz", IDXBytes.labels([1, 2, 3]))
        let error = datasetError { try IDX.read(gzipFile: url) }
        XCTAssertEqual(error, .notGzip(file: url.path))
        XCTAssertTrue(error?.description.hasPrefix(url.path) ?? false)

        let empty = try rawFile("empty.gz", [])
        XCTAssertEqual(datasetError { try IDX.read(gzipFile: empty) }, .notGzip(file: empty.path))
    }

    func testCorruptChecksumTrailer() throws {
        var bytes = try Gzip.compress(IDXBytes.labels([1, 2, 3, 4, 5]))
        bytes[bytes.count - 8] ^= 0xff  // first byte of the CRC-32
        let url = try rawFile("crc.gz", bytes)
        guard case let .corruptGzip(file, reason)? = datasetError({ try IDX.read(gzipFile: url) }) else {
            return XCTFail("expected corruptGzip")
        }
        XCTAssertEqual(file, url.path)
        XCTAssertTrue(reason.contains("incorrect data check"), reason)
    }

    func testCorruptDeflateBlock() throws {
        var bytes = try Gzip.compress(IDXBytes.labels([1, 2, 3, 4, 5]))
        bytes[10] = 0xff  // first deflate byte: final block of reserved type 3
        let url = try rawFile("block.gz", bytes)
        let error = datasetError { try IDX.read(gzipFile: url) }
        guard case let .corruptGzip(file, reason)? = error else { return XCTFail("expected corruptGzip, got \(String(describing: error))") }
        XCTAssertEqual(file, url.path)
        XCTAssertTrue(reason.contains("invalid block type"), reason)
        XCTAssertTrue(error?.description.contains("corrupt gzip stream") ?? false)
    }

    func testGarbageAfterTheGzipStream() throws {
        let bytes = try Gzip.compress(IDXBytes.labels([1, 2])) + Array("garbage".utf8)
        let url = try rawFile("garbage.gz", bytes)
        guard case let .corruptGzip(file, _)? = datasetError({ try IDX.read(gzipFile: url) }) else {
            return XCTFail("expected corruptGzip")
        }
        XCTAssertEqual(file, url.path)
    }

    func testTruncatedGzipFile() throws {
        let bytes = try Gzip.compress(IDXBytes.labels(pseudoRandomBytes(count: 5000, seed: 3)))
        let half = bytes.count / 2
        let url = try rawFile("partial.gz", Array(bytes[..<half]))
        guard case let .truncatedGzip(file, compressedBytes, _)? = datasetError({ try IDX.read(gzipFile: url) }) else {
            return XCTFail("expected truncatedGzip")
        }
        XCTAssertEqual(file, url.path)
        XCTAssertEqual(compressedBytes, half)
    }

    func testInvalidHeaders() throws {
        let unknownType = try gzipFile("type.gz", [0, 0, 0x0F, 1, 0, 0, 0, 0])
        XCTAssertEqual(
            datasetError { try IDX.read(gzipFile: unknownType) },
            .invalidHeader(file: unknownType.path, reason: "unknown element type 0xf"))

        let nonzero = try gzipFile("nonzero.gz", [1, 0, 8, 1, 0, 0, 0, 0])
        guard case .invalidHeader(nonzero.path, _)? = datasetError({ try IDX.read(gzipFile: nonzero) }) else {
            return XCTFail("expected invalidHeader")
        }

        let noDimensions = try gzipFile("rank0.gz", [0, 0, 8, 0, 42])
        XCTAssertEqual(
            datasetError { try IDX.read(gzipFile: noDimensions) },
            .invalidHeader(file: noDimensions.path, reason: "the magic number declares no dimensions"))
    }

    func testAbsurdHeadersAreRefusedBeforeAllocating() throws {
        // Each of these, if allocated, would need terabytes or more: allocating would trap.

        // 2^32 − 1 images of 28×28: 3.4 TB.
        let manyImages = try gzipFile("many.gz", IDXBytes.make(dimensions: [UInt32.max, 28, 28], payload: [1, 2, 3]))
        guard case let .implausibleSize(file, claimed, limit, _)? = datasetError({
            try IDX.read(gzipFile: manyImages, expectedMagic: IDX.imagesMagic)
        }) else { return XCTFail("expected implausibleSize") }
        XCTAssertEqual(file, manyImages.path)
        XCTAssertEqual(claimed, UInt64(UInt32.max) * 784)
        XCTAssertLessThan(limit, 1 << 20)

        // 2^40 images of one byte, as a 4-dimensional array of 2^10 in each direction.
        let tera = try gzipFile("tera.gz", IDXBytes.make(dimensions: [1024, 1024, 1024, 1024], payload: []))
        let error = datasetError { try IDX.read(gzipFile: tera) }
        guard case .implausibleSize(_, 1 << 40, _, _)? = error else { return XCTFail("expected implausibleSize, got \(String(describing: error))") }
        XCTAssertTrue(error?.description.contains("1,099,511,627,776 bytes") ?? false, error?.description ?? "")
        XCTAssertTrue(error?.description.contains("refused before allocating") ?? false)

        // A size beyond 64 bits.
        let overflow = try gzipFile("overflow.gz", IDXBytes.make(type: 0x0E, dimensions: [UInt32.max, UInt32.max, UInt32.max], payload: []))
        guard case .implausibleSize(_, nil, _, _)? = datasetError({ try IDX.read(gzipFile: overflow) }) else {
            return XCTFail("expected implausibleSize without a size")
        }
    }

    func testClaimsBeyondWhatTheCompressedFileCanHoldAreRefused() throws {
        // 100 MB claimed, under the 1 GiB cap, but a file of a few dozen bytes cannot inflate to it.
        let url = try gzipFile("small.gz", IDXBytes.make(dimensions: [100_000_000], payload: [1, 2, 3]))
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        guard case let .implausibleSize(_, claimed, limit, reason)? = datasetError({ try IDX.read(gzipFile: url) }) else {
            return XCTFail("expected implausibleSize")
        }
        XCTAssertEqual(claimed, 100_000_000)
        XCTAssertEqual(limit, size * 1032 - 8)
        XCTAssertTrue(reason.contains("gzip file cannot decompress to more than"), reason)
    }

    func testConfiguredMaximumIsEnforced() throws {
        let url = try gzipFile("cap.gz", IDXBytes.labels(Array(repeating: 1, count: 1000)))
        guard case let .implausibleSize(_, claimed, limit, reason)? = datasetError({
            try IDX.read(gzipFile: url, maximumDecompressedBytes: 500)
        }) else { return XCTFail("expected implausibleSize") }
        XCTAssertEqual(claimed, 1000)
        XCTAssertEqual(limit, 492)
        XCTAssertEqual(reason, "the configured maximum decompressed size")
        // The same file under a sufficient cap decodes.
        XCTAssertEqual(try IDX.read(gzipFile: url, maximumDecompressedBytes: 1008).array.count, 1000)
    }

    func testMissingFileAndDirectoryAreUnreadable() throws {
        let missing = directory.appendingPathComponent("nothing-here.gz")
        guard case .unreadable(missing.path, let reason)? = datasetError({ try IDX.read(gzipFile: missing) }) else {
            return XCTFail("expected unreadable")
        }
        XCTAssertTrue(reason.contains("No such file"), reason)
        guard case .unreadable(directory.path, "is a directory, not a regular file")? = datasetError({ try IDX.read(gzipFile: directory) }) else {
            return XCTFail("expected unreadable for a directory")
        }
    }

    func testMutatedFilesThrowOrDecodeButNeverTrap() throws {
        let original = try Gzip.compress(IDXBytes.images(count: 6, rows: 4, columns: 4, pixels: pseudoRandomBytes(count: 96, seed: 9)))
        var variants: [[UInt8]] = (0..<original.count).map { Array(original[..<$0]) }  // every truncation
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        for _ in 0..<300 {  // single-byte changes anywhere, header and trailer included
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var mutated = original
            let position = Int(state >> 33) % mutated.count
            mutated[position] ^= UInt8(truncatingIfNeeded: state >> 20) | 1
            variants.append(mutated)
        }
        var rejected = 0
        for (index, bytes) in variants.enumerated() {
            let url = try rawFile("variant-\(index).gz", bytes)
            do {
                let file = try IDX.read(gzipFile: url, expectedMagic: IDX.imagesMagic)
                XCTAssertEqual(file.array.count, file.array.shape.reduce(1, *))
            } catch let error as DatasetError {
                XCTAssertTrue(error.description.hasPrefix(url.path), error.description)
                rejected += 1
            }
        }
        // All truncations and nearly all changes are caught (a change to the gzip header's
        // modification time, flags or OS byte can be harmless).
        XCTAssertGreaterThanOrEqual(rejected, original.count + 250)
    }

    func testNameOverridesThePathInErrors() throws {
        let url = try rawFile("x.gz", [1, 2, 3])
        XCTAssertEqual(
            datasetError { try IDX.read(gzipFile: url, name: "http://example.invalid/x.gz") },
            .notGzip(file: "http://example.invalid/x.gz"))
    }
}
