import TapestryIO

/// One value of a layer's configuration: what JSON can hold.
public enum ConfigurationValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A whole number.
    case int(Int)
    /// A finite number with a fraction.
    case double(Double)
    /// A string.
    case string(String)
    /// A list.
    case array([ConfigurationValue])
    /// Named values.
    case object([String: ConfigurationValue])
}

extension ConfigurationValue {
    /// The value as compact JSON with sorted keys (the same value, the same bytes).
    public var jsonText: String {
        var text = ""
        write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .int(let value): text += String(value)
        case .double(let value): text += value.isFinite ? "\(value)" : "null"
        case .string(let value): Self.writeString(value, to: &text)
        case .array(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                value.write(to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                Self.writeString(key, to: &text)
                text += ":"
                members[key]?.write(to: &text)
            }
            text += "}"
        }
    }

    private static func writeString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// Reads a parsed JSON value (numbers with a fraction or exponent become `.double`).
    ///
    /// - Throws: `JSONError` for a number out of range.
    public init(_ json: JSONValue) throws(JSONError) {
        switch json.kind {
        case .null: self = .null
        case .boolean: self = .bool(try json.bool())
        case .number:
            let text = try json.numberText()
            if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                self = .double(try json.double())
            } else {
                self = .int(try json.int())
            }
        case .string: self = .string(try json.string())
        case .array:
            var values: [ConfigurationValue] = []
            for element in try json.elements { values.append(try ConfigurationValue(element)) }
            self = .array(values)
        case .object:
            var members: [String: ConfigurationValue] = [:]
            for (key, value) in try json.members { members[key] = try ConfigurationValue(value) }
            self = .object(members)
        }
    }
}
