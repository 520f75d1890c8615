// EndlessHTTPServer.swift: an HTTP server on 127.0.0.1 that answers every request with a body
// that never ends (or announces an enormous one), logging how many bytes each answer sent.

import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hostile download server: `200 OK` and then zeros until the client hangs up, without a
/// `Content-Length` — or, with `announcedLength`, a `Content-Length` of that many bytes; with
/// `chunked`, in chunks of 64 KiB (`Transfer-Encoding: chunked`) that never end.
final class EndlessHTTPServer {
    let baseURL: URL
    private let process: Process
    private let log: URL

    private static let script = """
        import socket, sys, threading
        port, log, announced, chunked = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4] == "chunked"
        def serve(conn):
            sent = 0
            try:
                request = b""
                while b"\\r\\n\\r\\n" not in request:
                    data = conn.recv(4096)
                    if not data:
                        return
                    request += data
                head = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/octet-stream\\r\\nConnection: close\\r\\n"
                if announced:
                    head += b"Content-Length: %d\\r\\n" % announced
                if chunked:
                    head += b"Transfer-Encoding: chunked\\r\\n"
                conn.sendall(head + b"\\r\\n")
                chunk = b"\\0" * 65536
                if chunked:
                    chunk = b"10000\\r\\n" + chunk + b"\\r\\n"
                while sent < (1 << 34):
                    conn.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            finally:
                conn.close()
                with open(log, "a") as f:
                    f.write("sent %d\\n" % sent)
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(8)
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """

    /// Starts the server and waits (at most `timeout` seconds) until it accepts connections.
    init(directory: URL, announcedLength: Int = 0, chunked: Bool = false, timeout: TimeInterval = 10) throws {
        let port = try freeLoopbackPort()
        baseURL = URL(string: "http://127.0.0.1:\(port)/")!
        log = directory.appendingPathComponent("endless-\(port).log")
        let scriptURL = directory.appendingPathComponent("endless-\(port).py")
        try Self.script.write(to: scriptURL, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path, String(port), log.path, String(announcedLength), chunked ? "chunked" : "plain"]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while !canConnect(to: port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw TestFailure("the endless HTTP server did not start on port \(port)")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// The bytes of body each finished answer sent (the probe connection sent 0).
    var bodyBytesSent: [Int] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int($0.dropFirst("sent ".count)) }
    }

    /// Terminates the server.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
