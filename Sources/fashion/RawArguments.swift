// RawArguments.swift: the bytes of path options as the shell passed them. ArgumentParser sees
// `CommandLine.arguments`, where bytes that are not UTF-8 became U+FFFD; a file written under
// that repaired name would be another file.

import TapestryIO

/// Path options byte for byte.
enum RawArguments {
    /// Why a path option cannot be used as given.
    struct Unusable: Error, CustomStringConvertible {
        let option: String
        let path: FileSystemPath
        var description: String {
            "\(option) \(path): the path is not valid UTF-8, which this option needs; rename it or pick a UTF-8 name"
        }
    }

    /// The bytes given for `option` (`--save-weights`) — its last occurrence, as
    /// `--option value` or `--option=value` — when they are what the parser read as `parsed`;
    /// otherwise `parsed`'s UTF-8.
    static func path(of option: String, parsed: String) -> FileSystemPath {
        let flag = Array(option.utf8)
        let flagWithValue = flag + [UInt8(ascii: "=")]
        var found: FileSystemPath?
        var index = 1
        while let argument = FileSystemPath.commandLineArgument(at: index) {
            if argument.bytes == Array("--".utf8) { break }
            if argument.bytes == flag {
                found = FileSystemPath.commandLineArgument(at: index + 1)
                index += 2
                continue
            }
            if argument.bytes.starts(with: flagWithValue) {
                found = FileSystemPath(bytes: Array(argument.bytes.dropFirst(flagWithValue.count)))
            }
            index += 1
        }
        if let found, String(decoding: found.bytes, as: UTF8.self) == parsed { return found }
        return FileSystemPath(parsed)
    }

    /// The path given for `option` as a `String`, for options whose readers take URLs.
    ///
    /// - Throws: ``Unusable`` when the bytes are not UTF-8 (a URL would name another file).
    static func utf8Path(of option: String, parsed: String) throws -> String {
        let raw = path(of: option, parsed: parsed)
        guard let text = raw.string else { throw Unusable(option: option, path: raw) }
        return text
    }
}
