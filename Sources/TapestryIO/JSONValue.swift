// JSONValue.swift: one value of a document parsed by `StrictJSONParser`, with typed accessors.

/// A value in a parsed JSON document: a light view (a reference to the document and a
/// position in it), so copying one, or walking a large document, allocates nothing.
///
/// Read it with the typed accessors, which throw a ``JSONError`` naming the value's byte
/// offset when it is not what was asked for:
///
/// ```swift
/// let root = try StrictJSONParser.parse(bytes)
/// let name = try root.member("name").string()           // missing key, or not a string: throws
/// let sizes = try root.member("sizes").elements.map { try $0.int() }
/// let rate = try root.value(forKey: "rate")?.double() ?? 0.001
/// ```
public struct JSONValue: Sendable {
    /// The kind of a JSON value.
    public enum Kind: String, Sendable, CustomStringConvertible {
        /// `{ … }`.
        case object
        /// `[ … ]`.
        case array
        /// `"…"`.
        case string
        /// A number, such as `-1.5e3`.
        case number
        /// `true` or `false`.
        case boolean
        /// `null`.
        case null

        /// The kind's name (`object`, `array`, …), for messages.
        public var description: String { rawValue }
    }

    private let document: JSONDocument
    /// The value's position in the document's tape.
    private let index: Int

    init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    private var entry: UInt64 { document.tape[index] }

    /// The kind of value this is.
    public var kind: Kind {
        switch Tape.tag(entry) {
        case .object: return .object
        case .array: return .array
        case .string, .escapedString: return .string
        case .number: return .number
        case .true, .false: return .boolean
        case .null: return .null
        }
    }

    /// Where the value starts: its index in the parsed bytes.
    public var byteOffset: Int { document.bytes.startIndex + Tape.offset(entry) }

    /// Whether the value is `null`.
    public var isNull: Bool { kind == .null }

    private func mismatch(_ expected: Kind) -> JSONError {
        JSONError(byteOffset: byteOffset, reason: .typeMismatch(expected: expected, found: kind))
    }

    /// The text of a string (between the quotes) or number, as stored in the input.
    private var rawText: ArraySlice<UInt8> {
        let start = byteOffset + (kind == .string ? 1 : 0)
        return document.bytes[start..<start + Tape.extent(entry)]
    }

    // MARK: Scalars

    /// The string, with escapes decoded.
    ///
    /// - Throws: ``JSONError`` if the value is not a string.
    public func string() throws(JSONError) -> String {
        guard kind == .string else { throw mismatch(.string) }
        if Tape.tag(entry) == .string { return String(decoding: rawText, as: UTF8.self) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(Tape.extent(entry))
        rawText.withUnsafeBufferPointer { Tape.decodeString($0, hasEscapes: true, into: &decoded) }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// The boolean.
    ///
    /// - Throws: ``JSONError`` if the value is not `true` or `false`.
    public func bool() throws(JSONError) -> Bool {
        switch Tape.tag(entry) {
        case .true: return true
        case .false: return false
        default: throw mismatch(.boolean)
        }
    }

    /// The number's text exactly as written, e.g. `-1.50e3`.
    ///
    /// - Throws: ``JSONError`` if the value is not a number.
    public func numberText() throws(JSONError) -> String {
        guard kind == .number else { throw mismatch(.number) }
        return String(decoding: rawText, as: UTF8.self)
    }

    /// The number as an integer; it must be written without a fraction or exponent.
    ///
    /// - Throws: ``JSONError`` if the value is not a number, is not an integer (`2.0`,
    ///   `1e3`), or does not fit in `Int`.
    public func int() throws(JSONError) -> Int {
        let text = try numberText()
        guard !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
        else { throw JSONError(byteOffset: byteOffset, reason: .notAnInteger(text)) }
        guard let value = Int(text) else { throw JSONError(byteOffset: byteOffset, reason: .numberOutOfRange(text)) }
        return value
    }

    /// The number as the nearest `Double`.
    ///
    /// - Throws: ``JSONError`` if the value is not a number, or its magnitude is too large
    ///   for `Double` (such as `1e400`).
    public func double() throws(JSONError) -> Double {
        let text = try numberText()
        guard let value = Double(text), value.isFinite else {
            throw JSONError(byteOffset: byteOffset, reason: .numberOutOfRange(text))
        }
        return value
    }

    // MARK: Containers

    /// The elements of an array, in order.
    ///
    /// - Throws: ``JSONError`` if the value is not an array.
    public var elements: Elements {
        get throws(JSONError) {
            guard kind == .array else { throw mismatch(.array) }
            return Elements(document: document, container: index)
        }
    }

    /// The element at `position` of an array.
    ///
    /// - Throws: ``JSONError`` if the value is not an array or has no such element.
    public func element(at position: Int) throws(JSONError) -> JSONValue {
        var count = 0
        for element in try elements {
            if count == position { return element }
            count += 1
        }
        throw JSONError(byteOffset: byteOffset, reason: .indexOutOfRange(index: position, count: count))
    }

    /// The members of an object, in the order written.
    ///
    /// - Throws: ``JSONError`` if the value is not an object.
    public var members: Members {
        get throws(JSONError) {
            guard kind == .object else { throw mismatch(.object) }
            return Members(document: document, container: index)
        }
    }

    /// The value of the member `key` of an object, or `nil` if it has none.
    ///
    /// - Throws: ``JSONError`` if the value is not an object.
    public func value(forKey key: String) throws(JSONError) -> JSONValue? {
        guard kind == .object else { throw mismatch(.object) }
        let wanted = Array(key.utf8)
        var decoded: [UInt8] = []
        var position = index + 1
        let end = index + 1 + Tape.extent(entry)
        while position < end {
            let keyEntry = document.tape[position]
            let start = document.bytes.startIndex + Tape.offset(keyEntry) + 1
            let text = document.bytes[start..<start + Tape.extent(keyEntry)]
            let matches: Bool
            if Tape.tag(keyEntry) == .string {
                matches = text.elementsEqual(wanted)
            } else {
                decoded.removeAll(keepingCapacity: true)
                text.withUnsafeBufferPointer { Tape.decodeString($0, hasEscapes: true, into: &decoded) }
                matches = decoded == wanted
            }
            if matches { return JSONValue(document: document, index: position + 1) }
            position += 2 + Tape.skippedEntries(document.tape[position + 1])
        }
        return nil
    }

    /// The value of the member `key` of an object.
    ///
    /// - Throws: ``JSONError`` if the value is not an object or has no member `key`.
    public func member(_ key: String) throws(JSONError) -> JSONValue {
        guard let value = try value(forKey: key) else {
            throw JSONError(byteOffset: byteOffset, reason: .missingKey(key))
        }
        return value
    }

    /// The elements of a JSON array, visited without copying.
    public struct Elements: Sequence, Sendable {
        fileprivate let document: JSONDocument
        fileprivate let container: Int

        /// Makes an iterator over the elements.
        public func makeIterator() -> Iterator {
            Iterator(document: document, position: container + 1,
                     end: container + 1 + Tape.extent(document.tape[container]))
        }

        /// Iterates over the elements of a JSON array.
        public struct Iterator: IteratorProtocol {
            fileprivate let document: JSONDocument
            fileprivate var position: Int
            fileprivate let end: Int

            /// The next element, or `nil` after the last.
            public mutating func next() -> JSONValue? {
                guard position < end else { return nil }
                let value = JSONValue(document: document, index: position)
                position += 1 + Tape.skippedEntries(document.tape[position])
                return value
            }
        }
    }

    /// The members of a JSON object, visited in the order written.
    public struct Members: Sequence, Sendable {
        fileprivate let document: JSONDocument
        fileprivate let container: Int

        /// The number of members (counted by walking the object, without decoding anything).
        public var underestimatedCount: Int {
            var count = 0
            var position = container + 1
            let end = container + 1 + Tape.extent(document.tape[container])
            while position < end {
                count += 1
                position += 2 + Tape.skippedEntries(document.tape[position + 1])
            }
            return count
        }

        /// Makes an iterator over the members.
        public func makeIterator() -> Iterator {
            Iterator(document: document, position: container + 1,
                     end: container + 1 + Tape.extent(document.tape[container]))
        }

        /// Iterates over the members of a JSON object as `(key, value)` pairs.
        public struct Iterator: IteratorProtocol {
            fileprivate let document: JSONDocument
            fileprivate var position: Int
            fileprivate let end: Int

            /// The next member (its key decoded), or `nil` after the last.
            public mutating func next() -> (key: String, value: JSONValue)? {
                guard position < end else { return nil }
                let key = (try? JSONValue(document: document, index: position).string()) ?? ""
                let value = JSONValue(document: document, index: position + 1)
                position += 2 + Tape.skippedEntries(document.tape[position + 1])
                return (key, value)
            }
        }
    }
}
