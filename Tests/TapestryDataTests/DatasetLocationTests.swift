// DatasetLocationTests.swift: the search order explicit > FASHION_MNIST_DIR > user cache > system.

import Foundation
import TestSupport
import TapestryData
import XCTest

final class DatasetLocationTests: XCTestCase {
    private var root: URL!
    private var explicit: URL { root.appendingPathComponent("explicit") }
    private var fromEnvironment: URL { root.appendingPathComponent("env") }
    private var xdgCache: URL { root.appendingPathComponent("xdg-cache") }
    private var cache: URL { xdgCache.appendingPathComponent("tapestry/fashion-mnist") }
    private var system: URL { root.appendingPathComponent("system") }
    private var home: URL { root.appendingPathComponent("home") }

    override func setUpWithError() throws {
        root = try makeTemporaryDirectory(self)
        // Each place holds a complete synthetic dataset whose first training label tells it apart.
        try SyntheticFashionMNIST(marker: 1).write(to: explicit)
        try SyntheticFashionMNIST(marker: 2).write(to: fromEnvironment)
        try SyntheticFashionMNIST(marker: 3).write(to: cache)
        try SyntheticFashionMNIST(marker: 4).write(to: system)
    }

    private var environment: [String: String] {
        ["FASHION_MNIST_DIR": fromEnvironment.path, "XDG_CACHE_HOME": xdgCache.path, "HOME": home.path]
    }

    private func load(explicit: URL?, environment: [String: String]) throws -> FashionMNIST {
        try FashionMNIST.load(
            from: explicit,
            options: .init(verification: .none, download: .never, environment: environment, systemDirectory: system))
    }

    func testExplicitBeatsEnvironmentBeatsCacheBeatsSystem() throws {
        var environment = self.environment

        var data = try load(explicit: explicit, environment: environment)
        XCTAssertEqual(data.origin, .argument)
        XCTAssertEqual(data.directory, explicit)
        XCTAssertEqual(data.train.label(at: 0), 1)

        data = try load(explicit: nil, environment: environment)
        XCTAssertEqual(data.origin, .environment)
        XCTAssertEqual(data.train.label(at: 0), 2)

        environment["FASHION_MNIST_DIR"] = nil
        data = try load(explicit: nil, environment: environment)
        XCTAssertEqual(data.origin, .userCache)
        XCTAssertEqual(data.directory.standardizedFileURL.path, cache.standardizedFileURL.path)
        XCTAssertEqual(data.train.label(at: 0), 3)

        try FileManager.default.removeItem(at: cache)
        data = try load(explicit: nil, environment: environment)
        XCTAssertEqual(data.origin, .system)
        XCTAssertEqual(data.train.label(at: 0), 4)
    }

    func testIncompleteDirectoriesArePassedOver() throws {
        // The explicit directory lacks one file, FASHION_MNIST_DIR is empty: the cache is used.
        try FileManager.default.removeItem(at: explicit.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        var environment = self.environment
        environment["FASHION_MNIST_DIR"] = ""
        let data = try load(explicit: explicit, environment: environment)
        XCTAssertEqual(data.origin, .userCache)
        XCTAssertEqual(data.train.label(at: 0), 3)
    }

    func testBadFileInTheFirstCompleteDirectoryIsAnErrorNotAFallback() throws {
        let bad = fromEnvironment.appendingPathComponent("train-labels-idx1-ubyte.gz")
        try Data([0x1f, 0x8b, 0, 0]).write(to: bad)
        XCTAssertThrowsError(try load(explicit: nil, environment: environment)) { error in
            guard let error = error as? DatasetError, String(describing: error).hasPrefix(bad.path) else {
                return XCTFail("expected an error naming \(bad.path), got \(error)")
            }
        }
    }

    func testCacheDirectoryFollowsXDGThenHome() {
        let xdg = DatasetSearchPath(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/h"])
        XCTAssertEqual(xdg.cacheDirectory.path, "/x/cache/tapestry/fashion-mnist")

        let relativeXDG = DatasetSearchPath(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"])
        XCTAssertEqual(relativeXDG.cacheDirectory.path, "/h/.cache/tapestry/fashion-mnist")

        let homeOnly = DatasetSearchPath(environment: ["HOME": "/h"])
        XCTAssertEqual(homeOnly.cacheDirectory.path, "/h/.cache/tapestry/fashion-mnist")
        XCTAssertEqual(
            homeOnly.candidates.map(\.origin), [.userCache, .system])
        XCTAssertEqual(homeOnly.candidates.last?.directory.path, "/usr/share/datasets/fashion-mnist")

        let full = DatasetSearchPath(
            explicitDirectory: URL(fileURLWithPath: "/e"), environment: ["FASHION_MNIST_DIR": "/f", "HOME": "/h"])
        XCTAssertEqual(full.candidates.map(\.origin), [.argument, .environment, .userCache, .system])
        XCTAssertEqual(full.candidates.map(\.directory.path), ["/e", "/f", "/h/.cache/tapestry/fashion-mnist", "/usr/share/datasets/fashion-mnist"])
    }

    func testMissingEverywhereSaysWhereItLookedAndHowToInstall() throws {
        try FileManager.default.removeItem(at: cache)
        try FileManager.default.removeItem(at: system)
        try FileManager.default.removeItem(at: fromEnvironment.appendingPathComponent("train-images-idx3-ubyte.gz"))
        try FileManager.default.removeItem(at: explicit)

        XCTAssertThrowsError(try load(explicit: explicit, environment: environment)) { error in
            guard case let .datasetNotFound(searched, downloadFailure)? = error as? DatasetError else {
                return XCTFail("expected datasetNotFound, got \(error)")
            }
            XCTAssertNil(downloadFailure)
            XCTAssertEqual(searched.map(\.origin), [.argument, .environment, .userCache, .system])
            XCTAssertEqual(searched.map(\.exists), [false, true, false, false])
            XCTAssertEqual(searched[1].missingFiles, ["train-images-idx3-ubyte.gz"])
            XCTAssertEqual(searched[2].missingFiles.count, 4)

            let message = String(describing: error)
            XCTAssertFalse(message.contains("\n"))
            for place in [explicit, fromEnvironment, cache, system] {
                XCTAssertTrue(message.contains(place.path), "\(place.path) not in: \(message)")
            }
            XCTAssertTrue(message.contains("missing train-images-idx3-ubyte.gz"), message)
            XCTAssertTrue(message.contains("downloading is disabled"), message)
            XCTAssertTrue(message.contains("sudo apt-get install dataset-fashion-mnist"), message)
            XCTAssertTrue(message.contains("FASHION_MNIST_DIR"), message)
        }
    }
}
