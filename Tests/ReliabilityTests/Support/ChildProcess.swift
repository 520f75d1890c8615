// ChildProcess.swift: running the package's own executables from tests.

import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


/// The built products of this package: the folder `swift build` puts executables in.
enum BuiltProducts {
    /// `.build/<triple>/<configuration>`, the folder holding the test bundle.
    ///
    /// On Linux the test bundle `TapestryPackageTests.xctest` is itself the running executable,
    /// so the folder is that of `/proc/self/exe`; on macOS it is a bundle directory, and the
    /// folder is the bundle's parent.
    static var directory: URL {
        #if os(Linux)
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        #else
        return Bundle(for: ProductsMarker.self).bundleURL.deletingLastPathComponent()
        #endif
    }

    /// The executable `name` among the built products.
    ///
    /// - Throws: ``TestFailure`` if it was not built (the test target depends on it, so
    ///   `swift build --build-tests` builds it).
    static func executable(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestFailure("\(name) is not built in \(directory.path); run `swift build --build-tests` first")
        }
        return url
    }
}

private final class ProductsMarker {}

/// How a finished child process ended, and what it printed.
struct ProcessResult {
    /// The exit status, or the signal number when it was killed by a signal.
    var status: Int32
    /// Whether it exited (rather than being killed by a signal).
    var exited: Bool
    var standardOutput: String
    var standardError: String

    /// The non-empty lines of standard error.
    var errorLines: [String] {
        standardError.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Runs `executable` with `arguments` and `environment` to completion, output captured in files
/// (so a chatty child never blocks on a full pipe), killing it after `timeout` seconds.
func runToCompletion(
    _ executable: URL, _ arguments: [String], environment: [String: String], in folder: URL,
    timeout: TimeInterval = 60
) throws -> ProcessResult {
    let outputURL = folder.appendingPathComponent("stdout-\(UUID().uuidString).txt")
    let errorURL = folder.appendingPathComponent("stderr-\(UUID().uuidString).txt")
    guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
          FileManager.default.createFile(atPath: errorURL.path, contents: nil)
    else { throw TestFailure("cannot create output files in \(folder.path)") }
    defer {
        try? FileManager.default.removeItem(at: outputURL)
        try? FileManager.default.removeItem(at: errorURL)
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = folder
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorURL)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw TestFailure("\(executable.lastPathComponent) \(arguments) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        exited: process.terminationReason == .exit,
        standardOutput: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
        standardError: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
}

/// The lines a running child prints on standard output, collected as they arrive.
final class LineCollector: @unchecked Sendable {
    // @unchecked: `lines` and `partial` are only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    private var partial = ""

    /// Appends the complete lines of `data`.
    func append(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        partial += String(decoding: data, as: UTF8.self)
        while let newline = partial.firstIndex(of: "\n") {
            lines.append(String(partial[..<newline]))
            partial = String(partial[partial.index(after: newline)...])
        }
    }

    /// The lines so far.
    var snapshot: [String] {
        lock.lock()
        defer { lock.unlock() }
        return lines
    }

    /// Waits until a line satisfies `predicate`, for at most `timeout` seconds.
    func waitForLine(timeout: TimeInterval, where predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if let line = snapshot.first(where: predicate) { return line }
            usleep(1_000)
        } while Date() < deadline
        return nil
    }
}

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("tapestry-reliability-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
