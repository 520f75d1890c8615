// StrictJSONParser.swift: an RFC 8259 parser for hostile input whose memory is bounded by the
// input's size, because it builds no tree: one 8-byte tape entry per value, pointing into the
// input, which the parsed document keeps (shared, not copied).

/// Parses JSON strictly: exactly one value, optionally surrounded by whitespace.
///
/// Rejected, each with a ``JSONError`` naming the byte offset: duplicate keys (compared after
/// decoding escapes), anything after the value, raw control characters in strings, invalid
/// escapes, unpaired surrogates, invalid UTF-8, numbers not in JSON's form (`01`, `1.`, `.5`,
/// `+1`, `NaN`), nesting deeper than ``maximumDepth``, and input longer than
/// ``maximumInputSize``.
///
/// **Memory.** The result shares the input's buffer (an `ArraySlice` is not copied) and adds
/// one 8-byte entry per value; no string or number is copied until an accessor asks for it.
/// Every value but the last takes at least two bytes of input (itself and a separator), so the
/// entries take at most 4 × the input's size — about 1 × for typical documents, whose values
/// are longer — and the tape is reserved once for that bound: it never grows by copying, and
/// the pages of the reservation never written cost address space, not memory. While parsing,
/// each open object also keeps a hash set of its keys' hashes, to find duplicate keys.
///
/// ```swift
/// let config = try StrictJSONParser.parse(bytes)
/// let units = try config.member("units").int()
/// for layer in try config.member("layers").elements { print(try layer.member("kind").string()) }
/// ```
public enum StrictJSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 64

    /// The longest input accepted, in bytes (1 GiB − 1): offsets must fit the tape's 30 bits.
    public static let maximumInputSize = (1 << 30) - 1

    /// Parses `bytes` as one JSON value. Error offsets are indices of `bytes`.
    ///
    /// - Throws: ``JSONError`` naming the offset of the first problem.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> JSONValue {
        guard bytes.count <= maximumInputSize else {
            throw JSONError(
                byteOffset: bytes.startIndex, reason: .inputTooLarge(byteCount: bytes.count, limit: maximumInputSize))
        }
        let tape = try bytes.withUnsafeBufferPointer { buffer throws(JSONError) in
            var parser = TapeBuilder(buffer, origin: bytes.startIndex)
            try parser.parseDocument()
            return parser.tape
        }
        return JSONValue(document: JSONDocument(bytes: bytes, tape: tape), index: 0)
    }

    /// Parses `bytes` as one JSON value. Error offsets count from the first byte.
    ///
    /// - Throws: ``JSONError`` naming the offset of the first problem.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try parse(bytes[...])
    }

    /// Parses the UTF-8 of `text` as one JSON value. Error offsets count UTF-8 bytes.
    ///
    /// - Throws: ``JSONError`` naming the offset of the first problem.
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// Builds the tape of a document, validating as it goes.
private struct TapeBuilder {
    /// The input; `index` counts from its start.
    private let bytes: UnsafeBufferPointer<UInt8>
    /// The index of the input's first byte in the caller's collection, added to error offsets.
    private let origin: Int
    private var index = 0
    private(set) var tape: [UInt64] = []
    /// Decoded key bytes, reused for every key.
    private var keyBuffer: [UInt8] = []
    /// A second buffer for comparing two keys whose hashes are equal.
    private var otherKeyBuffer: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, origin: Int) {
        self.bytes = bytes
        self.origin = origin
        // Every value but the last takes at least two bytes (itself and a separator), so this
        // never grows; the pages past the entries actually written are never touched, so they
        // cost address space only, not memory.
        tape.reserveCapacity(bytes.count / 2 + 1)
    }

    mutating func parseDocument() throws(JSONError) {
        skipWhitespace()
        try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else {
            throw JSONError(byteOffset: origin + index, reason: .trailingData(found: describeCurrent()))
        }
    }

    private func error(_ reason: JSONError.Reason) -> JSONError { JSONError(byteOffset: origin + index, reason: reason) }

    private func unexpected(_ expected: String) -> JSONError {
        error(.unexpected(found: describeCurrent(), expected: expected))
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func describeCurrent() -> String {
        guard let byte = current else { return "end of input" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }

    // The hot loops below work on locals: in unoptimised builds, reading `current` copies the
    // whole builder (retaining its arrays) for every byte.

    private mutating func skipWhitespace() {
        let bytes = self.bytes
        var index = self.index
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { break }
            index += 1
        }
        self.index = index
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        guard current == byte else { throw unexpected(what) }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws(JSONError) {
        guard depth < StrictJSONParser.maximumDepth else { throw error(.tooDeep(limit: StrictJSONParser.maximumDepth)) }
        guard let byte = current else { throw unexpected("a JSON value") }
        let start = index
        switch byte {
        case UInt8(ascii: "{"): try parseObject(depth: depth)
        case UInt8(ascii: "["): try parseArray(depth: depth)
        case UInt8(ascii: "\""):
            let hasEscapes = try parseString()
            tape.append(Tape.entry(hasEscapes ? .escapedString : .string, offset: start, extent: index - start - 2))
        case UInt8(ascii: "t"): try parseLiteral("true"); tape.append(Tape.entry(.true, offset: start, extent: 4))
        case UInt8(ascii: "f"): try parseLiteral("false"); tape.append(Tape.entry(.false, offset: start, extent: 5))
        case UInt8(ascii: "n"): try parseLiteral("null"); tape.append(Tape.entry(.null, offset: start, extent: 4))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try parseNumber()
            tape.append(Tape.entry(.number, offset: start, extent: index - start))
        default: throw unexpected("a JSON value")
        }
    }

    /// Appends the container's entry, parses its contents, then records how many entries they took.
    private mutating func parseContainer(
        _ tag: Tape.Tag, contents: (inout TapeBuilder) throws(JSONError) -> Void
    ) throws(JSONError) {
        let position = tape.count
        tape.append(Tape.entry(tag, offset: index, extent: 0))
        index += 1  // { or [
        try contents(&self)
        tape[position] = Tape.entry(tag, offset: Tape.offset(tape[position]), extent: tape.count - position - 1)
    }

    private mutating func parseObject(depth: Int) throws(JSONError) {
        try parseContainer(.object) { (parser: inout TapeBuilder) throws(JSONError) in
            let objectPosition = parser.tape.count - 1
            var keyHashes = Set<Int>()
            parser.skipWhitespace()
            if parser.current == UInt8(ascii: "}") {
                parser.index += 1
                return
            }
            while true {
                parser.skipWhitespace()
                guard parser.current == UInt8(ascii: "\"") else { throw parser.unexpected("a string key") }
                let keyOffset = parser.index
                let hasEscapes = try parser.parseString()
                parser.tape.append(Tape.entry(
                    hasEscapes ? .escapedString : .string, offset: keyOffset, extent: parser.index - keyOffset - 2))
                let keyPosition = parser.tape.count - 1
                parser.decodeKey(at: keyPosition, into: &parser.keyBuffer)
                var hasher = Hasher()
                parser.keyBuffer.withUnsafeBytes { hasher.combine(bytes: $0) }
                if !keyHashes.insert(hasher.finalize()).inserted,
                   parser.isRepeatedKey(at: keyPosition, inObjectAt: objectPosition) {
                    throw JSONError(
                        byteOffset: parser.origin + keyOffset,
                        reason: .duplicateKey(String(decoding: parser.keyBuffer, as: UTF8.self)))
                }
                parser.skipWhitespace()
                try parser.expect(UInt8(ascii: ":"), "':' after a key")
                parser.skipWhitespace()
                try parser.parseValue(depth: depth + 1)
                parser.skipWhitespace()
                if parser.current == UInt8(ascii: ",") {
                    parser.index += 1
                    continue
                }
                try parser.expect(UInt8(ascii: "}"), "',' or '}' in an object")
                return
            }
        }
    }

    /// Decodes the key at tape `position` into `buffer` (replacing its contents).
    private func decodeKey(at position: Int, into buffer: inout [UInt8]) {
        let entry = tape[position]
        let start = Tape.offset(entry) + 1
        buffer.removeAll(keepingCapacity: true)
        Tape.decodeString(
            UnsafeBufferPointer(rebasing: bytes[start..<start + Tape.extent(entry)]),
            hasEscapes: Tape.tag(entry) == .escapedString, into: &buffer)
    }

    /// Whether an earlier key of the object at `objectPosition` equals the key at
    /// `keyPosition` (already decoded into `keyBuffer`). Called only when their hashes match.
    private mutating func isRepeatedKey(at keyPosition: Int, inObjectAt objectPosition: Int) -> Bool {
        var position = objectPosition + 1
        while position < keyPosition {
            decodeKey(at: position, into: &otherKeyBuffer)
            if otherKeyBuffer == keyBuffer { return true }
            let value = position + 1
            position = value + 1 + Tape.skippedEntries(tape[value])
        }
        return false
    }

    private mutating func parseArray(depth: Int) throws(JSONError) {
        try parseContainer(.array) { (parser: inout TapeBuilder) throws(JSONError) in
            parser.skipWhitespace()
            if parser.current == UInt8(ascii: "]") {
                parser.index += 1
                return
            }
            while true {
                parser.skipWhitespace()
                try parser.parseValue(depth: depth + 1)
                parser.skipWhitespace()
                if parser.current == UInt8(ascii: ",") {
                    parser.index += 1
                    continue
                }
                try parser.expect(UInt8(ascii: "]"), "',' or ']' in an array")
                return
            }
        }
    }

    private mutating func parseLiteral(_ literal: StaticString) throws(JSONError) {
        let start = index
        for expected in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
            guard current == expected else {
                index = start
                throw unexpected("'\(literal)'")
            }
            index += 1
        }
    }

    private mutating func parseNumber() throws(JSONError) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, isDigit(first) else { throw error(.invalidNumber("expected a digit")) }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, isDigit(digit) else { throw error(.invalidNumber("expected a digit after '.'")) }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, isDigit(digit) else {
                throw error(.invalidNumber("expected a digit in the exponent"))
            }
            skipDigits()
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        let bytes = self.bytes
        var index = self.index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        self.index = index
    }

    /// Validates a string from its opening quote to past its closing quote.
    ///
    /// - Returns: whether it holds escapes.
    private mutating func parseString() throws(JSONError) -> Bool {
        let start = index
        index += 1  // "
        var hasEscapes = false
        while true {
            // Skip plain ASCII quickly.
            let bytes = self.bytes
            var plain = index
            while plain < bytes.count {
                let byte = bytes[plain]
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                plain += 1
            }
            index = plain
            guard let byte = current else {
                index = start
                throw error(.unterminatedString)
            }
            if byte == UInt8(ascii: "\"") {
                index += 1
                return hasEscapes
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                index += 1
                try parseEscape()
            } else if byte < 0x20 {
                throw error(.unescapedControlCharacter(byte))
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence(lead: byte)
            }
        }
    }

    /// Checks the multi-byte UTF-8 sequence starting at `index` (whose first byte is `lead`)
    /// and steps past it: no overlong forms, no surrogates, nothing above U+10FFFF.
    private mutating func skipUTF8Sequence(lead: UInt8) throws(JSONError) {
        let continuationCount: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: continuationCount = 1
        case 0xE0: continuationCount = 2; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: continuationCount = 2
        case 0xED: continuationCount = 2; secondRange = 0x80...0x9F
        case 0xF0: continuationCount = 3; secondRange = 0x90...0xBF
        case 0xF1...0xF3: continuationCount = 3
        case 0xF4: continuationCount = 3; secondRange = 0x80...0x8F
        default: throw error(.invalidUTF8)
        }
        for position in 1...continuationCount {
            let at = index + position
            guard at < bytes.count, (position == 1 ? secondRange : 0x80...0xBF).contains(bytes[at]) else {
                throw error(.invalidUTF8)
            }
        }
        index += 1 + continuationCount
    }

    private mutating func parseEscape() throws(JSONError) {
        guard let byte = current else { throw error(.invalidEscape("unterminated escape")) }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            let value = try parseHex4()
            if (0xD800..<0xDC00).contains(value) {
                guard current == UInt8(ascii: "\\") else { throw error(.unpairedSurrogate) }
                index += 1
                guard current == UInt8(ascii: "u") else { throw error(.unpairedSurrogate) }
                index += 1
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error(.unpairedSurrogate) }
            } else if (0xDC00..<0xE000).contains(value) {
                throw error(.unpairedSurrogate)
            }
        default:
            index -= 1
            throw error(.invalidEscape("invalid escape sequence: backslash followed by \(describeCurrent())"))
        }
    }

    private mutating func parseHex4() throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error(.invalidEscape("unterminated \\u escape")) }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw error(.invalidEscape("expected a hex digit in a \\u escape, found \(describeCurrent())"))
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
