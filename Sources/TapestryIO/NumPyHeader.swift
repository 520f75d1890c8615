// NumPyHeader.swift: the header of a `.npy` file, a Python dictionary literal, parsed by a
// small strict parser for the literals NumPy writes (strings, booleans, integers, tuples and
// lists) — never evaluated.

/// The three keys of a `.npy` header.
struct NumPyHeader {
    /// A `descr` value: a dtype string such as `<f4`, or a structured dtype (a list).
    enum Descr: Equatable {
        case simple(String)
        case structured
    }

    /// Why a header did not parse.
    struct Failure: Error {
        let detail: String
    }

    let descr: Descr
    let isFortranOrder: Bool
    let shape: [Int]

    /// Parses `{'descr': …, 'fortran_order': …, 'shape': (…), }` followed by whitespace.
    init(parsing bytes: UnsafeRawBufferPointer, isUTF8: Bool) throws(Failure) {
        // Versions 1.0 and 2.0 are Latin-1, 3.0 UTF-8; the keys and values NumPy writes are
        // ASCII either way, so Latin-1 decoding only matters for quoting odd text in errors.
        let text: [Unicode.Scalar]
        if isUTF8 {
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                throw Failure(detail: "the header is not valid UTF-8")
            }
            text = Array(decoded.unicodeScalars)
        } else {
            text = bytes.map { Unicode.Scalar($0) }
        }
        var parser = LiteralParser(text: text)
        let value = try parser.parseDocument()
        guard case .dictionary(let entries) = value else {
            throw Failure(detail: "the header is not a dictionary")
        }
        var descr: Descr?
        var fortran: Bool?
        var shape: [Int]?
        for (key, value) in entries {
            switch key {
            case "descr":
                switch value {
                case .string(let text): descr = .simple(text)
                case .sequence: descr = .structured
                default: throw Failure(detail: "'descr' is not a string or a list")
                }
            case "fortran_order":
                guard case .boolean(let flag) = value else { throw Failure(detail: "'fortran_order' is not True or False") }
                fortran = flag
            case "shape":
                guard case .sequence(let items, isTuple: true) = value else { throw Failure(detail: "'shape' is not a tuple") }
                var dimensions: [Int] = []
                for item in items {
                    guard case .integer(let dimension) = item, dimension >= 0 else {
                        throw Failure(detail: "'shape' holds something other than non-negative integers")
                    }
                    dimensions.append(dimension)
                }
                shape = dimensions
            default:
                throw Failure(detail: "unexpected key '\(key)' (a header has 'descr', 'fortran_order' and 'shape')")
            }
        }
        guard let descr else { throw Failure(detail: "the key 'descr' is missing") }
        guard let fortran else { throw Failure(detail: "the key 'fortran_order' is missing") }
        guard let shape else { throw Failure(detail: "the key 'shape' is missing") }
        self.descr = descr
        self.isFortranOrder = fortran
        self.shape = shape
    }
}

/// A Python literal of the kinds a `.npy` header holds.
private indirect enum Literal {
    case string(String)
    case boolean(Bool)
    case integer(Int)
    case none
    case sequence([Literal], isTuple: Bool)
    case dictionary([(String, Literal)])
}

/// A recursive-descent parser over the header's characters, nesting at most `maximumDepth`.
private struct LiteralParser {
    let text: [Unicode.Scalar]
    var position = 0
    static let maximumDepth = 16

    init(text: [Unicode.Scalar]) { self.text = text }

    mutating func parseDocument() throws(NumPyHeader.Failure) -> Literal {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == text.count else { throw failure("unexpected text after the dictionary") }
        return value
    }

    private func failure(_ detail: String) -> NumPyHeader.Failure {
        NumPyHeader.Failure(detail: "\(detail) at character \(position)")
    }

    private mutating func skipWhitespace() {
        while position < text.count, [" ", "\t", "\n", "\r"].contains(text[position]) { position += 1 }
    }

    private mutating func parseValue(depth: Int) throws(NumPyHeader.Failure) -> Literal {
        guard depth < Self.maximumDepth else { throw failure("the header nests too deeply") }
        skipWhitespace()
        guard position < text.count else { throw failure("the header ends early") }
        switch text[position] {
        case "'", "\"": return .string(try parseString())
        case "{": return try parseDictionary(depth: depth)
        case "(": return try parseSequence(closing: ")", depth: depth)
        case "[": return try parseSequence(closing: "]", depth: depth)
        case "0"..."9", "-", "+": return .integer(try parseInteger())
        default:
            for (word, value) in [("True", Literal.boolean(true)), ("False", .boolean(false)), ("None", .none)]
            where matches(word) {
                position += word.unicodeScalars.count
                return value
            }
            throw failure("unexpected character '\(text[position].escaped(asASCII: true))'")
        }
    }

    private func matches(_ word: String) -> Bool {
        let scalars = Array(word.unicodeScalars)
        guard text.count - position >= scalars.count else { return false }
        return text[position..<(position + scalars.count)].elementsEqual(scalars)
    }

    private mutating func parseString() throws(NumPyHeader.Failure) -> String {
        let quote = text[position]
        position += 1
        var scalars = String.UnicodeScalarView()
        while position < text.count {
            let scalar = text[position]
            position += 1
            if scalar == quote { return String(scalars) }
            if scalar == "\n" { break }
            if scalar == "\\" {
                guard position < text.count else { break }
                scalars.append(text[position])
                position += 1
            } else {
                scalars.append(scalar)
            }
        }
        throw failure("an unterminated string")
    }

    private mutating func parseInteger() throws(NumPyHeader.Failure) -> Int {
        var negative = false
        if text[position] == "-" || text[position] == "+" {
            negative = text[position] == "-"
            position += 1
        }
        var value = 0
        var digits = 0
        while position < text.count, (48...57).contains(text[position].value) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(text[position].value - 48))
            guard !overflow1, !overflow2 else { throw failure("an integer too large") }
            value = sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw failure("a sign without digits") }
        // Python 2 wrote long integers with an `L` suffix.
        if position < text.count, text[position] == "L" { position += 1 }
        return negative ? -value : value
    }

    private mutating func parseSequence(closing: Unicode.Scalar, depth: Int) throws(NumPyHeader.Failure) -> Literal {
        position += 1
        var items: [Literal] = []
        var sawComma = false
        while true {
            skipWhitespace()
            guard position < text.count else { throw failure("an unterminated sequence") }
            if text[position] == closing {
                position += 1
                break
            }
            if !items.isEmpty {
                guard text[position] == "," else { throw failure("expected ',' or '\(closing)'") }
                position += 1
                sawComma = true
                skipWhitespace()
                if position < text.count, text[position] == closing {
                    position += 1
                    break
                }
            }
            items.append(try parseValue(depth: depth + 1))
        }
        // `(3)` is the integer 3 in Python, not a tuple.
        if closing == ")", items.count == 1, !sawComma { return items[0] }
        return .sequence(items, isTuple: closing == ")")
    }

    private mutating func parseDictionary(depth: Int) throws(NumPyHeader.Failure) -> Literal {
        position += 1
        var entries: [(String, Literal)] = []
        while true {
            skipWhitespace()
            guard position < text.count else { throw failure("an unterminated dictionary") }
            if text[position] == "}" {
                position += 1
                return .dictionary(entries)
            }
            if !entries.isEmpty {
                guard text[position] == "," else { throw failure("expected ',' or '}'") }
                position += 1
                skipWhitespace()
                if position < text.count, text[position] == "}" {
                    position += 1
                    return .dictionary(entries)
                }
            }
            skipWhitespace()
            guard position < text.count, text[position] == "'" || text[position] == "\"" else {
                throw failure("a dictionary key is not a string")
            }
            let key = try parseString()
            guard !entries.contains(where: { $0.0 == key }) else { throw failure("the key '\(key)' appears twice") }
            skipWhitespace()
            guard position < text.count, text[position] == ":" else { throw failure("expected ':' after the key '\(key)'") }
            position += 1
            entries.append((key, try parseValue(depth: depth + 1)))
        }
    }
}
