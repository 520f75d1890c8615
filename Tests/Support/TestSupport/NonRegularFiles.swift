// NonRegularFiles.swift: the inputs every file reader must refuse at once — FIFOs, devices,
// folders and links to them — and a check that a read fails quickly instead of blocking.

import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A path that is not a regular file, and a word its error must contain.
public struct NonRegularFile: CustomStringConvertible, Sendable {
    /// The path handed to the reader.
    public let url: URL
    /// A word the reader's error must contain: `FIFO`, `character device`, `directory`.
    public let kind: String
    /// What the path is, for failure messages.
    public let description: String
}

/// At `folder/name`, in a fresh sub-folder each: a FIFO, a link to a FIFO, a link to
/// `/dev/zero`, a link to `/dev/urandom`, a folder; plus `/dev/zero` and `/dev/urandom`
/// themselves when `name` may be anything (`devicesThemselves`).
public func nonRegularFiles(in folder: URL, named name: String, devicesThemselves: Bool = true) throws -> [NonRegularFile] {
    var files: [NonRegularFile] = []
    func place(_ what: String, kind: String, _ make: (URL) throws -> Void) throws {
        let sub = folder.appendingPathComponent(String(what.map { $0.isLetter || $0.isNumber ? $0 : "-" }))
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let url = sub.appendingPathComponent(name)
        try make(url)
        files.append(NonRegularFile(url: url, kind: kind, description: "\(what) at \(url.path)"))
    }
    try place("a FIFO", kind: "FIFO") { url in
        guard mkfifo(url.path, 0o600) == 0 else { throw TestFailure("mkfifo \(url.path) failed") }
    }
    try place("a link to a FIFO", kind: "FIFO") { url in
        let target = url.deletingLastPathComponent().appendingPathComponent("pipe")
        guard mkfifo(target.path, 0o600) == 0 else { throw TestFailure("mkfifo \(target.path) failed") }
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target.path)
    }
    for device in ["/dev/zero", "/dev/urandom"] {
        try place("a link to \(device)", kind: "character device") { url in
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: device)
        }
    }
    try place("a folder", kind: "directory") { url in
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    if devicesThemselves {
        for device in ["/dev/zero", "/dev/urandom"] {
            files.append(NonRegularFile(url: URL(fileURLWithPath: device), kind: "character device", description: device))
        }
    }
    return files
}

/// Runs `read` (which must throw) on a thread of its own and hands its error to `check`;
/// fails if it returns, or has not finished within `seconds` (a reader blocked on a FIFO is
/// then released by opening the FIFO for writing, so the test fails instead of hanging).
public func assertRefusedQuickly(
    _ file: NonRegularFile, within seconds: Double = 5, file sourceFile: StaticString = #filePath, line: UInt = #line,
    _ read: @escaping @Sendable () throws -> Void, check: (any Error) -> Void
) {
    final class Outcome: @unchecked Sendable {
        // @unchecked: written by the reading thread before `done` is signalled, read after.
        var result: Result<Void, any Error>?
        let done = DispatchSemaphore(value: 0)
    }
    let outcome = Outcome()
    let started = Date()
    let thread = Thread {
        outcome.result = Result { try read() }
        outcome.done.signal()
    }
    thread.start()
    guard outcome.done.wait(timeout: .now() + seconds) == .success else {
        XCTFail("reading \(file) did not finish within \(seconds) s", file: sourceFile, line: line)
        let writer = open(file.url.path, O_WRONLY | O_NONBLOCK)
        if writer >= 0 { close(writer) }
        return
    }
    switch outcome.result {
    case .failure(let error)?:
        check(error)
    default:
        XCTFail("reading \(file) did not throw", file: sourceFile, line: line)
    }
    XCTAssertLessThan(Date().timeIntervalSince(started), seconds, file: sourceFile, line: line)
}
