import Foundation
import XCTest
@testable import TapestryIO

/// CRC-32C, the protobuf wire format and the TFRecord framing of TensorBoard event files.
final class EventFileWriterTests: XCTestCase {
    func testCRC32CKnownAnswers() {
        XCTAssertEqual(CRC32C.checksum(of: Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum(of: [UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum(of: [UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(of: [UInt8]()), 0)
        // Not zlib's CRC-32, which gives 0xCBF43926 for the same bytes.
        XCTAssertNotEqual(CRC32C.checksum(of: Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { RawDeflate.crc32($0) }, 0xCBF4_3926)
    }

    func testMaskedCRC32CMatchesTensorFlow() {
        // Values from TensorBoard's own masked_crc32c.
        XCTAssertEqual(CRC32C.maskedChecksum(of: Array("123456789".utf8)), 0xC78A_B0E5)
        XCTAssertEqual(CRC32C.maskedChecksum(of: [UInt8]()), 0xA282_EAD8)
        XCTAssertEqual(CRC32C.masked(0xE306_9283), 0xC78A_B0E5)
    }

    func testProtobufWireFormat() {
        var message = ProtobufWriter()
        message.int64(2, 150)                 // 0x10 0x96 0x01 (protobuf's documented example)
        message.string(1, "hi")               // 0x0A 0x02 'h' 'i'
        message.double(1, 1.0)                // 0x09 + 8 bytes
        message.float(2, 1.0)                 // 0x15 + 4 bytes
        message.int64(3, -1)                  // ten bytes of varint
        message.packedDoubles(6, [2.0])
        XCTAssertEqual(message.bytes, [0x10, 0x96, 0x01, 0x0A, 0x02, 0x68, 0x69,
                                       0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F,
                                       0x15, 0, 0, 0x80, 0x3F,
                                       0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                                       0x32, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x40])
    }

    func testRecordsAreFramedWithMaskedChecksums() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try EventFileWriter(logDirectory: folder)
        try writer.addScalar("loss", value: 0.5, step: 3)
        try writer.addHistogram("w", SummaryHistogram([1, 2, 3, 4]), step: 3)
        try writer.close()
        XCTAssertTrue(writer.url.lastPathComponent.hasPrefix("events.out.tfevents."))
        XCTAssertThrowsError(try writer.addScalar("late", value: 1, step: 4)) { error in
            XCTAssertTrue(String(describing: error).contains("closed"), "\(error)")
        }

        let bytes = Array(try Data(contentsOf: writer.url))
        var offset = 0
        var records: [[UInt8]] = []
        while offset < bytes.count {
            let lengthBytes = Array(bytes[offset..<(offset + 8)])
            let length = lengthBytes.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            XCTAssertEqual(uint32(bytes, at: offset + 8), CRC32C.maskedChecksum(of: lengthBytes))
            let data = Array(bytes[(offset + 12)..<(offset + 12 + length)])
            XCTAssertEqual(uint32(bytes, at: offset + 12 + length), CRC32C.maskedChecksum(of: data))
            records.append(data)
            offset += 16 + length
        }
        XCTAssertEqual(offset, bytes.count)
        XCTAssertEqual(records.count, 3)
        // The first event names the file version.
        XCTAssertTrue(String(decoding: records[0], as: UTF8.self).contains("brain.Event:2"))
        XCTAssertTrue(String(decoding: records[1], as: UTF8.self).contains("loss"))
    }

    func testHistogramBuckets() {
        let histogram = SummaryHistogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, .infinity], bucketCount: 5)
        XCTAssertEqual(histogram.count, 12)
        XCTAssertEqual(histogram.minimum, 0)
        XCTAssertEqual(histogram.maximum, .infinity)
        XCTAssertEqual(histogram.bucketLimits, [2, 4, 6, 8, 10])
        XCTAssertEqual(histogram.bucketCounts, [2, 2, 2, 2, 3])
        let constant = SummaryHistogram([3, 3, 3])
        XCTAssertEqual(constant.bucketLimits, [3])
        XCTAssertEqual(constant.bucketCounts, [3])
        XCTAssertEqual(constant.sumOfSquares, 27)
        XCTAssertEqual(SummaryHistogram([Double]()).bucketCounts, [])
    }

    func testUnwritableFolderGivesAClearError() {
        XCTAssertThrowsError(try EventFileWriter(logDirectory: URL(fileURLWithPath: "/proc/tapestry-no/such"))) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("/proc/tapestry-no/such: cannot create the log folder"), "\(error)")
        }
    }

    private func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }
}
