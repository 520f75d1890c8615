// JSONTape.swift: how a parsed JSON document is stored — the input, shared, and one 8-byte
// entry per value — and how its strings are decoded on demand.

/// A parsed document: the input and its tape, shared by every `JSONValue` of it.
final class JSONDocument: Sendable {
    /// The input, with its original indices.
    let bytes: ArraySlice<UInt8>
    /// One entry per value in document order (an object's key precedes its value); see `Tape`.
    let tape: [UInt64]

    init(bytes: ArraySlice<UInt8>, tape: [UInt64]) {
        self.bytes = bytes
        self.tape = tape
    }
}

/// The layout of a tape entry: `tag` in bits 0–2, `offset` (from the input's start) in bits
/// 3–32, and `extent` in bits 33–63 — for an array or object the number of entries inside it,
/// for a string or number the length of its text (for a string, between the quotes).
enum Tape {
    enum Tag: UInt64 {
        case object = 0, array, string, escapedString, number, `true`, `false`, null
    }

    static func entry(_ tag: Tag, offset: Int, extent: Int) -> UInt64 {
        tag.rawValue | UInt64(offset) << 3 | UInt64(extent) << 33
    }

    static func tag(_ entry: UInt64) -> Tag { Tag(rawValue: entry & 7) ?? .null }
    static func offset(_ entry: UInt64) -> Int { Int((entry >> 3) & 0x3FFF_FFFF) }
    static func extent(_ entry: UInt64) -> Int { Int(entry >> 33) }

    /// Appends the decoded UTF-8 of a validated string's text (between the quotes) to `output`.
    static func decodeString(_ text: UnsafeBufferPointer<UInt8>, hasEscapes: Bool, into output: inout [UInt8]) {
        guard hasEscapes else {
            output.append(contentsOf: text)
            return
        }
        var index = text.startIndex
        func hex4(at start: Int) -> UInt32 {
            var value: UInt32 = 0
            for byte in text[start..<start + 4] {
                let digit: UInt8 = switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                default: byte - UInt8(ascii: "A") + 10
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < text.endIndex {
            let byte = text[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = text[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var value = hex4(at: index)
                index += 4
                if (0xD800..<0xDC00).contains(value) {
                    let low = hex4(at: index + 2)
                    index += 6
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                }
                if let scalar = Unicode.Scalar(value) { UTF8.encode(scalar) { output.append($0) } }
            default: output.append(escape)  // " \ /
            }
        }
    }
}

extension Tape {
    /// How many entries follow `entry` inside it (0 for a scalar).
    static func skippedEntries(_ entry: UInt64) -> Int {
        switch tag(entry) {
        case .object, .array: return extent(entry)
        default: return 0
        }
    }
}
