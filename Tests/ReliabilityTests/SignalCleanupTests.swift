// SignalCleanupTests.swift: SIGINT, SIGTERM or SIGHUP in the middle of a save removes the
// temporary file before the process ends, and a temporary file that a SIGKILL left behind is
// removed by the next save of the same file.

import Foundation
import TapestryIO
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class SignalCleanupTests: XCTestCase {
    /// The size of the checkpoint `checkpoint-writer` saves over and over.
    private static let megabytes = 16

    /// Interrupts `checkpoint-writer` many times with SIGTERM, SIGINT and SIGHUP at random
    /// moments of its saves: each time it dies of that signal, no temporary file remains, and
    /// the checkpoint is one whole generation.
    func testASignalDuringASaveLeavesNoTemporaryFileAndAWholeCheckpoint() throws {
        let writer = try BuiltProducts.executable("checkpoint-writer")
        let folder = try makeTemporaryFolder(self)
        let target = folder.appendingPathComponent("model.safetensors")
        var generator = SystemRandomNumberGenerator()
        var signalsDuringAWrite = 0
        let signals = [SIGTERM, SIGINT, SIGHUP]

        for round in 0..<15 {
            let signal = signals[round % signals.count]
            let child = try startWriter(writer, target: target, firstGeneration: 100 * round + 1)
            defer { child.stop() }
            guard child.lines.waitForLine(timeout: 120, where: { $0 == "ready" }) != nil else {
                return XCTFail("checkpoint-writer never became ready; it printed \(child.lines.snapshot)")
            }
            // Wait until a save is writing its temporary file, then signal at a random moment
            // of it (at once in some rounds).
            guard waitForTemporaryFile(in: folder, next: target, timeout: 20) else {
                return XCTFail("no temporary file appeared next to \(target.path)")
            }
            let milliseconds = child.lines.snapshot.compactMap { line -> Int? in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "saved" ? Int(parts[2]) : nil
            }.last ?? 50
            if round % 3 != 0 { usleep(UInt32(Int.random(in: 0...max(1, milliseconds), using: &generator) * 1000)) }
            if !temporaryFiles(in: folder, next: target).isEmpty { signalsDuringAWrite += 1 }
            XCTAssertEqual(kill(child.process.processIdentifier, signal), 0)
            child.process.waitUntilExit()

            XCTAssertEqual(child.process.terminationReason, .uncaughtSignal, "round \(round): it must die of the signal")
            XCTAssertEqual(child.process.terminationStatus, signal, "round \(round)")
            XCTAssertEqual(temporaryFiles(in: folder, next: target), [], "round \(round): signal \(signal) left a temporary file")
            let saved = child.lines.snapshot.compactMap { line -> Int? in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "saved" ? Int(parts[1]) : nil
            }
            let lastSaved = try XCTUnwrap(saved.last)
            let generation = try wholeGeneration(at: target, megabytes: Self.megabytes)
            XCTAssertTrue(generation == lastSaved || generation == lastSaved + 1,
                          "round \(round): the file holds generation \(generation), last saved \(lastSaved)")
        }
        XCTAssertGreaterThan(signalsDuringAWrite, 5, "too few signals landed while a temporary file was being written")
    }

    /// A SIGKILL cannot be caught, so it leaves the temporary file; the next process that saves
    /// the same file removes it before writing its own, and leaves other files alone.
    func testATemporaryFileLeftBySIGKILLIsRemovedByTheNextSave() throws {
        let writer = try BuiltProducts.executable("checkpoint-writer")
        let folder = try makeTemporaryFolder(self)
        let target = folder.appendingPathComponent("model.safetensors")
        let unrelated = folder.appendingPathComponent(".notes.tapestry-tmp-abcdef")
        try Data("someone else's".utf8).write(to: unrelated)

        var leftovers: [URL] = []
        for attempt in 0..<10 where leftovers.isEmpty {
            let child = try startWriter(writer, target: target, firstGeneration: 10 * attempt + 1)
            defer { child.stop() }
            guard child.lines.waitForLine(timeout: 120, where: { $0 == "ready" }) != nil,
                  waitForTemporaryFile(in: folder, next: target, timeout: 20)
            else { return XCTFail("checkpoint-writer did not start saving: \(child.lines.snapshot)") }
            kill(child.process.processIdentifier, SIGKILL)
            child.process.waitUntilExit()
            leftovers = temporaryFiles(in: folder, next: target)
        }
        XCTAssertFalse(leftovers.isEmpty, "no SIGKILL landed during a save")

        let next = try startWriter(writer, target: target, firstGeneration: 1000)
        defer { next.stop() }
        XCTAssertNotNil(next.lines.waitForLine(timeout: 120, where: { $0 == "ready" }))
        for leftover in leftovers {
            XCTAssertFalse(FileManager.default.fileExists(atPath: leftover.path), "\(leftover.lastPathComponent) was not removed")
        }
        XCTAssertEqual(try String(contentsOf: unrelated, encoding: .utf8), "someone else's")
    }

    // MARK: Helpers

    /// A running `checkpoint-writer` and the lines it printed.
    private struct Writer {
        let process: Process
        let lines: LineCollector
        let output: Pipe

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
        }
    }

    private func startWriter(_ writer: URL, target: URL, firstGeneration: Int) throws -> Writer {
        let lines = LineCollector()
        let output = Pipe()
        output.fileHandleForReading.readabilityHandler = { handle in lines.append(handle.availableData) }
        let process = Process()
        process.executableURL = writer
        process.arguments = [target.path, String(Self.megabytes), String(firstGeneration)]
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Writer(process: process, lines: lines, output: output)
    }
}
