// FuzzJSON: the strict JSON parser of TapestryIO, fed any bytes.
//
// Properties, for every input:
// - `StrictJSONParser.parse` returns or throws a `JSONError` whose offset lies within the input
//   (or at its end) and whose description is one line; it never traps or reads out of bounds;
// - a parsed document can be walked with every accessor, and written back as canonical JSON
//   that parses again to the same canonical JSON (the parser and accessors agree);
// - duplicate keys never survive: the keys of each object are distinct after decoding.

import FuzzSupport
import TapestryIO

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let root: JSONValue
    do {
        root = try StrictJSONParser.parse(bytes)
    } catch {
        require(error.byteOffset >= 0 && error.byteOffset <= size, "offset \(error.byteOffset) outside 0...\(size)")
        require(!error.description.contains("\n"), "the error is not one line: \(error.description.debugDescription)")
        return 0
    }
    let canonical = canonicalText(of: root)
    do {
        let again = try StrictJSONParser.parse(canonical)
        require(canonicalText(of: again) == canonical, "canonical JSON does not round-trip: \(canonical)")
    } catch {
        require(false, "canonical JSON \(canonical.debugDescription) does not parse: \(error)")
    }
    return 0
}

/// The value as compact JSON with every string re-escaped, checking the accessors on the way.
func canonicalText(of value: JSONValue) -> String {
    do {
        switch value.kind {
        case .object:
            var keys = Set<String>()
            var parts: [String] = []
            for (key, member) in try value.members {
                require(keys.insert(key).inserted, "duplicate key \(key.debugDescription) was accepted")
                let found = try value.value(forKey: key)
                require(found?.byteOffset == member.byteOffset, "lookup of \(key.debugDescription) disagrees")
                parts.append(quoted(key) + ":" + canonicalText(of: member))
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .array:
            let elements = Array(try value.elements)
            if let last = elements.last {
                let found = try value.element(at: elements.count - 1)
                require(found.byteOffset == last.byteOffset, "element(at:) disagrees")
            }
            return "[" + elements.map(canonicalText(of:)).joined(separator: ",") + "]"
        case .string:
            return quoted(try value.string())
        case .number:
            let text = try value.numberText()
            if let integer = try? value.int() { require(String(integer) == text || text.hasPrefix("-0"), "int \(integer) from \(text)") }
            return text
        case .boolean:
            return try value.bool() ? "true" : "false"
        case .null:
            require(value.isNull, "null is not null")
            return "null"
        }
    } catch {
        require(false, "an accessor of a \(value.kind) threw: \(error)")
        return ""
    }
}

/// `text` as a JSON string literal.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

runFuzzTarget(fuzz, name: "FuzzJSON")
