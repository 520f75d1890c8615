// LocalHTTPServer.swift: `python3 -m http.server` on 127.0.0.1, for download tests.

import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A static file server on a free loopback port, serving one directory, stopped by ``stop()``.
final class LocalHTTPServer {
    let port: UInt16
    let baseURL: URL
    private let process: Process
    private let log: URL

    /// Starts the server and waits (at most `timeout` seconds) until it accepts connections.
    init(serving directory: URL, logDirectory: URL, timeout: TimeInterval = 10) throws {
        port = try freeLoopbackPort()
        baseURL = URL(string: "http://127.0.0.1:\(port)/")!
        log = logDirectory.appendingPathComponent("http-server-\(port).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw TestFailure("cannot create \(log.path)")
        }
        let logHandle = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "http.server", "--bind", "127.0.0.1", String(port),
            "--directory", directory.path,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logHandle
        process.standardError = logHandle
        do {
            try process.run()
        } catch {
            throw TestFailure("cannot start python3 -m http.server (python3 is needed by these tests): \(error)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while !canConnect(to: port) {
            guard process.isRunning else {
                throw TestFailure("python3 -m http.server exited with status \(process.terminationStatus): \(logText)")
            }
            guard Date() < deadline else {
                stop()
                throw TestFailure("python3 -m http.server did not answer on port \(port) within \(timeout) s: \(logText)")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// What the server printed: its request log.
    var logText: String {
        (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }

    /// Terminates the server and waits for it, killing it if it lingers over 5 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, streamSocketType, 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw TestFailure("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestFailure("getsockname() failed") }
    return UInt16(bigEndian: address.sin_port)
}

/// Whether a TCP connection to 127.0.0.1:`port` succeeds.
func canConnect(to port: UInt16) -> Bool {
    let fd = socket(AF_INET, streamSocketType, 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopbackAddress(port: port)
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return result == 0
}

#if canImport(Darwin)
private let streamSocketType = SOCK_STREAM
#else
private let streamSocketType = Int32(SOCK_STREAM.rawValue)
#endif

private func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
}
