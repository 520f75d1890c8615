import Foundation
import XCTest

@testable import TapestryViz

final class AtomicFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapestry-viz-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func entries(of url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func testWritesANewFileReadableByAll() throws {
        let url = folder.appendingPathComponent("picture.svg")
        try AtomicFile.write("<svg/>", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "<svg/>")
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o644)
        XCTAssertEqual(try entries(of: folder), ["picture.svg"], "a temporary file was left behind")
    }

    func testOverwritingReplacesTheWholeFile() throws {
        let url = folder.appendingPathComponent("picture.svg")
        try AtomicFile.write([UInt8](repeating: 0x41, count: 100_000), to: url)
        try AtomicFile.write([0x42, 0x43], to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([0x42, 0x43]))
        try AtomicFile.write([UInt8](), to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 0)
        XCTAssertEqual(try entries(of: folder), ["picture.svg"])
    }

    func testMissingFolderThrowsAnErrorNamingThePath() throws {
        let url = folder.appendingPathComponent("missing/sub/picture.svg")
        XCTAssertThrowsError(try AtomicFile.write("x", to: url)) { error in
            guard let failure = error as? AtomicWriteError else { return XCTFail("got \(error)") }
            XCTAssertEqual(failure.path, url.path)
            XCTAssertEqual(failure.stage, .createTemporaryFile)
            XCTAssertEqual(failure.code, ENOENT)
            XCTAssertTrue(failure.description.contains(url.path), failure.description)
        }
        XCTAssertEqual(try entries(of: folder), [], "something was created")
    }

    func testFolderThatIsAFileThrows() throws {
        let blocker = folder.appendingPathComponent("not-a-folder")
        try AtomicFile.write("plain file", to: blocker)
        let url = blocker.appendingPathComponent("picture.svg")
        XCTAssertThrowsError(try AtomicFile.write("x", to: url)) { error in
            XCTAssertEqual((error as? AtomicWriteError)?.code, ENOTDIR)
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: blocker, encoding: .utf8), "plain file")
    }

    func testFailedRenameLeavesNoTemporaryFile() throws {
        // The destination is a non-empty directory: the bytes are written, the rename fails.
        let url = folder.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        try AtomicFile.write("keep", to: url.appendingPathComponent("inside.txt"))
        XCTAssertThrowsError(try AtomicFile.write("x", to: url)) { error in
            guard let failure = error as? AtomicWriteError else { return XCTFail("got \(error)") }
            XCTAssertEqual(failure.stage, .rename)
            XCTAssertEqual(failure.path, url.path)
        }
        XCTAssertEqual(try entries(of: folder), ["occupied"], "a temporary file was left behind")
        XCTAssertEqual(try entries(of: url), ["inside.txt"])
    }

    func testPictureWriteChoosesTheFormatFromTheExtension() throws {
        let chart = try ConfusionMatrixChart(counts: [[1, 0], [0, 1]], classNames: ["a", "b"])
        let png = folder.appendingPathComponent("matrix.png")
        let svg = folder.appendingPathComponent("matrix.svg")
        let pdf = folder.appendingPathComponent("matrix.pdf")
        try chart.write(to: png)
        try chart.write(to: svg)
        try chart.write(to: pdf)
        XCTAssertEqual(Array(try Data(contentsOf: png).prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertNotNil(SVGDocument(try String(contentsOf: svg, encoding: .utf8)))
        XCTAssertEqual(Array(try Data(contentsOf: pdf).prefix(4)), Array("%PDF".utf8))
    }
}
