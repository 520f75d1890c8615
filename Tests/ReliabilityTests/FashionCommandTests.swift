// FashionCommandTests.swift: the built `fashion` binary fails cleanly: exit status 1 and one
// line on stderr naming what is wrong, never a trap, a signal or a stack trace.
//
// The data folders are small synthetic ones. `FashionMNIST.load` verifies the official
// SHA-256 digests, so no synthetic folder gets past loading: every case here is a failure
// path, and the output folder is checked before loading.

import Foundation
import TestSupport
import XCTest

final class FashionCommandTests: XCTestCase {
    private var folder: URL!
    private var fashion: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
        fashion = try BuiltProducts.executable("fashion")
    }

    /// An environment that hides the user's and the machine's data from the run: a fresh home
    /// and cache, no FASHION_MNIST_DIR.
    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FASHION_MNIST_DIR"] = nil
        environment["HOME"] = folder.appendingPathComponent("home").path
        environment["XDG_CACHE_HOME"] = folder.appendingPathComponent("cache").path
        environment["SWIFT_BACKTRACE"] = nil
        return environment
    }

    /// Runs `fashion` with `arguments` (pictures go to the temporary folder unless the
    /// arguments say otherwise) and checks that it failed cleanly.
    ///
    /// - Returns: the one line it printed on stderr.
    @discardableResult
    private func failingRun(
        _ arguments: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        var arguments = arguments
        if !arguments.contains("--output") {
            arguments += ["--output", folder.appendingPathComponent("pictures").path]
        }
        let result = try runToCompletion(fashion, arguments, environment: environment, in: folder, timeout: 30)
        XCTAssertTrue(result.exited, "fashion \(arguments) was killed by signal \(result.status)", file: file, line: line)
        XCTAssertEqual(result.status, 1, "fashion \(arguments) exit status", file: file, line: line)
        XCTAssertEqual(result.errorLines.count, 1, "stderr is not one line: \(result.standardError)", file: file, line: line)
        let message = result.errorLines.first ?? ""
        XCTAssertTrue(message.hasPrefix("fashion: "), "stderr: \(message)", file: file, line: line)
        for sign in ["Fatal error", "Backtrac", "Crash", "Segmentation", "Illegal instruction", "at /"] {
            XCTAssertFalse(result.standardError.contains(sign), "stderr has '\(sign)': \(result.standardError)",
                           file: file, line: line)
        }
        return message
    }

    /// A synthetic data folder, valid but not the official data.
    private func syntheticData() throws -> URL {
        let data = folder.appendingPathComponent("data")
        try SyntheticFashionFolder.write(to: data)
        return data
    }

    // MARK: Data

    /// A folder given with --data-dir is used as is: a missing one is an error naming the first
    /// file, never a reason to fall back to the machine's copy (Debian's package is installed here).
    func testMissingDataFolderIsNamedAndNoOtherDataIsUsed() throws {
        let missing = folder.appendingPathComponent("no-such-folder")
        let message = try failingRun(["--data-dir", missing.path, "--epochs", "1"])
        XCTAssertEqual(
            message,
            "fashion: \(missing.appendingPathComponent(SyntheticFashionFolder.trainImages).path): "
                + "cannot read the file: No such file or directory")
    }

    func testDataFolderWithoutTheFilesNamesTheFirstMissingFile() throws {
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let message = try failingRun(["--data-dir", empty.path, "--epochs", "1"])
        XCTAssertTrue(message.contains(empty.appendingPathComponent(SyntheticFashionFolder.trainImages).path), message)
        XCTAssertTrue(message.contains("No such file or directory"), message)
    }

    func testSyntheticDataFailsTheOfficialChecksumNamingTheFile() throws {
        let data = try syntheticData()
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1"])
        XCTAssertTrue(message.contains(data.appendingPathComponent(SyntheticFashionFolder.trainImages).path), message)
        XCTAssertTrue(message.contains("SHA-256"), message)
    }

    func testTruncatedFileNamesTheFileAndTheByte() throws {
        let data = try syntheticData()
        let name = SyntheticFashionFolder.trainImages
        let bytes = try SyntheticFashionFolder.bytes(of: name, in: data)
        try SyntheticFashionFolder.replace(name, in: data, with: Array(bytes.prefix(bytes.count / 2)))
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1"])
        XCTAssertTrue(message.contains(data.appendingPathComponent(name).path + ": truncated gzip file"), message)
        XCTAssertTrue(message.contains("ends at byte \(bytes.count / 2)"), message)
    }

    func testCorruptedCompressedStreamNamesTheFile() throws {
        let data = try syntheticData()
        // The first file in load order: errors are reported for the first bad file, and every
        // synthetic file fails the official checksum.
        let name = SyntheticFashionFolder.trainImages
        var bytes = try SyntheticFashionFolder.bytes(of: name, in: data)
        // Spoil the CRC-32 in the gzip trailer (the last 8 bytes are CRC-32 and length).
        bytes[bytes.count - 8] ^= 0xFF
        try SyntheticFashionFolder.replace(name, in: data, with: bytes)
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1"])
        XCTAssertTrue(message.contains(data.appendingPathComponent(name).path + ": corrupt gzip stream"), message)
    }

    func testUncompressedFileIsNotGzip() throws {
        let data = try syntheticData()
        let name = SyntheticFashionFolder.trainImages
        try SyntheticFashionFolder.replace(name, in: data, with: IDXBytes.images(count: 8))
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1"])
        XCTAssertTrue(message.contains(data.appendingPathComponent(name).path + ": not a gzip file"), message)
    }

    func testLabelsFileWhereImagesAreExpectedIsAWrongMagicNumber() throws {
        let data = try syntheticData()
        let name = SyntheticFashionFolder.trainImages
        try SyntheticFashionFolder.replace(name, in: data, with: Gzip.compress(IDXBytes.labels(count: 8)))
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1"])
        XCTAssertEqual(
            message,
            "fashion: \(data.appendingPathComponent(name).path): wrong IDX magic number 0x00000801, expected 0x00000803")
    }

    func testHeaderClaimingTrillionsOfBytesIsRefusedBeforeAllocating() throws {
        let data = try syntheticData()
        let name = SyntheticFashionFolder.trainImages
        // 4,294,967,295 images of 28 × 28: 3.4 TB claimed by a file of a few dozen bytes.
        let header = IDXBytes.make(dimensions: [UInt32.max, 28, 28], payload: [1, 2, 3])
        try SyntheticFashionFolder.replace(name, in: data, with: Gzip.compress(header))
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1"])
        XCTAssertTrue(message.contains(data.appendingPathComponent(name).path + ": IDX header claims 3,367,254,359,280 bytes"), message)
        XCTAssertTrue(message.hasSuffix("refused before allocating"), message)
    }

    // MARK: Outputs

    /// The output folder is checked before the data is loaded: the synthetic data, which would
    /// fail its checksum, is never reached.
    func testOutputFolderUnderARegularFileFailsBeforeLoading() throws {
        let data = try syntheticData()
        let blocker = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: blocker)
        let output = blocker.appendingPathComponent("pictures").path
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1", "--output", output])
        XCTAssertEqual(message, "fashion: cannot write pictures to \(output): \(blocker.path) is a file, not a folder")
    }

    func testOutputThatIsARegularFileFailsBeforeLoading() throws {
        let data = try syntheticData()
        let blocker = folder.appendingPathComponent("pictures.svg")
        try Data("not a folder".utf8).write(to: blocker)
        let message = try failingRun(["--data-dir", data.path, "--epochs", "1", "--output", blocker.path])
        XCTAssertEqual(message, "fashion: cannot write pictures to \(blocker.path): it is a file, not a folder")
    }

    // MARK: Flags

    func testNonNumericEpochs() throws {
        let message = try failingRun(["--epochs", "abc"])
        XCTAssertTrue(message.contains("'abc'") && message.contains("--epochs"), message)
    }

    func testOutOfRangeValues() throws {
        XCTAssertEqual(try failingRun(["--epochs", "0"]), "fashion: --epochs must be between 1 and 10000, got 0")
        XCTAssertEqual(try failingRun(["--verbose", "7"]), "fashion: --verbose must be 0, 1 or 2, got 7")
        XCTAssertEqual(
            try failingRun(["--batch-size", "0"]), "fashion: --batch-size must be between 1 and 60000, got 0")
        XCTAssertEqual(
            try failingRun(["--learning-rate", "nan"]),
            "fashion: --learning-rate must be a positive number below 10, got nan")
    }

    func testNegativeBatchSizeIsAMissingValue() throws {
        // "-1" reads as an option, so the flag has no value.
        let message = try failingRun(["--batch-size", "-1"])
        XCTAssertTrue(message.contains("--batch-size"), message)
    }

    func testNegativeBatchSizeWithEqualsIsOutOfRange() throws {
        XCTAssertEqual(
            try failingRun(["--batch-size=-1"]), "fashion: --batch-size must be between 1 and 60000, got -1")
    }

    func testUnknownFlag() throws {
        let message = try failingRun(["--epoch", "3"])
        XCTAssertTrue(message.contains("--epoch"), message)
    }
}
