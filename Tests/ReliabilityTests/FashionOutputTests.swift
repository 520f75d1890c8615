// FashionOutputTests.swift: `fashion`'s destinations are checked before any work — files that
// are not regular, outputs that collide, names too long — paths are kept byte for byte,
// a failed run leaves no folder it created, and a closed or full stderr or stdout never turns
// an exit status into a signal.

import Foundation
import TapestryIO
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class FashionOutputTests: XCTestCase {
    private var folder: URL!
    private var fashion: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
        fashion = try BuiltProducts.executable("fashion")
    }

    private var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["FASHION_MNIST_DIR"] = nil
        environment["HOME"] = folder.appendingPathComponent("home").path
        environment["XDG_CACHE_HOME"] = folder.appendingPathComponent("cache").path
        environment["SWIFT_BACKTRACE"] = nil
        return environment
    }

    /// Runs `fashion` on a missing data folder (so a check that came after loading would report
    /// the data instead) with pictures going to a new folder, and checks it failed cleanly
    /// before loading: status 1, one line, the new pictures folder not left behind.
    ///
    /// - Returns: the line, without `fashion: `.
    private func refusal(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let pictures = folder.appendingPathComponent("new-pictures")
        var arguments = ["--data-dir", folder.appendingPathComponent("no-data").path, "--epochs", "1"] + arguments
        if !arguments.contains("--output") { arguments += ["--output", pictures.path] }
        let result = try runToCompletion(fashion, arguments, environment: environment, in: folder, timeout: 30)
        XCTAssertTrue(result.exited, "killed by signal \(result.status)", file: file, line: line)
        XCTAssertEqual(result.status, 1, file: file, line: line)
        XCTAssertEqual(result.errorLines.count, 1, result.standardError, file: file, line: line)
        XCTAssertFalse(result.standardError.contains("no-data"), "checked after loading: \(result.standardError)",
                       file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pictures.path), "the new pictures folder was left behind",
                       file: file, line: line)
        return String(result.errorLines.first?.dropFirst("fashion: ".count) ?? "")
    }

    // MARK: Files that are not regular

    func testDestinationsThatAreNotRegularFilesAreRefusedAndLeftAlone() throws {
        let fifo = folder.appendingPathComponent("metrics.fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        let device = folder.appendingPathComponent("weights-to-null")
        XCTAssertEqual(symlink("/dev/null", device.path), 0)
        let dangling = folder.appendingPathComponent("dangling.safetensors")
        XCTAssertEqual(symlink("nowhere/model", dangling.path), 0)
        let toFolder = folder.appendingPathComponent("folder.onnx")
        XCTAssertEqual(symlink(folder.path, toFolder.path), 0)
        let cases: [(flag: String, path: URL, what: String)] = [
            ("--metrics-json", fifo, "a FIFO (named pipe), not a regular file"),
            ("--save-weights", device, "a symbolic link to a character device, not a regular file"),
            ("--save-model", dangling, "a dangling symbolic link, not a regular file"),
            ("--export-onnx", toFolder, "a folder, not a file"),
        ]
        for (flag, path, what) in cases {
            let message = try refusal([flag, path.path])
            XCTAssertEqual(message, "cannot write \(path.path): \(flag) names \(what)")
        }
        var info = stat()
        XCTAssertEqual(lstat(fifo.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
        XCTAssertEqual(stat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: device.path), "/dev/null")

        // A picture's name taken by a FIFO in an existing --output folder.
        let pictures = folder.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: false)
        XCTAssertEqual(mkfifo(pictures.appendingPathComponent("tape.svg").path, 0o644), 0)
        let message = try refusal(["--output", pictures.path])
        XCTAssertEqual(message, "cannot write \(pictures.path)/tape.svg: --output names a FIFO (named pipe), not a regular file")
    }

    // MARK: Collisions

    func testOutputsThatAreTheSameFileAreRefusedNamingBothFlags() throws {
        let pictures = folder.appendingPathComponent("pictures")
        try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: false)
        let existing = folder.appendingPathComponent("weights.safetensors")
        try Data("old".utf8).write(to: existing)
        let hardLink = folder.appendingPathComponent("hard.safetensors")
        XCTAssertEqual(link(existing.path, hardLink.path), 0)
        let softLink = folder.appendingPathComponent("soft.json")
        XCTAssertEqual(symlink("weights.safetensors", softLink.path), 0)
        let backup = folder.appendingPathComponent("backup")

        let cases: [(arguments: [String], mentions: [String])] = [
            (["--save-weights", "out.bin", "--metrics-json", "./out.bin"], ["--save-weights out.bin", "--metrics-json ./out.bin"]),
            (["--save-model", "sub/../m.st", "--export-onnx", "m.st"], ["--save-model sub/../m.st", "--export-onnx m.st"]),
            (["--save-weights", existing.path, "--save-model", hardLink.path], ["--save-weights", "--save-model"]),
            (["--save-weights", existing.path, "--metrics-json", softLink.path], ["--save-weights", "--metrics-json"]),
            (["--output", pictures.path, "--save-weights", pictures.appendingPathComponent("model.svg").path],
             ["--save-weights", "model.svg, which --output receives"]),
            (["--output", "pictures/", "--metrics-json", "./pictures/../pictures/hessian.svg"],
             ["--metrics-json", "hessian.svg, which --output receives"]),
            (["--backup-dir", backup.path, "--save-model", backup.appendingPathComponent("backup.safetensors").path],
             ["--save-model", "backup.safetensors, which --backup-dir receives"]),
            (["--output", "new/pictures", "--save-weights", "new"], ["--save-weights new", "--output new/pictures"]),
            (["--tensorboard", "logs", "--save-weights", "logs/train"], ["--save-weights logs/train", "--tensorboard logs/train"]),
        ]
        for (arguments, mentions) in cases {
            let message = try refusal(arguments)
            for mention in mentions { XCTAssertTrue(message.contains(mention), "\(arguments): \(message)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: backup.path), "\(arguments) created the backup folder")
        }
        XCTAssertEqual(try String(contentsOf: existing, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: pictures.path), [])
        for name in ["out.bin", "m.st", "new", "logs"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
        }
    }

    // MARK: Names

    func testNamesTooLongForTheirFolderAreRefusedBeforeLoading() throws {
        let limit = pathconf(folder.path, Int32(_PC_NAME_MAX))
        let long = folder.appendingPathComponent(String(repeating: "w", count: limit + 1)).path
        for flag in ["--save-weights", "--save-model", "--export-onnx", "--metrics-json"] {
            let message = try refusal([flag, long])
            XCTAssertTrue(message.hasPrefix("cannot write \(long): \(flag) names a path it cannot use: its name is \(limit + 1) bytes long"),
                          message)
        }
        let message = try refusal(["--output", folder.appendingPathComponent("pictures").path + "/" + String(repeating: "p", count: limit + 1)])
        XCTAssertTrue(message.hasPrefix("cannot write pictures to ") && message.hasSuffix("File name too long"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("pictures").path))
    }

    func testAFolderThatMustBeUTF8IsRefusedByName() throws {
        let result = try runShell(#"exec "$0" --data-dir no-data --output pictures --tensorboard "$(printf 'tb\377')""#)
        XCTAssertTrue(result.exited)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.errorLines, [
            #"fashion: --tensorboard tb\xFF: the path is not valid UTF-8, which this option needs; rename it or pick a UTF-8 name"#,
        ])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix("std") }, [])
    }

    /// Temporary files a killed run left next to a destination are removed when the next run
    /// checks its destinations, before any work; other files are kept.
    func testTemporaryFilesOfAKilledRunAreRemovedAtTheNextStart() throws {
        let stale = [".w.st.tapestry-tmp-k1ll3d", ".metrics.json.tapestry-tmp-zzzzzz"]
        let kept = [".w.st.tapestry-tmp-KEEP00", ".w.st.tapestry-tmp-notours", "w.st.tapestry-tmp-abcdef"]
        for name in stale + kept { try Data("partial".utf8).write(to: folder.appendingPathComponent(name)) }
        let result = try runToCompletion(fashion, [
            "--data-dir", "no-data", "--output", "pictures", "--save-weights", "w.st", "--metrics-json", "metrics.json",
        ], environment: environment, in: folder, timeout: 30)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains("no-data"), result.standardError)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("tapestry-tmp") }
        XCTAssertEqual(names.sorted(), kept.sorted())
    }

    // MARK: Folders of a failed run

    func testAFailedRunRemovesEveryFolderItCreatedAndKeepsTheOthers() throws {
        let existing = folder.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: false)
        let result = try runToCompletion(fashion, [
            "--data-dir", folder.appendingPathComponent("no-data").path, "--epochs", "1",
            "--output", "runs/pictures/mlp", "--tensorboard", "runs/logs/mlp", "--backup-dir", "backups/mlp",
        ], environment: environment, in: folder, timeout: 30)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains("no-data"), result.standardError)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: existing.path), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("backups").path))
    }

    /// SIGTERM in the middle of training (skipped without the dataset): the process dies of
    /// the signal, and the output folders it created, still empty, are gone.
    func testAnInterruptedRunRemovesTheEmptyFoldersItCreated() throws {
        let dataset = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: dataset + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("needs Fashion-MNIST in \(dataset)")
        }
        let existing = folder.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: false)
        let lines = LineCollector()
        let output = Pipe()
        output.fileHandleForReading.readabilityHandler = { handle in lines.append(handle.availableData) }
        let process = Process()
        process.executableURL = fashion
        process.arguments = ["--data-dir", dataset, "--epochs", "50", "--verbose", "2",
                             "--output", "runs/new/pictures", "--backup-dir", "backups/mlp"]
        process.currentDirectoryURL = folder
        process.environment = environment
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            output.fileHandleForReading.readabilityHandler = nil
        }
        guard lines.waitForLine(timeout: 120, where: { $0.hasPrefix("Loaded Fashion-MNIST") }) != nil else {
            return XCTFail("fashion did not start training: \(lines.snapshot)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("runs/new/pictures").path))
        usleep(300_000)
        XCTAssertEqual(kill(process.processIdentifier, SIGTERM), 0)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(process.terminationStatus, SIGTERM)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: existing.path), [])
        // The backup folder holds the epoch backups once one was written; else it is gone too.
        let backups = folder.appendingPathComponent("backups")
        if FileManager.default.fileExists(atPath: backups.path) {
            let contents = try FileManager.default.contentsOfDirectory(atPath: backups.appendingPathComponent("mlp").path)
            XCTAssertEqual(contents, ["backup.safetensors"])
        }
    }

    // MARK: Standard streams

    func testAClosedOrFullStandardErrorStillEndsWithStatus1() throws {
        for redirection in ["exec 2>&-", "exec 2>/dev/full", "exec 1>&- 2>&-", "exec 1>/dev/full 2>/dev/full"] {
            for arguments in [#""$0" --epochs 0"#, #""$0" --data-dir no-data --output pictures"#] {
                let result = try runShell("\(redirection); exec \(arguments)")
                XCTAssertTrue(result.exited, "\(redirection) \(arguments): killed by signal \(result.status)")
                XCTAssertEqual(result.status, 1, "\(redirection) \(arguments)")
            }
        }
    }

    /// A whole training run (skipped without the dataset): outputs whose names are not UTF-8 are
    /// written under exactly those names, a link to a regular file is written through, and a
    /// closed standard output (the progress bar, the summary) does not stop the run.
    func testATrainingRunWritesNamesThatAreNotUTF8ByteForByte() throws {
        let dataset = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: dataset + "/train-images-idx3-ubyte.gz") else {
            throw XCTSkip("needs Fashion-MNIST in \(dataset)")
        }
        let store = folder.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: false)
        try Data("old".utf8).write(to: store.appendingPathComponent("metrics.json"))
        XCTAssertEqual(symlink("store/metrics.json", folder.appendingPathComponent("latest.json").path), 0)

        let result = try runShell(#"""
            exec 1>&-; exec "$0" --data-dir \#(dataset) --epochs 1 --batch-size 2000 --verbose 1 \
              --output "$(printf 'pi\377cs')" --save-weights "$(printf 'w\351.safetensors')" \
              --save-model "$(printf 'm\351.safetensors')" --export-onnx "$(printf 'o\351.onnx')" --metrics-json latest.json
            """#, timeout: 300)
        XCTAssertTrue(result.exited, "killed by signal \(result.status): \(result.standardError)")
        XCTAssertEqual(result.status, 0, result.standardError)

        let names = try rawNames(in: folder)
        for name in [Array("pi".utf8) + [0xFF] + Array("cs".utf8), Array("w".utf8) + [0xE9] + Array(".safetensors".utf8),
                     Array("m".utf8) + [0xE9] + Array(".safetensors".utf8), Array("o".utf8) + [0xE9] + Array(".onnx".utf8)] {
            XCTAssertTrue(names.contains(name), "\(FileSystemPath(bytes: name)) missing from \(names.map { FileSystemPath(bytes: $0) })")
        }
        XCTAssertFalse(names.contains { $0.starts(with: Array("w".utf8) + [0xEF, 0xBF, 0xBD]) }, "written under a repaired name")
        XCTAssertFalse(names.contains { String(decoding: $0, as: UTF8.self).contains(AtomicFile.temporaryNameMarker) })
        let pictures = FileSystemPath(folder).appending(FileSystemPath(bytes: Array("pi".utf8) + [0xFF] + Array("cs".utf8)))
        let pictureNames = try rawNames(in: pictures).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(pictureNames, ["confusion-matrix.svg", "hessian.svg", "model.svg", "predictions.svg", "tape.svg", "training-curves.svg"])

        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("latest.json").path),
                       "store/metrics.json")
        let metrics = try String(contentsOf: store.appendingPathComponent("metrics.json"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"test\""), metrics)
    }

    // MARK: Helpers

    /// Runs `/bin/sh -c script` with `$0` the `fashion` binary, in the test's folder.
    private func runShell(_ script: String, timeout: TimeInterval = 30) throws -> ProcessResult {
        try runToCompletion(URL(fileURLWithPath: "/bin/sh"), ["-c", script, fashion.path],
                            environment: environment, in: folder, timeout: timeout)
    }

    private func rawNames(in folder: URL) throws -> [[UInt8]] {
        try rawNames(in: FileSystemPath(folder))
    }

    /// The names in `folder` as bytes, sorted, as `readdir` returns them.
    private func rawNames(in folder: FileSystemPath) throws -> [[UInt8]] {
        guard let directory = folder.withCString({ opendir($0) }) else { throw TestFailure("cannot list \(folder)") }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [UInt8(ascii: ".")] && name != Array("..".utf8) { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }
}
