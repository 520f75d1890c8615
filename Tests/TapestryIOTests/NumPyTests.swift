import Foundation
import Tapestry
import XCTest
@testable import TapestryIO

/// `.npy` and `.npz` in Swift alone: round trips, the header layout, and clear errors for
/// bytes that are not a readable array.
final class NumPyTests: XCTestCase {
    func testEveryDTypeRoundTripsThroughNPY() throws {
        try assertRoundTrip(Tensor<Float>(shape: [2, 3], scalars: [1, -2, .pi, .infinity, -0.0, .leastNormalMagnitude / 4]))
        try assertRoundTrip(Tensor<Double>(shape: [3], scalars: [1e-300, -.greatestFiniteMagnitude, 0.1]))
        try assertRoundTrip(Tensor<Int32>(shape: [2, 2], scalars: [.min, -1, 0, .max]))
        try assertRoundTrip(Tensor<Int64>(shape: [1, 3], scalars: [.min, 42, .max]))
        try assertRoundTrip(Tensor<Float>(7))
        try assertRoundTrip(Tensor<Double>(shape: [0, 4], scalars: []))
    }

    private func assertRoundTrip<Scalar: TensorElement>(_ tensor: Tensor<Scalar>, line: UInt = #line) throws {
        let bytes = NumPyArray(tensor).encoded()
        XCTAssertEqual(Array(bytes.prefix(8)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0], line: line)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "the data starts on a 64-byte boundary", line: line)
        XCTAssertEqual(bytes[10 + headerLength - 1], 0x0A, "the header ends with a newline", line: line)
        let back: Tensor<Scalar> = try NumPyArray(decoding: bytes).tensor()
        XCTAssertEqual(back.shape, tensor.shape, line: line)
        XCTAssertEqual(NumPyArray(back).bytes, NumPyArray(tensor).bytes, line: line)
    }

    func testHeaderTextMatchesNumPy() {
        func header(_ shape: [Int]) -> String {
            let bytes = NumPyArray(Tensor<Float>(repeating: 0, shape: shape)).encoded()
            let length = Int(bytes[8]) | Int(bytes[9]) << 8
            return String(decoding: bytes[10..<(10 + length)], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(header([]), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }")
        XCTAssertEqual(header([5]), "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }")
        XCTAssertEqual(header([2, 3]), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")
    }

    func testReadingAsAnotherDTypeThrows() throws {
        let array = NumPyArray(Tensor<Double>([1, 2]))
        XCTAssertThrowsError(try array.tensor(as: Float.self)) { error in
            XCTAssertEqual((error as? NumPyError)?.reason, .dtypeMismatch(stored: "<f8", requested: "<f4"))
        }
    }

    func testHandWrittenHeadersParse() throws {
        // Versions 2.0 and 3.0, double quotes, no trailing comma, keys in another order.
        let data: [UInt8] = [0, 0, 0x80, 0x3F]
        let v2 = npy(#"{"shape": (1,), "fortran_order": False, "descr": "<f4"}"#, version: 2) + data
        XCTAssertEqual(try NumPyArray(decoding: v2).tensor(as: Float.self).scalars, [1])
        let v3 = npy("{'descr':'<i4','fortran_order':True,'shape':(1,)}", version: 3) + [1, 0, 0, 0]
        XCTAssertEqual(try NumPyArray(decoding: v3).tensor(as: Int32.self).scalars, [1])
    }

    func testBadHeadersGiveClearErrors() {
        let cases: [(String, String)] = [
            ("{'descr': '<f4', 'fortran_order': False}", "the key 'shape' is missing"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "non-negative"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", "unexpected text"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 40), "nests too deeply"),
            ("{'descr': '>f8', 'fortran_order': False, 'shape': (0,)}", "big-endian"),
            ("{'descr': '<f4', 'fortran_order': True, 'shape': (0, 2)}", "Fortran order"),
            ("{'descr': '|O', 'fortran_order': False, 'shape': (0,)}", "'|O' is not supported"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4)}", "more elements"),
        ]
        for (header, expected) in cases {
            XCTAssertThrowsError(try NumPyArray(decoding: npy(header), source: "x.npy")) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.hasPrefix("x.npy: "), text)
                XCTAssertTrue(text.contains(expected), "\(header): \(text)")
            }
        }
    }

    func testTruncatedAndForeignBytesThrow() {
        let whole = NumPyArray(Tensor<Float>([1, 2, 3])).encoded()
        for count in [0, 3, 7, 9, 30, whole.count - 1] {
            XCTAssertThrowsError(try NumPyArray(decoding: Array(whole.prefix(count)), source: "t.npy"), "\(count) bytes")
        }
        XCTAssertThrowsError(try NumPyArray(decoding: whole + [0], source: "t.npy")) { error in
            XCTAssertTrue(String(describing: error).contains("needs 12 data bytes, but the file has 13"), "\(error)")
        }
        XCTAssertThrowsError(try NumPyArray(decoding: Array("PK not numpy".utf8), source: "t.npy")) { error in
            XCTAssertEqual((error as? NumPyError)?.reason, .notNumPyFile)
        }
    }

    func testArchivesRoundTripStoredAndDeflated() throws {
        var archive = NumPyArchive()
        archive.setTensor(Tensor<Float>(shape: [2, 3], scalars: (0..<6).map(Float.init)), named: "kernel")
        archive.setTensor(Tensor<Int64>(5), named: "step")
        archive.setTensor(Tensor<Double>(shape: [0], scalars: []), named: "empty")
        archive.setTensor(Tensor<Int32>(repeating: 3, shape: [1000]), named: "é/labels")
        for compressed in [false, true] {
            let bytes = try archive.encoded(compressed: compressed)
            let back = try NumPyArchive(decoding: bytes)
            XCTAssertEqual(back, archive)
            XCTAssertEqual(back.names, ["kernel", "step", "empty", "é/labels"])
            XCTAssertEqual(try back.tensor("kernel", as: Float.self).scalars, [0, 1, 2, 3, 4, 5])
            if compressed { XCTAssertLessThan(bytes.count, 1000, "the repetitive member deflated") }
        }
        XCTAssertThrowsError(try archive.tensor("missing", as: Float.self)) { error in
            XCTAssertTrue(String(describing: error).contains("no array named 'missing'"), "\(error)")
        }
    }

    func testDamagedArchivesNameTheMember() throws {
        var archive = NumPyArchive()
        archive.setTensor(Tensor<Float>(repeating: 1, shape: [64]), named: "weights")
        let stored = try archive.encoded()
        var flipped = stored
        flipped[30 + "weights.npy".utf8.count + 100] ^= 0x01   // a data byte: the CRC catches it
        XCTAssertThrowsError(try NumPyArchive(decoding: flipped, source: "w.npz")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("w.npz: member 'weights.npy': "), "\(error)")
            XCTAssertTrue(String(describing: error).contains("CRC-32 mismatch"), "\(error)")
        }
        for count in [0, 10, stored.count / 2, stored.count - 1] {
            XCTAssertThrowsError(try NumPyArchive(decoding: Array(stored.prefix(count)), source: "w.npz")) { error in
                XCTAssertTrue(String(describing: error).hasPrefix("w.npz: "), "\(error)")
            }
        }
        // A deflated member may not announce more than deflate can expand its bytes to.
        var bomb = try archive.encoded(compressed: true)
        let directory = bomb.count - 22 - (46 + "weights.npy".utf8.count)
        for (index, byte) in [UInt8](arrayLiteral: 0xFF, 0xFF, 0xFF, 0x7F).enumerated() { bomb[directory + 24 + index] = byte }
        XCTAssertThrowsError(try NumPyArchive(decoding: bomb, source: "b.npz")) { error in
            XCTAssertTrue(String(describing: error).contains("cannot inflate to"), "\(error)")
        }
    }

    func testZIP64EndRecordsAreRead() throws {
        var archive = NumPyArchive()
        archive.setTensor(Tensor<Float>([1, 2, 3]), named: "x")
        let plain = try archive.encoded()
        // Move the directory's count, size and offset to a ZIP64 end record and its locator.
        let end = plain.count - 22
        let reader = plain.withUnsafeBytes { raw in
            (count: Int(ByteReader(raw).uint16(at: end + 10)!), size: Int(ByteReader(raw).uint32(at: end + 12)!),
             offset: Int(ByteReader(raw).uint32(at: end + 16)!))
        }
        var zip64 = ByteWriter()
        zip64.uint32(0x0606_4B50); zip64.uint64(44); zip64.uint16(45); zip64.uint16(45); zip64.uint32(0); zip64.uint32(0)
        zip64.uint64(UInt64(reader.count)); zip64.uint64(UInt64(reader.count))
        zip64.uint64(UInt64(reader.size)); zip64.uint64(UInt64(reader.offset))
        zip64.uint32(0x0706_4B50); zip64.uint32(0); zip64.uint64(UInt64(end)); zip64.uint32(1)
        var record = ByteWriter()
        record.uint32(0x0605_4B50); record.uint16(0); record.uint16(0); record.uint16(0xFFFF); record.uint16(0xFFFF)
        record.uint32(0xFFFF_FFFF); record.uint32(0xFFFF_FFFF); record.uint16(0)
        let bytes = Array(plain[..<end]) + zip64.bytes + record.bytes
        XCTAssertEqual(try NumPyArchive(decoding: bytes, source: "z.npz").tensor("x", as: Float.self).scalars, [1, 2, 3])
        // Without the locator it is a clear error.
        let broken = Array(plain[..<end]) + record.bytes
        XCTAssertThrowsError(try NumPyArchive(decoding: broken, source: "z.npz")) { error in
            XCTAssertTrue(String(describing: error).contains("ZIP64 end-of-central-directory locator is missing"), "\(error)")
        }
    }

    func testFilesAreWrittenAndReadByPath() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("numpy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a.npy")
        try NumPyArray(Tensor<Int32>([4, 5])).write(to: url)
        XCTAssertEqual(try NumPyArray(contentsOf: url).tensor(as: Int32.self).scalars, [4, 5])
        let archiveURL = folder.appendingPathComponent("a.npz")
        var archive = NumPyArchive()
        archive.setTensor(Tensor<Double>([0.5]), named: "half")
        try archive.write(to: archiveURL, compressed: true)
        let loaded = try NumPyArchive(contentsOf: archiveURL)
        XCTAssertEqual(loaded, archive)
        XCTAssertThrowsError(try loaded.tensor("half", as: Float.self)) { error in
            XCTAssertEqual(String(describing: error), archiveURL.path + ": member 'half.npy': the array is stored as <f8, not <f4")
        }
        let missing = folder.appendingPathComponent("missing.npz")
        XCTAssertThrowsError(try NumPyArchive(contentsOf: missing)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix(missing.path + ": cannot open the file"), "\(error)")
        }
    }

    /// A `.npy` file's bytes up to the data: magic, version, length and `header` padded to 64.
    private func npy(_ header: String, version: UInt8 = 1) -> [UInt8] {
        var text = Array(header.utf8)
        let prefix = version == 1 ? 10 : 12
        text += [UInt8](repeating: 0x20, count: (64 - (prefix + text.count + 1) % 64) % 64) + [0x0A]
        let length = (0..<(prefix - 8)).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
        return NumPyArray.magic + [version, 0] + length + text
    }
}
