// FashionBackupDirTests.swift: `fashion --backup-dir` checks its folder before loading data,
// like the other destinations, and fails with one line naming it.

import Foundation
import TestSupport
import XCTest

final class FashionBackupDirTests: XCTestCase {
    func testBackupDirThatIsAFileFailsBeforeLoading() throws {
        let folder = try makeTemporaryFolder(self)
        let fashion = try BuiltProducts.executable("fashion")
        let blocker = folder.appendingPathComponent("backup")
        try Data("not a folder".utf8).write(to: blocker)
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = nil
        // The data folder does not exist: reaching the loader would name it instead.
        let arguments = ["--data-dir", folder.appendingPathComponent("no-data").path, "--epochs", "1",
                         "--output", folder.appendingPathComponent("pictures").path, "--backup-dir", blocker.path]
        let result = try runToCompletion(fashion, arguments, environment: environment, in: folder, timeout: 30)
        XCTAssertTrue(result.exited)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.errorLines, ["fashion: cannot back up training to \(blocker.path): it is a file, not a folder"])
    }

    /// The backup folder is created before the data is loaded; when the run then fails, the
    /// folders it created are removed again (they are empty) and the ones that were there stay.
    func testFoldersCreatedForAFailedRunAreRemoved() throws {
        let folder = try makeTemporaryFolder(self)
        let fashion = try BuiltProducts.executable("fashion")
        let runs = folder.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: false)
        let backup = runs.appendingPathComponent("mlp/backup")
        let pictures = folder.appendingPathComponent("pictures/new")
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = nil
        let arguments = ["--data-dir", folder.appendingPathComponent("no-data").path, "--epochs", "1",
                         "--output", pictures.path, "--backup-dir", backup.path]
        let result = try runToCompletion(fashion, arguments, environment: environment, in: folder, timeout: 30)
        XCTAssertEqual(result.status, 1, "fails on the missing data, after preparing the folders")
        XCTAssertTrue(result.standardError.contains("no-data"), result.standardError)
        XCTAssertTrue(FileManager.default.fileExists(atPath: runs.path), "a folder that was there is kept")
        for created in [runs.appendingPathComponent("mlp"), backup, folder.appendingPathComponent("pictures"), pictures] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: created.path), "\(created.path) was left behind")
        }
    }
}
