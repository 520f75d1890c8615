// InteropPython.swift: the test-only virtual environment's python (`make venv`), which runs the
// real NumPy against the files Tapestry writes.

import Foundation
import XCTest

/// Runs the scripts of Tests/Interop with the python of `.build/test-venv`.
enum InteropPython {
    /// The package root, found from this file's path (Tests/TapestryIOTests/InteropPython.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/test-venv/bin/python` under the package root.
    static let executable = packageRoot.appendingPathComponent(".build/test-venv/bin/python")

    /// The script `name` of Tests/Interop.
    static func script(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/Interop/\(name)").path
    }

    /// Runs the venv's python with `arguments`; returns its standard output. Fails the test
    /// (it does not skip) when the venv is missing or the script fails.
    static func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("the test-only Python environment is missing (\(executable.path)): run `make venv`", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // Standard error goes to a file, so a chatty child can never block on a full pipe.
        let errorFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("tapestry-interop-\(UUID().uuidString).stderr")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = (try? Data(contentsOf: errorFile)) ?? Data()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self)
            XCTFail("python \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(message)", file: file, line: line)
            throw CocoaError(.executableLoad)
        }
        return data
    }
}
