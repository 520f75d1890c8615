/// The value of one DOT attribute, written with the escaping its kind needs.
public enum DOTValue: Sendable, Hashable {
    /// How the lines of a ``lines(_:justification:)`` value are aligned in their box.
    public enum Justification: Sendable, Hashable {
        /// Each line starts at the left edge (Graphviz `\l`).
        case left
        /// Each line is centred (Graphviz `\n`).
        case center
        /// Each line ends at the right edge (Graphviz `\r`).
        case right
    }

    /// Text shown literally; written with ``DOT/quoted(_:)``. Use for labels, tooltips,
    /// colours, positions — anything that is a plain string.
    case string(String)
    /// The body of an HTML-like label, written between `<` and `>` exactly as given.
    /// Escape any user text in it with ``DOT/htmlEscaped(_:)``.
    case html(String)
    /// Lines of text, each shown literally and aligned by `justification`.
    case lines([String], justification: Justification)
    /// Written verbatim: the caller guarantees it is a valid DOT ID (a number, a plain
    /// identifier or a correctly escaped quoted string).
    case raw(String)

    /// A number written compactly (see ``DOT/number(_:decimals:)``).
    public static func number(_ value: Double, decimals: Int = 2) -> DOTValue {
        .raw(DOT.number(value, decimals: decimals))
    }

    /// A node position in points, pinned with `!` for the `neato`-family layouts.
    public static func position(x: Double, y: Double, pinned: Bool = true) -> DOTValue {
        .raw("\"\(DOT.number(x)),\(DOT.number(y))\(pinned ? "!" : "")\"")
    }

    /// The value as it appears after `=` in DOT text.
    public var dotText: String {
        switch self {
        case .string(let text):
            return DOT.quoted(text)
        case .html(let body):
            return "<" + body + ">"
        case .lines(let lines, let justification):
            let terminator: String
            switch justification {
            case .left: terminator = "\\l"
            case .center: terminator = "\\n"
            case .right: terminator = "\\r"
            }
            // A line break inside one element would be centred; split it so every line
            // gets the requested justification.
            let all = lines.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            return "\"" + all.map { DOT.escaped(String($0)) + terminator }.joined() + "\""
        case .raw(let text):
            return text
        }
    }
}

extension DOTValue: ExpressibleByStringLiteral {
    /// A literal string is a ``string(_:)`` value.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension DOTValue: ExpressibleByIntegerLiteral {
    /// A literal integer is written as a DOT number.
    public init(integerLiteral value: Int) { self = .raw(String(value)) }
}

extension DOTValue: ExpressibleByFloatLiteral {
    /// A literal floating-point number is written compactly as a DOT number.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension DOTValue: ExpressibleByBooleanLiteral {
    /// A literal Boolean is written as `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .raw(value ? "true" : "false") }
}

/// An ordered list of DOT attributes; setting a key that is already present replaces its
/// value in place, so output order is the order keys were first set (deterministic DOT).
///
/// ```swift
/// var attributes: DOTAttributes = ["shape": "box", "label": .string(layerName)]
/// attributes["color"] = "gray40"
/// ```
public struct DOTAttributes: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    /// One `key=value` pair.
    public struct Entry: Sendable, Hashable {
        /// The attribute name, e.g. `label`.
        public var key: String
        /// The attribute value.
        public var value: DOTValue
    }

    /// The attributes in output order.
    public private(set) var entries: [Entry] = []

    /// Creates an empty attribute list.
    public init() {}

    /// Creates attributes from a dictionary literal, keeping its order; a repeated key
    /// keeps its first position and its last value.
    public init(dictionaryLiteral elements: (String, DOTValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Whether there are no attributes.
    public var isEmpty: Bool { entries.isEmpty }

    /// The value for `key`; assigning `nil` removes the attribute.
    public subscript(key: String) -> DOTValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue {
                    entries[index].value = newValue
                } else {
                    entries.remove(at: index)
                }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// `[k1=v1, k2=v2]`, or the empty string when there are no attributes.
    var bracketed: String {
        guard !entries.isEmpty else { return "" }
        return "[" + entries.map { DOT.id($0.key) + "=" + $0.value.dotText }
            .joined(separator: ", ") + "]"
    }
}
