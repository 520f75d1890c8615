// SafeTensorsMemoryTests.swift: decoding a large header keeps its documented bound: at most about
// 4 × the header's size added (3.6 × measured on a 90 MB header of 900,000 one-byte tensors, the
// worst case: one dictionary slot, name and shape per ~100 header bytes). A 90 MB header once took
// 1.7 GB: the parser built a boxed tree of every JSON value.

import Foundation
import TapestryIO
import XCTest

final class SafeTensorsMemoryTests: XCTestCase {
    /// A checkpoint of `count` 1×1 U8 tensors named like a transformer's, built in one
    /// buffer (nothing large is freed before the measurement, so malloc cannot hide growth by
    /// reusing it).
    private func manyTensorFile(count: Int) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(count * 110 + 16)
        header.append(UInt8(ascii: "{"))
        for index in 0..<count {
            if index > 0 { header.append(UInt8(ascii: ",")) }
            header.append(contentsOf: "\"model.layers.\(index).mlp.up_proj.weight\":{\"dtype\":\"U8\",\"shape\":[1,1],\"data_offsets\":[\(index),\(index + 1)]}".utf8)
        }
        header.append(UInt8(ascii: "}"))
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        file.append(contentsOf: repeatElement(7, count: count))
        return file
    }

    func testDecodingALargeHeaderGrowsMemoryByASmallMultipleOfIt() throws {
        // SAFETENSORS_MEMORY_TENSORS=900000 measures a 90 MB header (the format's limit is 100 MB).
        let count = ProcessInfo.processInfo.environment["SAFETENSORS_MEMORY_TENSORS"].flatMap(Int.init) ?? 200_000
        let file = manyTensorFile(count: count)
        let headerSize = file.count - 8 - count
        XCTAssertGreaterThan(headerSize, 19_000_000)

        var decoded: SafeTensors?
        let growth = try PeakMemory.growth {
            decoded = try SafeTensors(decoding: file, source: "big.safetensors")
        }
        XCTAssertEqual(decoded?.entries.count, count)
        XCTAssertEqual(decoded?.entries["model.layers.123456.mlp.up_proj.weight"]?.bytes, [7])
        guard let growth else { throw XCTSkip("the peak resident size cannot be reset here") }
        // The parsed header adds about 1.1 × (see the next test) and is released before the
        // entries are built; the result itself — a dictionary slot, a name and a shape per
        // ~100-byte header entry — is about 3 ×. The old tree parser needed about 19 ×.
        print("decoding a \(headerSize)-byte header grew the peak resident size by \(growth) bytes"
            + " (\(String(format: "%.2f", Double(growth) / Double(headerSize))) × the header)")
        XCTAssertLessThan(growth, 4 * headerSize + (8 << 20), "the peak grew by \(growth) bytes for a \(headerSize)-byte header")
    }

    func testParsingALargeDocumentGrowsMemoryByAboutTheTape() throws {
        let file = manyTensorFile(count: 200_000)
        let header = file[8..<(file.count - 200_000)]
        var root: JSONValue?
        let growth = try PeakMemory.growth {
            root = try StrictJSONParser.parse(header)
        }
        XCTAssertEqual(try root?.member("model.layers.199999.mlp.up_proj.weight").member("dtype").string(), "U8")
        guard let growth else { throw XCTSkip("the peak resident size cannot be reset here") }
        // 13 values of 8 bytes for each ~100-byte entry: about 1.1 × the header (the tape is
        // reserved once for the worst case, but only the pages written become resident).
        print("parsing a \(header.count)-byte document grew the peak resident size by \(growth) bytes")
        XCTAssertLessThan(growth, 2 * header.count)
    }
}
