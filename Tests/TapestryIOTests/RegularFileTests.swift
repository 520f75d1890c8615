import Foundation
import XCTest
import Tapestry
import TapestryIO

/// Inputs that are not regular files are refused at once: a FIFO never blocks, a device is
/// never read.
final class RegularFileTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("regular-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testFIFOIsRefusedWithoutBlocking() throws {
        let fifo = try temporaryDirectory().appendingPathComponent("weights.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let start = Date()
        XCTAssertThrowsError(try RegularFile.openForReading(atPath: fifo.path)) { error in
            XCTAssertEqual((error as? RegularFile.OpenError)?.reason, "a FIFO (named pipe), not a regular file")
        }
        XCTAssertThrowsError(try SafeTensors(contentsOf: fifo)) { error in
            XCTAssertTrue("\(error)".contains("FIFO"), "\(error)")
            XCTAssertTrue("\(error)".contains(fifo.path), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "opening a FIFO must not wait for a writer")
    }

    func testCharacterDevicesAndFoldersAreRefused() throws {
        for (path, what) in [("/dev/zero", "character device"), ("/dev/urandom", "character device"), ("/tmp", "Is a directory")] {
            XCTAssertThrowsError(try SafeTensors(contentsOf: URL(fileURLWithPath: path))) { error in
                XCTAssertTrue("\(error)".contains(what), "\(path): \(error)")
            }
        }
    }

    func testSymbolicLinkToARegularFileIsFollowed() throws {
        let folder = try temporaryDirectory()
        let target = folder.appendingPathComponent("real.safetensors")
        try SafeTensors(tensors: [(name: "x", tensor: Tensor<Float>([1, 2, 3]))]).write(to: target)
        let link = folder.appendingPathComponent("link.safetensors")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let x: Tensor<Float> = try SafeTensors(contentsOf: link).tensor("x")
        XCTAssertEqual(x, Tensor([1, 2, 3]))
        let opened = try RegularFile.openForReading(atPath: link.path)
        defer { close(opened.descriptor) }
        XCTAssertGreaterThan(opened.size, 8)
    }

    func testMissingFileNamesTheSystemReason() {
        XCTAssertThrowsError(try RegularFile.openForReading(atPath: "/nonexistent/file")) { error in
            let openError = error as? RegularFile.OpenError
            XCTAssertEqual(openError?.code, ENOENT)
            XCTAssertEqual(openError?.description, "/nonexistent/file: cannot open: No such file or directory")
        }
    }
}
