// CheckpointErrorLineTests.swift: a regression found by Tests/Fuzz/FuzzSafeTensors: tensor names
// and metadata keys come from the file, and a newline or escape sequence in one made the error
// description span lines (a command printing its first line lost the rest) or drive the terminal.

import Tapestry
import TapestryIO
import XCTest

final class CheckpointErrorLineTests: XCTestCase {
    /// A safetensors file holding one U8 tensor named `name`.
    private func file(tensorNamed name: String) -> [UInt8] {
        var header = Array("{\"\(name)\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        return withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + [7]
    }

    func testControlCharactersInTensorNamesAreEscaped() throws {
        // JSON escapes: a newline, an ESC starting a colour sequence, a tab, a line separator.
        let checkpoint = try SafeTensors(decoding: file(tensorNamed: "a\\nb\\u001b[31mred\\t\\u2028end"), source: "x.safetensors")
        XCTAssertEqual(checkpoint.names, ["a\nb\u{1B}[31mred\t\u{2028}end"])
        do {
            let _: Tensor = try checkpoint.tensor(checkpoint.names[0], as: Float.self)
            XCTFail("a U8 tensor was read as Float")
        } catch let error as CheckpointError {
            XCTAssertEqual(
                error.description,
                "x.safetensors: tensor 'a\\nb\\u{1B}[31mred\\t\\u{2028}end' has dtype U8, which Tapestry cannot"
                    + " load (it reads F32 and F64)")
            // The error itself keeps the name as it is.
            XCTAssertEqual(error.reason, .unsupportedDType(tensor: "a\nb\u{1B}[31mred\t\u{2028}end", dtype: "U8"))
        }
    }

    func testDuplicateKeyWithANewlineIsOneLine() {
        var header = Array("{\"k\\n\":{},\"k\\n\":{}}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        let bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        XCTAssertThrowsError(try SafeTensors(decoding: bytes, source: "dup.safetensors")) { error in
            let text = String(describing: error)
            XCTAssertFalse(text.contains("\n"), text)
            XCTAssertTrue(text.hasPrefix("dup.safetensors: the header is not valid JSON at byte 18: duplicate key \"k\\n\""), text)
        }
    }
}
