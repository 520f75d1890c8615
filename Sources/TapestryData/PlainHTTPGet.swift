// PlainHTTPGet.swift: an `http://` GET over a socket, read only as fast as it is written out,
// so a body past its byte cap is stopped at the cap (URLSession reads ahead of its delegate).

import Foundation
import TapestryIO  // the C library (Platform.swift)

/// One HTTP/1.1 GET of an `http://` URL over a blocking socket, following up to five `http://`
/// redirects. The body (by `Content-Length`, chunked, or until the server closes) is handed
/// to `consume` in pieces of at most 64 KiB as it is read; the transfer stops — the socket is
/// closed — as soon as more than `limit` bytes are announced or arrive.
struct PlainHTTPGet {
    /// Why a GET failed.
    enum Failure: Error {
        /// The server announced or sent more than the limit.
        case tooLarge(String)
        /// Anything else: connection, protocol, status, timeout.
        case failed(String)
        /// The server redirected to a URL this client does not fetch (`https://`).
        case redirected(URL)
    }

    let requestTimeout: TimeInterval
    let resourceTimeout: TimeInterval
    let limit: Int

    /// Fetches `url`, calling `consume` with each piece of the body.
    func fetch(_ url: URL, consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        let deadline = Date().addingTimeInterval(resourceTimeout)
        var current = url
        for _ in 0...5 {
            if let next = try fetchOnce(current, deadline: deadline, consume: consume) {
                guard next.scheme?.lowercased() == "http" else { throw Failure.redirected(next) }
                current = next
                continue
            }
            return
        }
        throw Failure.failed("more than 5 redirects")
    }

    /// One request: `nil` when the body was read, or the URL a redirect points to.
    private func fetchOnce(_ url: URL, deadline: Date, consume: (UnsafeRawBufferPointer) throws -> Void) throws -> URL? {
        guard let host = url.host, !host.isEmpty else { throw Failure.failed("no host in \(url.absoluteString)") }
        let port = url.port ?? 80
        var connection = try Connection(host: host, port: port, timeout: requestTimeout, deadline: deadline)
        defer { connection.close() }
        // As sent: percent-encoded, with its trailing slash (`URL.path` decodes and drops it).
        let components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        var target = components?.percentEncodedPath ?? "/"
        if target.isEmpty { target = "/" }
        if let query = components?.percentEncodedQuery { target += "?" + query }
        let hostField = url.port.map { "\(host):\($0)" } ?? host
        try connection.send("GET \(target) HTTP/1.1\r\nHost: \(hostField)\r\nUser-Agent: Tapestry\r\n"
            + "Accept-Encoding: identity\r\nConnection: close\r\n\r\n")

        let head = try connection.readHead()
        guard let status = head.status else { throw Failure.failed("not an HTTP answer") }
        if [301, 302, 303, 307, 308].contains(status), let location = head.fields["location"] {
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                throw Failure.failed("HTTP status \(status) to an invalid location")
            }
            return next
        }
        guard (200..<300).contains(status) else { throw Failure.failed("HTTP status \(status)") }

        var received = 0
        func deliver(_ piece: UnsafeRawBufferPointer) throws {
            received += piece.count
            guard received <= limit else {
                throw Failure.tooLarge("the server sent more than the \(limit) bytes the file can have; stopped after \(received)")
            }
            try consume(piece)
        }
        if head.fields["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let line = try connection.readLine()
                guard let size = Int(line.split(separator: ";").first.map(String.init)?
                    .trimmingCharacters(in: .whitespaces) ?? "", radix: 16), size >= 0 else {
                    throw Failure.failed("a malformed chunk size")
                }
                if size == 0 { return nil }
                guard size <= limit - received else {
                    throw Failure.tooLarge("the server sent more than the \(limit) bytes the file can have: a chunk of"
                        + " \(size) bytes after \(received); stopped there")
                }
                try connection.readBody(count: size, into: deliver)
                guard try connection.readLine().isEmpty else { throw Failure.failed("a chunk without its CRLF") }
            }
        }
        if let text = head.fields["content-length"] {
            guard let length = Int(text.trimmingCharacters(in: .whitespaces)), length >= 0 else {
                throw Failure.failed("a malformed Content-Length")
            }
            guard length <= limit else {
                throw Failure.tooLarge("the server announces \(length) bytes, more than the \(limit) the file can have;"
                    + " nothing was downloaded")
            }
            try connection.readBody(count: length, into: deliver)
            return nil
        }
        try connection.readBody(count: nil, into: deliver)
        return nil
    }
}

/// A blocking TCP connection with read and write timeouts and an overall deadline.
private struct Connection {
    private var descriptor: Int32 = -1
    private var buffer: [UInt8] = []
    private var start = 0
    private let deadline: Date

    init(host: String, port: Int, timeout: TimeInterval, deadline: Date) throws {
        self.deadline = deadline
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw PlainHTTPGet.Failure.failed("cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let socketDescriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard socketDescriptor >= 0 else { continue }
            if let problem = Self.connect(socketDescriptor, to: address.pointee, timeout: timeout) {
                lastError = problem
                _ = systemClose(socketDescriptor)
                continue
            }
            var interval = timeval()
            interval.tv_sec = .init(timeout)
            interval.tv_usec = .init((timeout - timeout.rounded(.down)) * 1e6)
            _ = setsockopt(socketDescriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            _ = setsockopt(socketDescriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
            descriptor = socketDescriptor
            return
        }
        throw PlainHTTPGet.Failure.failed("cannot connect to \(host):\(port): \(lastError)")
    }

    /// Connects without waiting longer than `timeout`; the reason on failure.
    private static func connect(_ descriptor: Int32, to address: addrinfo, timeout: TimeInterval) -> String? {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(descriptor, F_SETFL, flags) }
        if systemConnect(descriptor, address.ai_addr, address.ai_addrlen) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, Int32(min(timeout * 1000, Double(Int32.max))))
        guard ready > 0 else { return ready == 0 ? "timed out" : String(cString: strerror(errno)) }
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length)
        return code == 0 ? nil : String(cString: strerror(code))
    }

    mutating func close() {
        if descriptor >= 0 { _ = systemClose(descriptor) }
        descriptor = -1
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { systemSend(descriptor, $0.baseAddress, $0.count, noSignal) }
            if result < 0 {
                if errno == EINTR { continue }
                throw PlainHTTPGet.Failure.failed("cannot send the request: \(String(cString: strerror(errno)))")
            }
            sent += result
        }
    }

    /// Reads more into the buffer; `false` at the end of the stream.
    private mutating func fill() throws -> Bool {
        guard Date() < deadline else { throw PlainHTTPGet.Failure.failed("the download took longer than allowed") }
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "no data within the request timeout" : String(cString: strerror(errno))
                throw PlainHTTPGet.Failure.failed(reason)
            }
            buffer += chunk[0..<count]
            return count > 0
        }
    }

    /// The status line and header fields (names lowercased); at most 64 KiB of them.
    mutating func readHead() throws -> (status: Int?, fields: [String: String]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        let status = parts.count >= 2 && parts[0].hasPrefix("HTTP/") ? Int(parts[1]) : nil
        var fields: [String: String] = [:]
        var total = statusLine.utf8.count
        while true {
            let line = try readLine()
            total += line.utf8.count
            guard total < 1 << 16 else { throw PlainHTTPGet.Failure.failed("the response's header is over 64 KiB") }
            if line.isEmpty { return (status, fields) }
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    /// One line without its CRLF (at most 64 KiB).
    mutating func readLine() throws -> String {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            guard buffer.count - start < 1 << 16 else { throw PlainHTTPGet.Failure.failed("a line over 64 KiB") }
            guard try fill() else { throw PlainHTTPGet.Failure.failed("the connection closed in the middle of the header") }
        }
    }

    /// Hands `count` bytes of body (or all until the end, for `nil`) to `deliver`.
    mutating func readBody(count: Int?, into deliver: (UnsafeRawBufferPointer) throws -> Void) throws {
        var remaining = count ?? .max
        while remaining > 0 {
            if start == buffer.count {
                guard try fill() else {
                    guard count == nil else { throw PlainHTTPGet.Failure.failed("the connection closed before the end of the body") }
                    return
                }
                continue
            }
            let end = start + min(remaining, buffer.count - start)
            try buffer[start..<end].withUnsafeBytes(deliver)
            remaining -= end - start
            start = end
        }
    }
}

// The C library's calls under names `Connection`'s own `close` and `send` do not hide.
#if canImport(Glibc)
private let systemClose = Glibc.close
private let systemConnect = Glibc.connect
private let systemSend = Glibc.send
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Musl)
private let systemClose = Musl.close
private let systemConnect = Musl.connect
private let systemSend = Musl.send
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
private let systemClose = Darwin.close
private let systemConnect = Darwin.connect
private let systemSend = Darwin.send
private let noSignal: Int32 = 0
#endif
