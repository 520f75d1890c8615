// MPIJob.swift: running data-parallel-trainer under mpirun from tests.

import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A test failure with its explanation.
struct JobFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How an `mpirun` job ended, what it printed, and how long it took.
struct MPIJobResult {
    var status: Int32
    var output: String
    var seconds: Double
}

/// `mpirun -np <ranks> data-parallel-trainer <arguments>` over TCP on the loopback interface.
enum MPIJob {
    /// The folder holding the built executables: that of the running test bundle.
    static var productsDirectory: URL {
        #if os(Linux)
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        #else
        return Bundle(for: ProductsMarker.self).bundleURL.deletingLastPathComponent()
        #endif
    }

    /// Open MPI's launcher, from the PATH.
    static func launcher() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw JobFailure("mpirun is not on the PATH; `make deps` installs openmpi-bin")
    }

    /// Runs the trainer on `ranks` processes, killing the job after `timeout` seconds.
    static func run(ranks: Int, _ arguments: [String], in folder: URL, timeout: Double = 120) throws -> MPIJobResult {
        let trainer = productsDirectory.appendingPathComponent("data-parallel-trainer")
        guard FileManager.default.isExecutableFile(atPath: trainer.path) else {
            throw JobFailure("data-parallel-trainer is not built in \(productsDirectory.path); run `swift build --build-tests`")
        }
        let logURL = folder.appendingPathComponent("mpirun-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw JobFailure("cannot create \(logURL.path)")
        }
        let process = Process()
        process.executableURL = try launcher()
        // TCP over loopback (as between machines, no shared memory); no core binding on a shared machine.
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                             "--mca", "pml", "ob1", "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo",
                             "-np", String(ranks), trainer.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        process.environment = environment
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        let start = Date()
        try process.run()
        let deadline = start.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            usleep(2_000_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw JobFailure("mpirun -np \(ranks) \(arguments) did not finish within \(timeout) s:\n"
                             + ((try? String(contentsOf: logURL, encoding: .utf8)) ?? ""))
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        return MPIJobResult(status: process.terminationStatus,
                            output: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "", seconds: seconds)
    }

    /// The parameters rank `rank` wrote to `folder`.
    static func weights(ofRank rank: Int, in folder: URL) throws -> [Float] {
        let data = try Data(contentsOf: folder.appendingPathComponent("rank-\(rank).f32"))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapestry-mpi-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

private final class ProductsMarker {}
