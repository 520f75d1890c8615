// DownloadLimitTests.swift: a server answering with an endless (or announced enormous) body is
// stopped at the file's size cap, while downloading, not after gigabytes were written.

import Foundation
import TestSupport
@testable import TapestryData
import TapestryIO
import XCTest

final class DownloadLimitTests: XCTestCase {
    private func cacheContents(_ cache: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: cache.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: cache.path)
    }

    func testAnEndlessBodyIsStoppedAtTheCapAndNamed() throws {
        try assertEndlessBodyIsStopped(chunked: false)
    }

    func testAnEndlessChunkedBodyIsStoppedAtTheCap() throws {
        try assertEndlessBodyIsStopped(chunked: true)
    }

    private func assertEndlessBodyIsStopped(chunked: Bool) throws {
        let root = try makeTemporaryDirectory(self)
        let server = try EndlessHTTPServer(directory: root, chunked: chunked)
        defer { server.stop() }
        let downloader = DatasetDownloader(baseURL: server.baseURL, requestTimeout: 10, resourceTimeout: 60)
        let cap = 1 << 20
        let started = Date()
        XCTAssertThrowsError(try downloader.download("endless.gz", into: root.appendingPathComponent("cache"),
                                                     maximumByteCount: cap) { _, _ in XCTFail("verified an endless file") }) { error in
            guard case let .downloadRejected(file, url, reason)? = error as? DatasetError else {
                return XCTFail("expected downloadRejected, got \(error)")
            }
            XCTAssertEqual(file, root.appendingPathComponent("cache/endless.gz").path)
            XCTAssertEqual(url, server.baseURL.appendingPathComponent("endless.gz").absoluteString)
            XCTAssertTrue(reason.contains("more than the \(cap) bytes"), reason)
            XCTAssertTrue("\(error)".contains("endless.gz"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertEqual(try cacheContents(root.appendingPathComponent("cache")), [], "the partial file was left behind")
        // The server saw the client hang up soon after the cap: what it sent is the cap plus
        // what the loopback's socket buffers held, not gigabytes.
        let deadline = Date().addingTimeInterval(10)
        while server.bodyBytesSent.filter({ $0 > 0 }).isEmpty && Date() < deadline { usleep(50_000) }
        let sent = try XCTUnwrap(server.bodyBytesSent.max())
        XCTAssertGreaterThan(sent, cap)
        XCTAssertLessThan(sent, 32 << 20, "the server sent \(sent) bytes before the client hung up")
    }

    func testAnAnnouncedOversizedBodyIsRefusedBeforeDownloading() throws {
        let root = try makeTemporaryDirectory(self)
        let server = try EndlessHTTPServer(directory: root, announcedLength: 1 << 40)
        defer { server.stop() }
        let downloader = DatasetDownloader(baseURL: server.baseURL, requestTimeout: 10, resourceTimeout: 60)
        XCTAssertThrowsError(try downloader.download("huge.gz", into: root, maximumByteCount: 4096) { _, _ in }) { error in
            guard case let .downloadRejected(_, _, reason)? = error as? DatasetError else {
                return XCTFail("expected downloadRejected, got \(error)")
            }
            XCTAssertTrue(reason.contains("announces \(1 << 40) bytes"), reason)
        }
        XCTAssertFalse(try cacheContents(root).contains { $0.contains(AtomicFile.temporaryNameMarker) })
    }

    func testARedirectIsFollowedAndTheBodyReadToItsLength() throws {
        // python3 -m http.server answers a folder without its trailing slash with 301 to
        // `/folder/`, then a listing with a Content-Length.
        let root = try makeTemporaryDirectory(self)
        let served = root.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served.appendingPathComponent("folder"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: served.appendingPathComponent("folder/inside.txt"))
        let server = try LocalHTTPServer(serving: served, logDirectory: root)
        defer { server.stop() }
        let downloader = DatasetDownloader(baseURL: server.baseURL, requestTimeout: 10, resourceTimeout: 30)
        let listing = try downloader.download("folder", into: root.appendingPathComponent("cache"), maximumByteCount: 1 << 16) { url, _ in
            try String(contentsOf: url, encoding: .utf8)
        }
        XCTAssertTrue(listing.contains("inside.txt"), listing)
        XCTAssertTrue(server.logText.contains("\"GET /folder HTTP/1.1\" 301"), server.logText)
        XCTAssertThrowsError(try downloader.download("folder", into: root.appendingPathComponent("small"), maximumByteCount: 16) { _, _ in }) {
            guard case let .downloadRejected(_, _, reason)? = $0 as? DatasetError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("announces"), reason)
        }
    }

    func testFashionMNISTCapsEachDownloadByTheOfficialFileSize() throws {
        // The official test labels decompress to 10,008 bytes: the endless server is cut off
        // after about that much, while Fashion-MNIST is being loaded.
        let root = try makeTemporaryDirectory(self)
        let server = try EndlessHTTPServer(directory: root)
        defer { server.stop() }
        let options = FashionMNIST.LoadOptions(
            verification: .official,
            download: .ifMissing(DatasetDownloader(baseURL: server.baseURL, requestTimeout: 10, resourceTimeout: 60)),
            environment: ["XDG_CACHE_HOME": root.appendingPathComponent("xdg").path, "HOME": root.path],
            systemDirectory: root.appendingPathComponent("none"))
        XCTAssertThrowsError(try FashionMNIST.load(options: options)) { error in
            guard case let .downloadRejected(file, _, reason)? = error as? DatasetError else {
                return XCTFail("expected downloadRejected, got \(error)")
            }
            // Files download in order: the training images (47,040,016 bytes decompressed) first.
            XCTAssertTrue(file.hasSuffix(FashionMNIST.File.trainImages.fileName), file)
            XCTAssertTrue(reason.contains("more than the"), reason)
        }
        let sent = server.bodyBytesSent.max() ?? 0
        XCTAssertLessThan(sent, FashionMNIST.File.trainImages.payloadByteCount + (64 << 20))
        for file in FashionMNIST.File.allCases {
            let limit = FashionMNIST.downloadByteLimit(for: file, options: options)
            XCTAssertGreaterThan(limit, file.payloadByteCount)
            XCTAssertLessThan(limit, file.payloadByteCount + file.payloadByteCount / 100 + 8192)
        }
    }
}
