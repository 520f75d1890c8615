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

    func testBackupDirIsCreated() throws {
        let folder = try makeTemporaryFolder(self)
        let fashion = try BuiltProducts.executable("fashion")
        let backup = folder.appendingPathComponent("runs/backup")
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = nil
        let arguments = ["--data-dir", folder.appendingPathComponent("no-data").path, "--epochs", "1",
                         "--output", folder.appendingPathComponent("pictures").path, "--backup-dir", backup.path]
        let result = try runToCompletion(fashion, arguments, environment: environment, in: folder, timeout: 30)
        XCTAssertEqual(result.status, 1, "fails on the missing data, after preparing the folders")
        XCTAssertTrue(result.standardError.contains("no-data"), result.standardError)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: backup.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }
}
