// HostileInputTests.swift: dataset folders holding FIFOs, devices and oversized headers.

import Foundation
import TestSupport
import TapestryData
import XCTest

final class HostileInputTests: XCTestCase {
    func testFIFOInTheDataFolderIsRefusedWithoutBlocking() throws {
        let directory = try makeTemporaryDirectory(self)
        try SyntheticFashionMNIST().write(to: directory)
        let labels = directory.appendingPathComponent(FashionMNIST.File.testLabels.fileName)
        try FileManager.default.removeItem(at: labels)
        XCTAssertEqual(mkfifo(labels.path, 0o600), 0)
        let start = Date()
        XCTAssertThrowsError(try FashionMNIST.load(exactlyFrom: directory, options: .init(verification: .none, download: .never))) { error in
            XCTAssertTrue("\(error)".contains("FIFO"), "\(error)")
            XCTAssertTrue("\(error)".contains(FashionMNIST.File.testLabels.fileName), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testOfficialFilesClaimingMoreThanTheirKnownSizeAreRefusedBeforeAllocating() throws {
        // A labels file whose header claims 2^30 labels: the official labels file is 10,008
        // bytes, so it is refused from its header, before a gigabyte is allocated.
        let directory = try makeTemporaryDirectory(self)
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: directory)
        let labels = directory.appendingPathComponent(FashionMNIST.File.testLabels.fileName)
        try Gzip.write(IDXBytes.make(dimensions: [1 << 30], payload: [1, 2, 3]), to: labels)
        var digests = synthetic.digests
        digests[.testLabels] = FashionMNIST.File.testLabels.payloadSHA256       // expected: the official file
        let options = FashionMNIST.LoadOptions(verification: .sha256(digests), download: .never)
        XCTAssertThrowsError(try FashionMNIST.load(exactlyFrom: directory, options: options)) { error in
            guard case let .implausibleSize(_, claimed, limit, _)? = error as? DatasetError else {
                return XCTFail("expected implausibleSize, got \(error)")
            }
            XCTAssertEqual(claimed, 1 << 30)
            XCTAssertLessThanOrEqual(limit, FashionMNIST.File.testLabels.payloadByteCount)
        }
    }
}

/// Every kind of non-regular file, in place of each dataset file, read through each reader.
final class NonRegularDatasetFileTests: XCTestCase {
    func testIDXReaderRefusesEveryKind() throws {
        let folder = try makeTemporaryDirectory(self)
        for input in try nonRegularFiles(in: folder, named: "t10k-labels-idx1-ubyte.gz") {
            assertRefusedQuickly(input, { _ = try IDX.read(gzipFile: input.url, name: input.url.path) }) { error in
                XCTAssertTrue("\(error)".contains(input.url.path), "\(input): \(error)")
                XCTAssertTrue("\(error)".contains(input.kind), "\(input): \(error)")
            }
        }
    }

    func testFashionMNISTRefusesEveryKindInTheDataFolder() throws {
        let folder = try makeTemporaryDirectory(self)
        for file in FashionMNIST.File.allCases {
            for input in try nonRegularFiles(in: folder.appendingPathComponent(file.rawValue), named: file.fileName,
                                             devicesThemselves: false) {
                let directory = input.url.deletingLastPathComponent()
                try SyntheticFashionMNIST().write(to: directory, only: FashionMNIST.File.allCases.filter { $0 != file })
                let options = FashionMNIST.LoadOptions(verification: .none, download: .never)
                assertRefusedQuickly(input, { _ = try FashionMNIST.load(exactlyFrom: directory, options: options) }) { error in
                    XCTAssertTrue("\(error)".contains(input.url.path), "\(input): \(error)")
                    XCTAssertTrue("\(error)".contains(input.kind), "\(input): \(error)")
                }
            }
        }
    }
}
