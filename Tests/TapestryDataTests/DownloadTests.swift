// DownloadTests.swift: downloading from a real HTTP server on 127.0.0.1 (python3 -m http.server).

import Foundation
import TestSupport
import TapestryData
import TapestryIO
import XCTest

final class DownloadTests: XCTestCase {
    private var root: URL!
    private var served: URL { root.appendingPathComponent("served") }
    private var xdgCache: URL { root.appendingPathComponent("xdg-cache") }
    private var cache: URL { xdgCache.appendingPathComponent("tapestry/fashion-mnist") }
    private var system: URL { root.appendingPathComponent("no-system-copy") }
    private var server: LocalHTTPServer!

    override func setUpWithError() throws {
        root = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        server = try LocalHTTPServer(serving: served, logDirectory: root)
        addTeardownBlock { [server] in server?.stop() }
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func options(digests: [FashionMNIST.File: String], baseURL: URL? = nil) -> FashionMNIST.LoadOptions {
        .init(
            verification: .sha256(digests),
            download: .ifMissing(DatasetDownloader(baseURL: baseURL ?? server.baseURL, requestTimeout: 10, resourceTimeout: 30)),
            environment: ["XDG_CACHE_HOME": xdgCache.path, "HOME": root.path],
            systemDirectory: system)
    }

    private func cacheContents() throws -> [String] {
        guard FileManager.default.fileExists(atPath: cache.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: cache.path).sorted()
    }

    func testDownloadsIntoTheCacheVerifiedAndThenFindsItThere() throws {
        let synthetic = SyntheticFashionMNIST(marker: 5)
        try synthetic.write(to: served)

        let data = try FashionMNIST.load(options: options(digests: synthetic.digests))

        XCTAssertEqual(data.origin, .userCache)
        XCTAssertEqual(data.directory.standardizedFileURL.path, cache.standardizedFileURL.path)
        XCTAssertEqual(data.train.labels, synthetic.trainLabels)
        XCTAssertEqual(data.train.pixels, synthetic.trainPixels)
        XCTAssertEqual(data.test.pixels, synthetic.testPixels)
        // Exactly the four files landed, byte for byte what was served, and no temporary file is left.
        XCTAssertEqual(try cacheContents(), FashionMNIST.File.allCases.map(\.fileName).sorted())
        for file in FashionMNIST.File.allCases {
            XCTAssertEqual(
                try Data(contentsOf: cache.appendingPathComponent(file.fileName)),
                try Data(contentsOf: served.appendingPathComponent(file.fileName)))
        }
        for file in FashionMNIST.File.allCases {
            XCTAssertTrue(server.logText.contains("GET /\(file.fileName) HTTP/1.1\" 200"), server.logText)
        }

        // Offline now: found in the cache, nothing downloaded.
        server.stop()
        var offline = options(digests: synthetic.digests)
        offline.download = .never
        let again = try FashionMNIST.load(options: offline)
        XCTAssertEqual(again.origin, .userCache)
        XCTAssertEqual(again.train.labels, synthetic.trainLabels)
    }

    func testOnlyFilesMissingFromTheCacheAreDownloaded() throws {
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: cache, only: [.trainImages, .trainLabels])
        try synthetic.write(to: served, only: [.testImages, .testLabels])  // the others would be 404

        let data = try FashionMNIST.load(options: options(digests: synthetic.digests))
        XCTAssertEqual(data.origin, .userCache)
        XCTAssertEqual(data.test.labels, synthetic.testLabels)
        XCTAssertEqual(try cacheContents(), FashionMNIST.File.allCases.map(\.fileName).sorted())
        XCTAssertFalse(server.logText.contains("train-"), server.logText)
    }

    func testCorruptedDownloadIsRejectedDeletedAndNamed() throws {
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: served)
        // The served training labels differ from the ones the digest table describes.
        var tampered = synthetic.trainLabels
        tampered[3] = (tampered[3] + 1) % 10
        try Gzip.write(IDXBytes.labels(tampered), to: served.appendingPathComponent("train-labels-idx1-ubyte.gz"))

        XCTAssertThrowsError(try FashionMNIST.load(options: options(digests: synthetic.digests))) { error in
            let path = cache.appendingPathComponent("train-labels-idx1-ubyte.gz").path
            let url = server.baseURL.appendingPathComponent("train-labels-idx1-ubyte.gz").absoluteString
            guard case let .downloadRejected(file, source, reason)? = error as? DatasetError else {
                return XCTFail("expected downloadRejected, got \(error)")
            }
            XCTAssertEqual(file, path)
            XCTAssertEqual(source, url)
            XCTAssertTrue(reason.hasPrefix("\(url): SHA-256 of the decompressed data is "), reason)
            XCTAssertTrue(String(describing: error).contains("failed verification and was deleted"))
        }
        // Never moved into place, and the temporary file is gone.
        let contents = try cacheContents()
        XCTAssertFalse(contents.contains("train-labels-idx1-ubyte.gz"), "\(contents)")
        XCTAssertFalse(contents.contains { $0.contains(AtomicFile.temporaryNameMarker) }, "\(contents)")
    }

    func testServedFileThatIsNotGzipIsRejected() throws {
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: served)
        try Data("<html>Not Found</html>".utf8).write(to: served.appendingPathComponent("t10k-images-idx3-ubyte.gz"))

        XCTAssertThrowsError(try FashionMNIST.load(options: options(digests: synthetic.digests))) { error in
            guard case let .downloadRejected(file, _, reason)? = error as? DatasetError else {
                return XCTFail("expected downloadRejected, got \(error)")
            }
            XCTAssertEqual(file, cache.appendingPathComponent("t10k-images-idx3-ubyte.gz").path)
            XCTAssertTrue(reason.contains("not a gzip file"), reason)
        }
        XCTAssertFalse(try cacheContents().contains("t10k-images-idx3-ubyte.gz"))
    }

    func testHTTPErrorBecomesNotFoundWithTheReason() throws {
        // The server runs but has nothing to serve: 404.
        XCTAssertThrowsError(try FashionMNIST.load(options: options(digests: [:]))) { error in
            guard case let .datasetNotFound(searched, failure?)? = error as? DatasetError else {
                return XCTFail("expected datasetNotFound with a download failure, got \(error)")
            }
            XCTAssertEqual(searched.map(\.origin), [.userCache, .system])
            XCTAssertTrue(failure.contains("HTTP status 404"), failure)
            XCTAssertTrue(String(describing: error).contains("sudo apt-get install dataset-fashion-mnist"))
        }
        XCTAssertFalse(try cacheContents().contains { $0.contains(AtomicFile.temporaryNameMarker) })
    }

    func testUnreachableServerSaysWhereItLookedAndHowToInstall() throws {
        let closedPort = try freeLoopbackPort()  // nothing listens there
        let baseURL = try XCTUnwrap(URL(string: "http://127.0.0.1:\(closedPort)/"))
        let started = Date()
        XCTAssertThrowsError(try FashionMNIST.load(options: options(digests: [:], baseURL: baseURL))) { error in
            guard case let .datasetNotFound(_, failure?)? = error as? DatasetError else {
                return XCTFail("expected datasetNotFound with a download failure, got \(error)")
            }
            XCTAssertTrue(failure.hasPrefix("http://127.0.0.1:\(closedPort)/train-images-idx3-ubyte.gz"), failure)
            let message = String(describing: error)
            XCTAssertTrue(message.contains(cache.path), message)
            XCTAssertTrue(message.contains(system.path), message)
            XCTAssertTrue(message.contains("sudo apt-get install dataset-fashion-mnist"), message)
            XCTAssertTrue(message.contains("FASHION_MNIST_DIR"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "a refused connection must fail fast")
    }

    func testDownloadingARealFileVerifiesTheOfficialDigest() throws {
        let real = DatasetSearchPath.debianDirectory.appendingPathComponent("train-labels-idx1-ubyte.gz")
        guard FileManager.default.fileExists(atPath: real.path) else {
            return XCTFail("\(real.path) is missing: install it with `sudo apt-get install dataset-fashion-mnist`")
        }
        try FileManager.default.copyItem(at: real, to: served.appendingPathComponent("train-labels-idx1-ubyte.gz"))

        let downloader = DatasetDownloader(baseURL: server.baseURL, requestTimeout: 10, resourceTimeout: 30)
        let file = FashionMNIST.File.trainLabels
        let labels = try downloader.download(file.fileName, into: cache) { url, name in
            try IDX.read(gzipFile: url, name: name, expectedMagic: file.magic, computeSHA256: true)
        }
        XCTAssertEqual(labels.sha256, file.payloadSHA256)
        XCTAssertEqual(labels.byteCount, file.payloadByteCount)
        XCTAssertEqual(labels.array.shape, [60_000])
        XCTAssertEqual(labels.array.data.first, 9)
        XCTAssertEqual(try cacheContents(), ["train-labels-idx1-ubyte.gz"])
    }
}
