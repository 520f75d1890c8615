// BackupAndRestoreCrashTests.swift: a training run killed with SIGKILL at any moment — in a
// step, in the middle of writing its backup, at a random time — and run again until it
// finishes ends with the same History and weights, bit for bit, as a run never interrupted.

import Foundation
import Tapestry
import TapestryIO
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class BackupAndRestoreCrashTests: XCTestCase {
    /// What a finished `resumable-trainer` run wrote.
    private struct Outcome {
        /// Each epoch's metrics as bit patterns (JSON text).
        var history: String
        /// The final weights by name.
        var weights: [String: SafeTensors.Entry]
    }

    private var trainer: URL!
    private var folder: URL!

    override func setUpWithError() throws {
        trainer = try BuiltProducts.executable("resumable-trainer")
        folder = try makeTemporaryFolder(self)
    }

    /// Runs the trainer once with `environment` on `backup`, writing into `output`.
    private func run(backup: URL, output: URL, environment: [String: String] = [:]) throws -> ProcessResult {
        try runToCompletion(trainer, [backup.path, output.path], environment: environment, in: folder, timeout: 30)
    }

    private func outcome(in output: URL) throws -> Outcome {
        Outcome(history: try String(contentsOf: output.appendingPathComponent("history.json"), encoding: .utf8),
                weights: try SafeTensors(contentsOf: output.appendingPathComponent("weights.safetensors")).entries)
    }

    /// The uninterrupted run.
    private func reference() throws -> Outcome {
        let output = folder.appendingPathComponent("reference")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let result = try run(backup: folder.appendingPathComponent("reference-backup"), output: output)
        XCTAssertTrue(result.exited && result.status == 0, "reference run: \(result.standardError)")
        return try outcome(in: output)
    }

    /// Runs the trainer in a fresh backup folder once per entry of `kills` (each killing
    /// itself as the entry says), then without kills until it finishes, and returns what it wrote.
    private func interruptedRun(_ name: String, kills: [[String: String]]) throws -> Outcome {
        let backup = folder.appendingPathComponent("\(name)-backup"), output = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        for environment in kills {
            let result = try run(backup: backup, output: output, environment: environment)
            XCTAssertTrue(!result.exited && result.status == SIGKILL, "\(name) \(environment) should be killed: \(result.standardError)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.appendingPathComponent("history.json").path))
            // What a kill leaves is a whole backup (or none yet), never a torn one.
            let file = backup.appendingPathComponent("backup.safetensors")
            if FileManager.default.fileExists(atPath: file.path) { XCTAssertNoThrow(try SafeTensors(contentsOf: file)) }
        }
        let final = try run(backup: backup, output: output)
        XCTAssertTrue(final.exited && final.status == 0, "\(name) final run: \(final.standardError)")
        let left = try FileManager.default.contentsOfDirectory(atPath: backup.path)
        XCTAssertEqual(left, [], "the backup and stale temporary files are removed at the end")
        return try outcome(in: output)
    }

    func testSIGKILLMidStepAndMidBackupResumesToTheUninterruptedResult() throws {
        let expected = try reference()
        XCTAssertEqual(expected.history.components(separatedBy: "\"epoch\"").count - 1, 4, "four epochs")

        // 52 steps in all, backups every 3 steps and at epoch ends (20 writes).
        let step = "RESUMABLE_TRAINER_KILL_AT_STEP", save = "RESUMABLE_TRAINER_KILL_AT_SAVE"
        let scenarios: [(String, [[String: String]])] = [
            ("mid-step", [[step: "5"], [step: "1"], [step: "8"], [step: "12"], [step: "3"]]),
            ("mid-write", [[save: "1"], [save: "4"], [save: "2"], [save: "6"], [save: "1"]]),
            ("mixed", [[step: "14"], [save: "3"], [step: "2"], [save: "5"]]),
        ]
        for (name, kills) in scenarios {
            let resumed = try interruptedRun(name, kills: kills)
            XCTAssertEqual(resumed.history, expected.history, "\(name): History, bit for bit")
            XCTAssertEqual(resumed.weights, expected.weights, "\(name): weights, bit for bit")
        }
    }

    func testSIGKILLAtRandomMomentsResumesToTheUninterruptedResult() throws {
        let expected = try reference()
        let backup = folder.appendingPathComponent("random-backup"), output = folder.appendingPathComponent("random")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<30 {
            let process = Process()
            process.executableURL = trainer
            process.arguments = [backup.path, output.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 5_000...120_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal {
                kills += 1
            } else {
                XCTAssertEqual(process.terminationStatus, 0)
                break
            }
        }
        // The weights are written last, so their file means the run finished.
        if !FileManager.default.fileExists(atPath: output.appendingPathComponent("weights.safetensors").path) {
            let final = try run(backup: backup, output: output)
            XCTAssertTrue(final.exited && final.status == 0, final.standardError)
        }
        print("BackupAndRestoreCrashTests: \(kills) random kills before the run finished")
        let resumed = try outcome(in: output)
        XCTAssertEqual(resumed.history, expected.history, "History after \(kills) random kills, bit for bit")
        XCTAssertEqual(resumed.weights, expected.weights, "weights after \(kills) random kills, bit for bit")
    }
}
