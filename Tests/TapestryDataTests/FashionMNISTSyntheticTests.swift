// FashionMNISTSyntheticTests.swift: loading and verifying a synthetic Fashion-MNIST directory.

import Foundation
import TestSupport
import TapestryData
import XCTest

final class FashionMNISTSyntheticTests: XCTestCase {
    func testLoadsBothSplits() throws {
        let directory = try makeTemporaryDirectory(self)
        let synthetic = SyntheticFashionMNIST(marker: 7)
        try synthetic.write(to: directory)

        let data = try FashionMNIST.load(
            exactlyFrom: directory, options: .init(verification: .sha256(synthetic.digests), download: .never))

        XCTAssertNil(data.origin)
        XCTAssertEqual(data.directory, directory)
        XCTAssertEqual(data.train.count, 20)
        XCTAssertEqual(data.train.rows, 4)
        XCTAssertEqual(data.train.columns, 3)
        XCTAssertEqual(data.train.classCount, 10)
        XCTAssertEqual(data.train.pixels, synthetic.trainPixels)
        XCTAssertEqual(data.train.labels, synthetic.trainLabels)
        XCTAssertEqual(data.train.label(at: 0), 7)
        XCTAssertEqual(data.test.count, 10)
        XCTAssertEqual(data.test.pixels, synthetic.testPixels)
        XCTAssertEqual(data.test.labels, synthetic.testLabels)
    }

    func testChecksumMismatchNamesTheFile() throws {
        let directory = try makeTemporaryDirectory(self)
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: directory)
        var digests = synthetic.digests
        digests[.testLabels] = String(repeating: "0", count: 64)

        XCTAssertThrowsError(
            try FashionMNIST.load(exactlyFrom: directory, options: .init(verification: .sha256(digests), download: .never))
        ) { error in
            let path = directory.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path
            XCTAssertEqual(
                error as? DatasetError,
                .checksumMismatch(file: path, expected: String(repeating: "0", count: 64), actual: synthetic.digests[.testLabels] ?? ""))
            XCTAssertTrue(String(describing: error).hasPrefix("\(path): SHA-256 of the decompressed data is "))
        }
    }

    func testOfficialVerificationRejectsOtherData() throws {
        let directory = try makeTemporaryDirectory(self)
        try SyntheticFashionMNIST().write(to: directory)
        XCTAssertThrowsError(try FashionMNIST.load(exactlyFrom: directory, options: .init(download: .never))) { error in
            guard case .checksumMismatch? = error as? DatasetError else {
                return XCTFail("expected checksumMismatch, got \(error)")
            }
        }
    }

    func testFilesAreCheckedForTheirRole() throws {
        // Labels where the training images belong: wrong magic, naming that file.
        let directory = try makeTemporaryDirectory(self)
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: directory)
        let imagesPath = directory.appendingPathComponent(FashionMNIST.File.trainImages.fileName)
        try Gzip.write(IDXBytes.labels(synthetic.trainLabels), to: imagesPath)

        XCTAssertThrowsError(
            try FashionMNIST.load(exactlyFrom: directory, options: .init(verification: .none, download: .never))
        ) { error in
            XCTAssertEqual(error as? DatasetError, .wrongMagic(file: imagesPath.path, expected: 0x803, found: 0x801))
        }
    }

    func testFirstBadFileInFileOrderIsReported() throws {
        // Two bad files: the error is about the first in FashionMNIST.File order, whatever finished first.
        let directory = try makeTemporaryDirectory(self)
        try SyntheticFashionMNIST().write(to: directory)
        for file in [FashionMNIST.File.trainLabels, .testImages] {
            try Data("not gzip".utf8).write(to: directory.appendingPathComponent(file.fileName))
        }
        XCTAssertThrowsError(
            try FashionMNIST.load(exactlyFrom: directory, options: .init(verification: .none, download: .never))
        ) { error in
            XCTAssertEqual(
                error as? DatasetError,
                .notGzip(file: directory.appendingPathComponent("train-labels-idx1-ubyte.gz").path))
        }
    }

    func testMetadata() {
        XCTAssertEqual(FashionMNIST.classNames.count, FashionMNIST.classCount)
        XCTAssertEqual(FashionMNIST.classNames[0], "T-shirt/top")
        XCTAssertEqual(FashionMNIST.classNames[1], "Trouser")
        XCTAssertEqual(FashionMNIST.classNames[9], "Ankle boot")
        XCTAssertEqual(
            FashionMNIST.File.allCases.map(\.fileName),
            ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
        XCTAssertEqual(FashionMNIST.File.allCases.map(\.payloadByteCount), [47_040_016, 60_008, 7_840_016, 10_008])
        XCTAssertEqual(FashionMNIST.File.trainImages.magic, 0x803)
        XCTAssertEqual(FashionMNIST.File.testLabels.magic, 0x801)
        guard case let .sha256(table) = FashionMNIST.Verification.official else { return XCTFail("official is not sha256") }
        XCTAssertEqual(table[.trainLabels], "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9")
        XCTAssertEqual(table.count, 4)
        XCTAssertEqual(DatasetDownloader().baseURL.absoluteString, "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")
        XCTAssertEqual(
            DatasetDownloader().url(for: "t10k-labels-idx1-ubyte.gz").absoluteString,
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz")
    }
}
