// RealFashionMNISTTests.swift: the real dataset from Debian's dataset-fashion-mnist package.

import Foundation
import TapestryData
import XCTest

/// The real dataset, loaded (and checksum-verified) once for all tests of this file.
private enum RealData {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static let loaded: Result<FashionMNIST, Failure> = {
        let directory = DatasetSearchPath.debianDirectory
        guard FileManager.default.fileExists(atPath: directory.path) else {
            return .failure(Failure(description:
                "\(directory.path) does not exist: these tests need the real Fashion-MNIST; "
                + "install it with `sudo apt-get install dataset-fashion-mnist` (the Makefile does)"))
        }
        do {
            // Through the search path, with an empty cache and no FASHION_MNIST_DIR, so the
            // system directory must be the one found; official checksums are verified.
            let home = FileManager.default.temporaryDirectory
                .appendingPathComponent("tapestry-empty-home-\(UUID().uuidString)")
            return .success(try FashionMNIST.load(options: .init(download: .never, environment: ["HOME": home.path])))
        } catch {
            return .failure(Failure(description: String(describing: error)))
        }
    }()

    static func data() throws -> FashionMNIST { try loaded.get() }
}

final class RealFashionMNISTTests: XCTestCase {
    func testFoundInTheSystemDirectoryAndVerified() throws {
        let data = try RealData.data()
        XCTAssertEqual(data.origin, .system)
        XCTAssertEqual(data.directory.path, "/usr/share/datasets/fashion-mnist")
    }

    func testShapes() throws {
        let data = try RealData.data()
        XCTAssertEqual(data.train.count, 60_000)
        XCTAssertEqual(data.test.count, 10_000)
        for split in [data.train, data.test] {
            XCTAssertEqual(split.rows, 28)
            XCTAssertEqual(split.columns, 28)
            XCTAssertEqual(split.classCount, 10)
            XCTAssertEqual(split.pixels.count, split.count * 784)
            XCTAssertEqual(split.labels.count, split.count)
        }
    }

    func testClassesAreBalanced() throws {
        let data = try RealData.data()
        XCTAssertEqual(data.train.classCounts(), Array(repeating: 6_000, count: 10))
        XCTAssertEqual(data.test.classCounts(), Array(repeating: 1_000, count: 10))
    }

    func testKnownLabels() throws {
        let data = try RealData.data()
        XCTAssertEqual(data.train.label(at: 0), 9)
        XCTAssertEqual(FashionMNIST.classNames[data.train.label(at: 0)], "Ankle boot")
        XCTAssertEqual(Array(data.train.labels[..<5]), [9, 0, 0, 3, 0])
        XCTAssertEqual(data.test.label(at: 0), 9)
        XCTAssertEqual(data.test.label(at: 3), 1)
        XCTAssertEqual(FashionMNIST.classNames[data.test.label(at: 3)], "Trouser")
    }

    func testFirstImageAndItsGatheredFloats() throws {
        // Reference values from Python's gzip module: the first training image sums to 76,247.
        let data = try RealData.data()
        let image = data.train.image(at: 0)
        XCTAssertEqual(image.reduce(0) { $0 + Int($1) }, 76_247)
        XCTAssertEqual(image.max(), 255)
        XCTAssertEqual(Array(image.prefix(28)), Array(repeating: 0, count: 28))

        let floats = data.train.gatherImages(at: [0])
        XCTAssertEqual(floats.count, 784)
        XCTAssertEqual(floats.max(), 1)
        XCTAssertEqual(floats.reduce(0, +), Float(76_247) / 255, accuracy: 0.01)
    }

    func testLabelFileDigestsMatchTheOfficialTable() throws {
        for file in [FashionMNIST.File.trainLabels, .testLabels] {
            let url = DatasetSearchPath.debianDirectory.appendingPathComponent(file.fileName)
            let decoded = try IDX.read(gzipFile: url, expectedMagic: IDX.labelsMagic, computeSHA256: true)
            XCTAssertEqual(decoded.sha256, file.payloadSHA256, file.fileName)
            XCTAssertEqual(decoded.byteCount, file.payloadByteCount, file.fileName)
        }
    }
}
