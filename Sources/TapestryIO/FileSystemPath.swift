// FileSystemPath.swift: a path as the file system sees it — bytes, not text — so a name that
// is not UTF-8 is written under that very name, never under a repaired one.

import Foundation

/// A file system path held byte for byte.
///
/// POSIX paths are bytes: `/data/caf\xE9.json` (Latin-1) is a valid name that no Swift
/// `String` can hold — `CommandLine.arguments` and `URL` replace the bad byte with U+FFFD, so
/// a file written through them would land under another name. `FileSystemPath` keeps the
/// bytes, shows them readably (invalid bytes as `\xE9`), and hands them unchanged to
/// `open(2)`, `rename(2)` and `mkdir(2)`.
///
/// ```swift
/// import TapestryIO
///
/// let path: FileSystemPath = "out/metrics.json"
/// print(path.lastComponent, path.folder)      // metrics.json out
/// let raw = FileSystemPath(bytes: Array("caf".utf8) + [0xE9])
/// print(raw, raw.isValidUTF8)                 // caf\xE9 false
/// ```
public struct FileSystemPath: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The path's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    /// The path whose bytes are `bytes`.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The path spelled by `string` (its UTF-8 bytes).
    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    /// The path spelled by a string literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The path of a file URL, as the file system sees it.
    public init(_ url: URL) {
        self.bytes = url.withUnsafeFileSystemRepresentation { pointer in
            guard let pointer else { return Array(url.path.utf8) }
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                             count: strlen(pointer)))
        }
    }

    /// Command-line argument `index` exactly as the process received it (`CommandLine.arguments`
    /// repairs bytes that are not UTF-8), or `nil` if there is no such argument.
    public static func commandLineArgument(at index: Int) -> FileSystemPath? {
        guard index >= 0, index < Int(CommandLine.argc), let argument = CommandLine.unsafeArgv[index] else { return nil }
        return FileSystemPath(bytes: Array(UnsafeBufferPointer(
            start: UnsafeRawPointer(argument).assumingMemoryBound(to: UInt8.self), count: strlen(argument))))
    }

    /// Whether the bytes are valid UTF-8 (so a `String` or `URL` can hold the path exactly).
    public var isValidUTF8: Bool { String(validatingUTF8Bytes: bytes) != nil }

    /// The path as text when its bytes are valid UTF-8, else `nil`.
    public var string: String? { String(validatingUTF8Bytes: bytes) }

    /// A file URL for the path when its bytes are valid UTF-8, else `nil` (a URL would name
    /// another file).
    public var url: URL? { string.map { URL(fileURLWithPath: $0) } }

    /// The path for people: the text itself when it is valid UTF-8, otherwise printable ASCII
    /// as is and every other byte as `\xHH`; control characters are escaped either way.
    public var description: String {
        if let string { return escapingControlCharacters(string) }
        var text = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\\") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return text
    }

    /// The last component, trailing slashes ignored (`b` for `a/b/`; `/` for `/`).
    public var lastComponent: FileSystemPath {
        let trimmed = trimmingTrailingSlashes
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) else { return FileSystemPath(bytes: Array(trimmed)) }
        if trimmed.count == 1 { return "/" }
        return FileSystemPath(bytes: Array(trimmed[(slash + 1)...]))
    }

    /// The folder holding the last component: `a` for `a/b`, `.` for `b`, `/` for `/b`.
    public var folder: FileSystemPath {
        let trimmed = trimmingTrailingSlashes
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        var end = slash
        while end > trimmed.startIndex && trimmed[end - 1] == UInt8(ascii: "/") { end -= 1 }
        return end == trimmed.startIndex ? "/" : FileSystemPath(bytes: Array(trimmed[..<end]))
    }

    /// This path with `component` added after a slash.
    public func appending(_ component: String) -> FileSystemPath {
        appending(FileSystemPath(component))
    }

    /// This path with the bytes of `component` added after a slash.
    public func appending(_ component: FileSystemPath) -> FileSystemPath {
        if bytes.isEmpty { return component }
        if bytes.last == UInt8(ascii: "/") { return FileSystemPath(bytes: bytes + component.bytes) }
        return FileSystemPath(bytes: bytes + [UInt8(ascii: "/")] + component.bytes)
    }

    /// Calls `body` with the path as a NUL-terminated C string.
    public func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        var terminated = bytes
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// Whether a byte of the path is NUL (no system call can take such a path).
    var containsNUL: Bool { bytes.contains(0) }

    private var trimmingTrailingSlashes: ArraySlice<UInt8> {
        var end = bytes.endIndex
        while end > bytes.startIndex + 1 && bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        return bytes[..<end]
    }
}

extension String {
    /// The text of `bytes` if they are valid UTF-8, else `nil` (never repaired with U+FFFD).
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(scalars)
    }

    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
