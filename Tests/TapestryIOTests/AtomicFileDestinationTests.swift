// AtomicFileDestinationTests.swift: what `AtomicFile` accepts as a destination — regular
// files and links to them, names byte for byte, names up to the folder's limit — and its
// cleanup of temporary files abandoned by killed writers.

import Foundation
@testable import TapestryIO
import XCTest

final class AtomicFileDestinationTests: XCTestCase {
    // MARK: Files that are not regular

    func testAFIFOIsRefusedAndStaysAFIFO() throws {
        let folder = try makeFolder()
        let fifo = folder.appendingPathComponent("metrics.json")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        assertRefused(fifo, as: "a FIFO (named pipe)")
        XCTAssertEqual(try kind(of: fifo), S_IFIFO)
        XCTAssertEqual(try names(in: folder), ["metrics.json"])
    }

    func testADeviceBehindALinkIsRefusedAndLeftAlone() throws {
        let folder = try makeFolder()
        let link = folder.appendingPathComponent("weights.safetensors")
        XCTAssertEqual(symlink("/dev/null", link.path), 0)
        assertRefused(link, as: "a symbolic link to a character device")
        XCTAssertEqual(try kind(of: URL(fileURLWithPath: "/dev/null")), S_IFCHR)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "/dev/null")
        XCTAssertEqual(try names(in: folder), ["weights.safetensors"])
    }

    func testAFolderADanglingLinkAndALinkToAFolderAreRefused() throws {
        let folder = try makeFolder()
        let subfolder = folder.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: false)
        let dangling = folder.appendingPathComponent("dangling.json")
        XCTAssertEqual(symlink("nowhere", dangling.path), 0)
        let toFolder = folder.appendingPathComponent("folder-link.json")
        XCTAssertEqual(symlink("pictures", toFolder.path), 0)

        assertRefused(subfolder, as: "a directory")
        assertRefused(dangling, as: "a dangling symbolic link")
        assertRefused(toFolder, as: "a symbolic link to a directory")
        XCTAssertEqual(try names(in: folder), ["dangling.json", "folder-link.json", "pictures"])
        XCTAssertEqual(try names(in: subfolder), [])
    }

    func testALinkToARegularFileIsWrittenThroughAtomically() throws {
        let folder = try makeFolder()
        let elsewhere = folder.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: false)
        let target = elsewhere.appendingPathComponent("metrics.json")
        try Data("old".utf8).write(to: target)
        let oldContents = elsewhere.appendingPathComponent("old-link")
        XCTAssertEqual(link(target.path, oldContents.path), 0)
        let link = folder.appendingPathComponent("latest.json")
        XCTAssertEqual(symlink("store/metrics.json", link.path), 0)

        XCTAssertEqual(try AtomicFile.checkDestination(FileSystemPath(link)), FileSystemPath(target.resolvingSymlinksInPath()))
        try AtomicFile.write(Array("new".utf8), to: link)

        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "store/metrics.json")
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "new")
        // Replaced by a rename, not rewritten in place: the old inode keeps the old bytes.
        XCTAssertEqual(try String(contentsOf: oldContents, encoding: .utf8), "old")
        XCTAssertEqual(try names(in: folder), ["latest.json", "store"])
        XCTAssertEqual(try names(in: elsewhere), ["metrics.json", "old-link"])
    }

    // MARK: Names

    func testANameThatIsNotUTF8IsWrittenUnderExactlyThatName() throws {
        let folder = try makeFolder()
        let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".json".utf8)
        let path = FileSystemPath(folder).appending(FileSystemPath(bytes: name))
        XCTAssertFalse(path.isValidUTF8)
        XCTAssertNil(path.url)
        try AtomicFile.write(Array("{}".utf8), to: path)
        XCTAssertEqual(try rawNames(in: folder), [name])
        XCTAssertTrue(path.description.hasSuffix("/caf\\xE9.json"), path.description)
    }

    func testANameAtTheLimitIsWrittenAndOneByteMoreIsRefusedBeforeAnythingIsCreated() throws {
        let folder = try makeFolder()
        let limit = pathconf(folder.path, Int32(_PC_NAME_MAX))
        XCTAssertGreaterThan(limit, 100)
        let longest = folder.appendingPathComponent(String(repeating: "é", count: limit / 2) + (limit % 2 == 1 ? "x" : ""))
        XCTAssertEqual(longest.lastPathComponent.utf8.count, limit)
        var file = try AtomicFile(replacing: longest)
        XCTAssertLessThanOrEqual(file.temporaryPath.lastComponent.bytes.count, 117)
        try file.append(contentsOf: [1, 2, 3])
        try file.commit()
        XCTAssertEqual(try Data(contentsOf: longest), Data([1, 2, 3]))

        let tooLong = folder.appendingPathComponent(String(repeating: "a", count: limit + 1))
        let attempts: [() throws -> Void] = [
            { try AtomicFile.checkDestination(FileSystemPath(tooLong)) }, { try AtomicFile.write([1], to: tooLong) },
        ]
        for attempt in attempts {
            XCTAssertThrowsError(try attempt()) { error in
                guard case .unusablePath(let why)? = (error as? FileWriteError)?.reason else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains("\(limit + 1) bytes long, more than the \(limit)"), why)
            }
        }
        XCTAssertEqual(try names(in: folder), [longest.lastPathComponent])
    }

    func testAnEmptyPathAPathWithNULAndAPathEndingWithASlashAreRefused() throws {
        let folder = try makeFolder()
        let cases: [(FileSystemPath, String)] = [
            ("", "the path is empty"),
            (FileSystemPath(bytes: Array(folder.path.utf8) + Array("/a\0b".utf8)), "the path contains a NUL byte"),
            (FileSystemPath(folder.path + "/new/"), "it ends with /, so it names a folder, not a file"),
        ]
        for (path, why) in cases {
            XCTAssertThrowsError(try AtomicFile.write([1], to: path)) { error in
                XCTAssertEqual((error as? FileWriteError)?.reason, .unusablePath(why), "\(path)")
            }
        }
        XCTAssertEqual(try names(in: folder), [])
    }

    func testTemporaryNamesOfLongNamesAreShortAndTellTheNamesApart() {
        let stem = String(repeating: "n", count: 200)
        let first = AtomicFile.temporaryName(for: FileSystemPath(stem + "1"))
        let second = AtomicFile.temporaryName(for: FileSystemPath(stem + "2"))
        XCTAssertNotEqual(first, second)
        for name in [first, second] {
            XCTAssertLessThanOrEqual(name.bytes.count + 6, 117)
            XCTAssertTrue(name.string?.hasPrefix("." + String(repeating: "n", count: 80) + "~") ?? false, "\(name)")
            XCTAssertTrue(name.string?.hasSuffix(AtomicFile.temporaryNameMarker) ?? false, "\(name)")
        }
        XCTAssertEqual(AtomicFile.temporaryName(for: "model.safetensors"), ".model.safetensors.tapestry-tmp-")
        // Never cut inside a character: 79 ASCII bytes then 2-byte characters.
        let cut = AtomicFile.temporaryName(for: FileSystemPath(String(repeating: "a", count: 79) + String(repeating: "é", count: 20)))
        XCTAssertNotNil(cut.string, "\(cut)")
    }

    // MARK: Abandoned temporary files

    func testAbandonedTemporaryFilesOfTheDestinationAreRemovedAndNothingElse() throws {
        let folder = try makeFolder()
        let target = folder.appendingPathComponent("m.st")
        let abandoned = ".m.st.tapestry-tmp-abc123"
        let kept = [
            ".m.st.tapestry-tmp-ABC123",       // not our alphabet
            ".m.st.tapestry-tmp-abc1234",      // not our length
            ".other.tapestry-tmp-abc123",      // another destination
            "m.st.tapestry-tmp-abc123",        // not hidden
            ".m.st.tapestry-tmp-held01",       // a live writer's (locked below)
        ]
        for name in [abandoned] + kept { try Data("partial".utf8).write(to: folder.appendingPathComponent(name)) }
        let holder = open(folder.appendingPathComponent(".m.st.tapestry-tmp-held01").path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(holder, 0)
        defer { close(holder) }
        XCTAssertEqual(flock(holder, LOCK_EX), 0)

        try AtomicFile.write(Array("whole".utf8), to: target)
        XCTAssertEqual(try names(in: folder), (kept + ["m.st"]).sorted())
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "whole")
    }

    func testALiveWritersTemporaryFileIsNotRemovedByAnotherWriter() throws {
        let folder = try makeFolder()
        let target = folder.appendingPathComponent("backup.safetensors")
        var first = try AtomicFile(replacing: target)
        try first.append(contentsOf: Array("first".utf8))
        try AtomicFile.write(Array("second".utf8), to: target)
        XCTAssertTrue(FileManager.default.fileExists(atPath: first.temporaryURL.path))
        try first.commit()
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "first")
        XCTAssertEqual(try names(in: folder), ["backup.safetensors"])
    }

    // MARK: Helpers

    private func assertRefused(_ url: URL, as what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try AtomicFile.write(Array("x".utf8), to: url), file: file, line: line) { error in
            XCTAssertEqual(error as? FileWriteError, FileWriteError(path: url.path, reason: .notARegularFile(what)),
                           file: file, line: line)
            XCTAssertEqual("\(error)", "cannot write \(url.path): it is \(what), not a regular file", file: file, line: line)
        }
        XCTAssertThrowsError(try AtomicFile.checkDestination(FileSystemPath(url)), file: file, line: line)
    }

    private func kind(of url: URL) throws -> mode_t {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return info.st_mode & S_IFMT
    }

    private func makeFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("AtomicFileDestinationTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func names(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    /// The names in `folder` as bytes, as `readdir` returns them.
    private func rawNames(in folder: URL) throws -> [[UInt8]] {
        guard let directory = opendir(folder.path) else { throw CocoaError(.fileReadNoPermission) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [UInt8(ascii: ".")] && name != Array("..".utf8) { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
