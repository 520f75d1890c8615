// FileSystemPathTests.swift: paths as bytes — their parts, their display, and no repair of
// bytes that are not UTF-8.

import Foundation
import TapestryIO
import XCTest

final class FileSystemPathTests: XCTestCase {
    func testFolderAndLastComponent() {
        let cases: [(FileSystemPath, folder: FileSystemPath, last: FileSystemPath)] = [
            ("a/b/c.json", "a/b", "c.json"),
            ("c.json", ".", "c.json"),
            ("/c.json", "/", "c.json"),
            ("a//b/", "a", "b"),
            ("/", "/", "/"),
        ]
        for (path, folder, last) in cases {
            XCTAssertEqual(path.folder, folder, "\(path)")
            XCTAssertEqual(path.lastComponent, last, "\(path)")
        }
        XCTAssertEqual(FileSystemPath("out").appending("model.svg"), "out/model.svg")
        XCTAssertEqual(FileSystemPath("out/").appending("model.svg"), "out/model.svg")
    }

    func testBytesThatAreNotUTF8AreKeptAndShownAsEscapes() {
        let bytes: [UInt8] = Array("out/caf".utf8) + [0xE9, 0xFF] + Array("\\x".utf8)
        let path = FileSystemPath(bytes: bytes)
        XCTAssertEqual(path.bytes, bytes)
        XCTAssertFalse(path.isValidUTF8)
        XCTAssertNil(path.string)
        XCTAssertEqual(path.description, "out/caf\\xE9\\xFF\\x5Cx")
        XCTAssertEqual(path.lastComponent.bytes, Array("caf".utf8) + [0xE9, 0xFF] + Array("\\x".utf8))
        path.withCString { XCTAssertEqual(strlen($0), bytes.count) }
    }

    func testUTF8PathsRoundTripThroughURLs() {
        let path = FileSystemPath("/tmp/données/modèle.safetensors")
        XCTAssertTrue(path.isValidUTF8)
        XCTAssertEqual(path.description, "/tmp/données/modèle.safetensors")
        XCTAssertEqual(path.url.map { FileSystemPath($0) }, path)
        XCTAssertEqual(FileSystemPath("a\nb").description, "a\\nb")
    }
}
