// JSONError.swift: why a JSON document was rejected, or why a value was not what was asked for.

/// A JSON document was malformed, or a value did not have the type or form asked for.
///
/// `byteOffset` is where the problem is: the index, in the parsed bytes, of the offending byte
/// (for a syntax error) or of the first byte of the value (for a type error). Its
/// `description` is one line: `at byte 14: expected a JSON value, found end of input`.
public struct JSONError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// Something else was expected here (`found` is a quoted character, a byte in hex, or
        /// `end of input`).
        case unexpected(found: String, expected: String)
        /// Something follows the one top-level value.
        case trailingData(found: String)
        /// An object has two members with this key (compared after decoding escapes).
        case duplicateKey(String)
        /// A string holds this raw control character (below 0x20); JSON requires `\u00XX`.
        case unescapedControlCharacter(UInt8)
        /// A string ends before its closing quote.
        case unterminatedString
        /// A backslash escape is invalid; the text says how.
        case invalidEscape(String)
        /// A `\uD800`–`\uDFFF` escape is not half of a surrogate pair.
        case unpairedSurrogate
        /// A string holds bytes that are not UTF-8.
        case invalidUTF8
        /// A number is malformed (a leading zero, no digit after `.`, `-` or the exponent).
        case invalidNumber(String)
        /// Arrays and objects are nested deeper than the limit.
        case tooDeep(limit: Int)
        /// The input is longer than `StrictJSONParser.maximumInputSize`.
        case inputTooLarge(byteCount: Int, limit: Int)
        /// An accessor asked for one kind of value and found another.
        case typeMismatch(expected: JSONValue.Kind, found: JSONValue.Kind)
        /// An object has no member with this key.
        case missingKey(String)
        /// An array has no element at this index.
        case indexOutOfRange(index: Int, count: Int)
        /// A number (its text) has a fraction or exponent where an integer was asked for.
        case notAnInteger(String)
        /// A number (its text) does not fit the type asked for.
        case numberOutOfRange(String)
    }

    /// Where the problem is, as an index of the parsed bytes.
    public var byteOffset: Int
    /// What went wrong.
    public var reason: Reason

    /// Creates an error at `byteOffset`.
    public init(byteOffset: Int, reason: Reason) {
        self.byteOffset = byteOffset
        self.reason = reason
    }

    /// `at byte <offset>: <detail>`, on one line: control characters in a quoted key are
    /// written as escapes such as `\n`.
    public var description: String { escapingControlCharacters("at byte \(byteOffset): \(detail)") }

    /// What went wrong, without the offset, e.g. `duplicate key "w"` (quoting at most 40
    /// characters of a key, as it is: it may hold control characters).
    public var detail: String {
        switch reason {
        case .unexpected(let found, let expected): return "expected \(expected), found \(found)"
        case .trailingData(let found): return "unexpected \(found) after the JSON value"
        case .duplicateKey(let key): return "duplicate key \"\(key.prefix(40))\""
        case .unescapedControlCharacter(let byte):
            return "unescaped control character 0x\(String(byte, radix: 16)) in a string"
        case .unterminatedString: return "unterminated string"
        case .invalidEscape(let detail): return detail
        case .unpairedSurrogate: return "unpaired UTF-16 surrogate"
        case .invalidUTF8: return "string is not valid UTF-8"
        case .invalidNumber(let detail): return detail
        case .tooDeep(let limit): return "nested more than \(limit) levels deep"
        case .inputTooLarge(let count, let limit): return "the input is \(count) bytes, more than the limit of \(limit)"
        case .typeMismatch(let expected, let found): return "expected a JSON \(expected), found a JSON \(found)"
        case .missingKey(let key): return "the object has no key \"\(key.prefix(40))\""
        case .indexOutOfRange(let index, let count): return "index \(index) is out of range for an array of \(count)"
        case .notAnInteger(let text): return "\(text.prefix(40)) is not an integer"
        case .numberOutOfRange(let text): return "\(text.prefix(40)) is out of range"
        }
    }
}
