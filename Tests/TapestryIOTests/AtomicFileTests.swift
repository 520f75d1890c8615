// AtomicFileTests.swift: the one file writer — writes, replaces, and on failure leaves the old
// file whole and no temporary file behind.

import Foundation
@testable import TapestryIO
import XCTest

final class AtomicFileTests: XCTestCase {
    func testWritesANewFileAndReplacesAnOldOne() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("metrics.json")
        try AtomicFile.write(Array("{\"a\": 1}".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "{\"a\": 1}")

        try AtomicFile.write(Data("second, longer contents".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second, longer contents")
        try AtomicFile.write([UInt8](), to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 0)
        XCTAssertEqual(try contents(of: folder), ["metrics.json"])
    }

    func testPiecesGoToAHiddenTemporaryFileUntilCommitted() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("model.safetensors")
        try Data("old".utf8).write(to: url)

        var file = try AtomicFile(replacing: url)
        let temporaryName = file.temporaryURL.lastPathComponent
        XCTAssertEqual(file.temporaryURL.deletingLastPathComponent().path, folder.path)
        XCTAssertTrue(temporaryName.hasPrefix(".model.safetensors.tapestry-tmp-"), temporaryName)
        XCTAssertEqual(temporaryName.count, ".model.safetensors.tapestry-tmp-".count + 6)
        try file.append(contentsOf: [UInt8](repeating: 1, count: 3))
        try file.append(contentsOf: Data([2, 2]))
        // Readable (to verify it) before the commit, while the destination is still the old file.
        XCTAssertEqual(try Array(Data(contentsOf: file.temporaryURL)), [1, 1, 1, 2, 2])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old")

        try file.commit()
        XCTAssertEqual(try Array(Data(contentsOf: url)), [1, 1, 1, 2, 2])
        XCTAssertEqual(try contents(of: folder), ["model.safetensors"])
    }

    func testDroppingAnUncommittedFileRemovesItAndKeepsTheOldOne() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("weights.bin")
        try Data("old".utf8).write(to: url)
        do {
            var file = try AtomicFile(replacing: url)
            try file.append(contentsOf: [9, 9, 9])
            XCTAssertEqual(try contents(of: folder).count, 2)
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old")
        XCTAssertEqual(try contents(of: folder), ["weights.bin"])
    }

    func testAMissingFolderFailsNamingThePathAndCreatesNothing() throws {
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("missing/metrics.json")
        XCTAssertThrowsError(try AtomicFile.write([1], to: url)) { error in
            guard let error = error as? FileWriteError,
                  case .systemCallFailed(.createTemporaryFile, let temporary, ENOENT) = error.reason else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(error.path, url.path)
            XCTAssertEqual(error.code, ENOENT)
            XCTAssertTrue(temporary.contains(".metrics.json.tapestry-tmp-"), temporary)
            XCTAssertTrue(error.description.hasPrefix("cannot write \(url.path): cannot create the temporary file "), error.description)
            XCTAssertTrue(error.description.hasSuffix(": No such file or directory (errno \(ENOENT))"), error.description)
        }
        XCTAssertEqual(try contents(of: folder), [])
    }

    func testATargetThatIsAFolderIsRefusedBeforeAnythingIsCreated() throws {
        let folder = try makeFolder()
        let occupied = folder.appendingPathComponent("chart.svg")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: occupied.appendingPathComponent("inside"))
        XCTAssertThrowsError(try AtomicFile.write(Array("<svg/>".utf8), to: occupied)) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: occupied.path, reason: .notARegularFile("a directory")))
            XCTAssertEqual("\(error)", "cannot write \(occupied.path): it is a directory, not a regular file")
        }
        XCTAssertEqual(try String(contentsOf: occupied.appendingPathComponent("inside"), encoding: .utf8), "keep")
        XCTAssertEqual(try contents(of: folder), ["chart.svg"])
    }

    func testAReadOnlyFolderFailsAndKeepsTheOldFile() throws {
        guard geteuid() != 0 else { throw XCTSkip("root writes into read-only folders") }
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("old.txt")
        try Data("old".utf8).write(to: url)
        XCTAssertEqual(chmod(folder.path, 0o500), 0)
        defer { chmod(folder.path, 0o700) }
        XCTAssertThrowsError(try AtomicFile.write([1], to: url)) { error in
            XCTAssertEqual((error as? FileWriteError)?.code, EACCES, "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old")
        XCTAssertEqual(try contents(of: folder), ["old.txt"])
    }

    func testAFailureJustBeforeTheRenameKeepsTheOldFile() throws {
        struct SimulatedFailure: Error {}
        let folder = try makeFolder()
        let url = folder.appendingPathComponent("a.bin")
        try Data([1]).write(to: url)
        var file = try AtomicFile(replacing: url)
        try file.append(contentsOf: [2, 3])
        do {
            try file.commit(beforeRename: { temporary in
                XCTAssertEqual(try Array(Data(contentsOf: temporary)), [2, 3], "complete and synced before the rename")
                throw SimulatedFailure()
            })
            XCTFail("the simulated failure did not stop the commit")
        } catch {
            XCTAssertTrue(error is SimulatedFailure, "\(error)")
        }
        XCTAssertEqual(try Array(Data(contentsOf: url)), [1])
        XCTAssertEqual(try contents(of: folder), ["a.bin"])
    }

    func testOnlyFileURLsAndLongNames() throws {
        let web = try XCTUnwrap(URL(string: "https://example.com/model.safetensors"))
        XCTAssertThrowsError(try AtomicFile.write([1], to: web)) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: web.absoluteString, reason: .notAFileURL))
            XCTAssertEqual(String(describing: error), "cannot write https://example.com/model.safetensors: not a file URL")
        }
        let folder = try makeFolder()
        let long = folder.appendingPathComponent(String(repeating: "m", count: 240) + ".st")
        try AtomicFile.write([1, 2, 3], to: long)
        XCTAssertEqual(try Array(Data(contentsOf: long)), [1, 2, 3])
        XCTAssertEqual(try contents(of: folder), [long.lastPathComponent])
    }

    func testDescriptionsStayOnOneLine() {
        let error = FileWriteError(
            path: "/out/a\nb.svg", reason: .systemCallFailed(step: .sync, path: "/out/.a\nb.svg.tapestry-tmp-abcdef", code: EIO))
        XCTAssertFalse(error.description.contains("\n"), error.description)
        XCTAssertTrue(error.description.hasPrefix("cannot write /out/a\\nb.svg: cannot flush the temporary file to disk"), error.description)
    }

    // MARK: Helpers

    private func makeFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("AtomicFileTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock {
            chmod(url.path, 0o700)
            try? FileManager.default.removeItem(at: url)
        }
        return url
    }

    private func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}
