// CrashSafeWriteTests.swift: a process killed in the middle of writing a file leaves the
// previous file whole, because every writer goes through a temporary file and a rename.

import Foundation
import Tapestry
import TapestryIO
import TapestryNN
import TapestryViz
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class CrashSafeWriteTests: XCTestCase {
    /// The size of the checkpoint the child saves: large enough that a save takes a while.
    private static let megabytes = 64

    /// Starts `checkpoint-writer`, which saves a 64 MB checkpoint over and over, and kills it
    /// with SIGKILL at random moments of a save, several times: the checkpoint must always load
    /// and be one whole generation, the one saved last or the one being saved.
    func testSIGKILLInTheMiddleOfASaveLeavesAWholeCheckpoint() throws {
        let writer = try BuiltProducts.executable("checkpoint-writer")
        let folder = try makeTemporaryFolder(self)
        let target = folder.appendingPathComponent("model.safetensors")
        var generator = SystemRandomNumberGenerator()
        var killsDuringTheWrite = 0
        var tornTemporaryFiles = 0

        for round in 0..<4 {
            let firstGeneration = 1000 * round + 1
            let lines = LineCollector()
            let output = Pipe()
            output.fileHandleForReading.readabilityHandler = { handle in lines.append(handle.availableData) }
            let process = Process()
            process.executableURL = writer
            process.arguments = [target.path, String(Self.megabytes), String(firstGeneration)]
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                output.fileHandleForReading.readabilityHandler = nil
            }

            guard lines.waitForLine(timeout: 120, where: { $0 == "ready" }) != nil else {
                XCTFail("checkpoint-writer never became ready; it printed \(lines.snapshot)")
                return
            }
            let firstSave = lines.snapshot.first { $0.hasPrefix("saved ") }
            let milliseconds = firstSave.flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 100

            // Wait until the next save is writing its temporary file, then kill at a random
            // moment of the write: at once in the first round, later in the others.
            guard waitForTemporaryFile(in: folder, next: target, timeout: 20) else {
                XCTFail("no temporary file appeared next to \(target.path); lines: \(lines.snapshot)")
                return
            }
            let delay = round == 0 ? 0 : Int.random(in: 0...max(1, milliseconds), using: &generator)
            usleep(UInt32(delay * 1000))
            XCTAssertEqual(kill(process.processIdentifier, SIGKILL), 0)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            XCTAssertEqual(process.terminationStatus, SIGKILL)

            // The last generation the child reported saved, and so the newest the file may hold
            // besides the one it was saving.
            let saved = lines.snapshot.compactMap { line -> Int? in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "saved" ? Int(parts[1]) : nil
            }
            let lastSaved = try XCTUnwrap(saved.last)
            let generation = try wholeGeneration(at: target, megabytes: Self.megabytes)
            XCTAssertTrue(
                generation == lastSaved || generation == lastSaved + 1,
                "round \(round): the file holds generation \(generation), last saved \(lastSaved)")

            // What the killed save left behind: hidden temporary files, never the target.
            let leftovers = temporaryFiles(in: folder, next: target)
            if !leftovers.isEmpty { killsDuringTheWrite += 1 }
            let complete = try FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int
            for leftover in leftovers {
                XCTAssertTrue(leftover.lastPathComponent.hasPrefix(".") && leftover.lastPathComponent.contains(AtomicFile.temporaryNameMarker))
                let size = try FileManager.default.attributesOfItem(atPath: leftover.path)[.size] as? Int
                if let size, let complete, size < complete { tornTemporaryFiles += 1 }
                try FileManager.default.removeItem(at: leftover)
            }
        }
        XCTAssertGreaterThan(killsDuringTheWrite, 0, "no kill landed while a temporary file was being written")
        XCTAssertGreaterThan(tornTemporaryFiles, 0, "no kill left a partly written temporary file")
    }

    /// Every writer replaces the file by renaming a new one over it: a hard link to the old file
    /// keeps the old contents whole (an in-place rewrite would change them), and no temporary
    /// file is left behind.
    func testEveryWriterReplacesTheFileByRenaming() throws {
        let folder = try makeTemporaryFolder(self)
        let model = Sequential<Float>(inputShape: [2]) { Dense(inputSize: 2, outputSize: 2, seed: 3) }
        let writers: [(name: String, write: (URL) throws -> Void)] = [
            ("model.safetensors", { try model.save(weightsTo: $0) }),
            ("tensors.safetensors", {
                try SafeTensors(tensors: [(name: "x", tensor: Tensor<Float>([1, 2, 3]))]).write(to: $0)
            }),
            ("metrics.json", { try AtomicFile.write(Array("{\"accuracy\": 0.9}".utf8), to: $0) }),
            ("curves.svg", {
                try TrainingCurves(TrainingHistory(loss: [0.9, 0.5], accuracy: [0.6, 0.8]), title: "curves").write(to: $0)
            }),
            ("confusion.svg", {
                try ConfusionMatrixChart(counts: [[3, 1], [0, 4]], classNames: ["a", "b"], title: "c").write(to: $0)
            }),
        ]
        for (name, write) in writers {
            let url = folder.appendingPathComponent(name)
            let old = Array("the previous file, which must survive whole".utf8)
            try Data(old).write(to: url)
            let oldLink = folder.appendingPathComponent("link-to-old-" + name)
            XCTAssertEqual(link(url.path, oldLink.path), 0, "cannot hard-link \(url.path)")

            try write(url)

            XCTAssertEqual([UInt8](try Data(contentsOf: oldLink)), old, "\(name) was rewritten in place")
            XCTAssertNotEqual([UInt8](try Data(contentsOf: url)), old, "\(name) was not written")
            XCTAssertEqual(temporaryFiles(in: folder, next: url), [], "\(name) left a temporary file")
        }
    }

}
