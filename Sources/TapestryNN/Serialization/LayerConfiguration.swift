import Tapestry
import TapestryIO

/// A layer's settings by name (`units`, `activation`), as the `config` object of Keras's
/// model JSON: what `ConfigurableLayer` writes and reads back to rebuild the layer.
///
/// The typed accessors throw an error naming the key and what was expected, so a corrupt
/// file never traps.
public struct LayerConfiguration: Sendable, Equatable {
    /// The settings.
    public var values: [String: ConfigurationValue]

    /// Creates a configuration.
    public init(_ values: [String: ConfigurationValue] = [:]) { self.values = values }

    /// The value for `key`, if any.
    public subscript(key: String) -> ConfigurationValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The integer under `key`, in `range`.
    public func int(_ key: String, in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard case .int(let value)? = values[key] else { throw ConfigurationError("\(key) must be an integer") }
        guard range.contains(value) else { throw ConfigurationError("\(key) must be in \(range.lowerBound)...\(range.upperBound), got \(value)") }
        return value
    }

    /// The number under `key` (an integer is accepted).
    public func double(_ key: String) throws -> Double {
        switch values[key] {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: throw ConfigurationError("\(key) must be a number")
        }
    }

    /// The string under `key`.
    public func string(_ key: String) throws -> String {
        guard case .string(let value)? = values[key] else { throw ConfigurationError("\(key) must be a string") }
        return value
    }

    /// The boolean under `key`.
    public func bool(_ key: String) throws -> Bool {
        guard case .bool(let value)? = values[key] else { throw ConfigurationError("\(key) must be true or false") }
        return value
    }

    /// The list under `key`.
    public func array(_ key: String) throws -> [ConfigurationValue] {
        guard case .array(let value)? = values[key] else { throw ConfigurationError("\(key) must be a list") }
        return value
    }

    /// A sample shape under `key`: a non-empty list of positive integers whose product is
    /// at most `LayerConfiguration.maximumScalarCount`.
    public func shape(_ key: String) throws -> [Int] {
        let shape = try array(key).map { value -> Int in
            guard case .int(let dimension) = value, dimension > 0, dimension <= Self.maximumScalarCount else {
                throw ConfigurationError("\(key) must list positive integers")
            }
            return dimension
        }
        guard !shape.isEmpty, shape.count <= 8 else { throw ConfigurationError("\(key) must have 1 to 8 dimensions") }
        _ = try Self.checkedScalarCount(shape, what: key)
        return shape
    }

    /// The largest tensor a configuration may ask for (2²⁸ scalars): a corrupt file must not
    /// make the reader allocate without bound.
    public static let maximumScalarCount = 1 << 28

    /// Reserves `count` parameter scalars of the model being read against its budget (see
    /// `Model.architecture(fromJSON:source:maximumParameterCount:)`); layers call it before
    /// allocating their parameters.
    ///
    /// - Throws: `ConfigurationError` when the model's parameters would exceed the budget.
    public static func reserveParameters(_ count: Int, for layer: String) throws {
        guard let budget = ParameterBudget.current else { return }
        guard count <= budget.remaining else {
            throw ConfigurationError("layer \(layer.prefix(64)) would take the model past \(budget.limit) parameters")
        }
        budget.remaining -= count
    }

    /// The product of `shape`, or an error when it exceeds `maximumScalarCount`.
    public static func checkedScalarCount(_ shape: [Int], what: String) throws -> Int {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= maximumScalarCount else {
                throw ConfigurationError("\(what) \(shape) holds more than \(maximumScalarCount) scalars")
            }
            count = product
        }
        return count
    }
}

/// How many parameter scalars the model being read may still allocate.
final class ParameterBudget: @unchecked Sendable {
    let limit: Int
    var remaining: Int
    init(limit: Int) {
        self.limit = limit
        self.remaining = limit
    }
    @TaskLocal static var current: ParameterBudget?
}

/// Why a model configuration cannot be read (a message naming the key or layer).
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
