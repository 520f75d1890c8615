import Foundation
import Tapestry

/// A layer that can be written to a whole-model file and rebuilt from it without the code
/// that built it: it describes its settings as a `LayerConfiguration` and is created again
/// from one (its weights are restored afterwards, by parameter name).
///
/// The built-in layers conform. Conform your own layer and register it, once per scalar
/// type, before loading a file that uses it:
///
/// ```swift
/// final class Scale: ConfigurableLayer {
///     static var configurationName: String { "Scale" }
///     var name: String
///     let factor: Double
///     init(factor: Double, name: String = "") { self.factor = factor; self.name = name }
///     convenience init(configuration: LayerConfiguration) throws {
///         try self.init(factor: configuration.double("factor"), name: configuration.string("name"))
///     }
///     var configuration: LayerConfiguration { ["name": .string(name), "factor": .double(factor)] }
///     func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> { x * Float(factor) }
///     func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
/// }
/// LayerRegistry.register(Scale.self)
/// ```
public protocol ConfigurableLayer<Scalar>: Layer {
    /// The name the file records for the type (`Dense`), unique among registered layers.
    static var configurationName: String { get }

    /// The layer's settings, including its `name`.
    var configuration: LayerConfiguration { get throws }

    /// Rebuilds a layer from settings written by `configuration`; its parameters may hold
    /// any values (they are loaded afterwards).
    ///
    /// - Throws: `ConfigurationError` (or any error) naming what is missing or invalid.
    init(configuration: LayerConfiguration) throws
}

extension LayerConfiguration: ExpressibleByDictionaryLiteral {
    /// `["units": .int(64)]`.
    public init(dictionaryLiteral elements: (String, ConfigurationValue)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}

/// The layer types a whole-model file may name, by `configurationName` and scalar type:
/// the built-in layers, and the ones you register.
public enum LayerRegistry {
    private static let storage = Storage()

    private final class Storage: @unchecked Sendable {
        let lock = NSLock()
        var types: [String: Any.Type] = [:]
    }

    /// Makes `type` loadable from whole-model files under `type.configurationName`
    /// (replacing any type registered under that name for the same scalar type).
    public static func register<L: ConfigurableLayer>(_ type: L.Type) {
        registerBuiltInsOnce
        add(type)
    }

    private static func add<L: ConfigurableLayer>(_ type: L.Type) {
        storage.lock.lock()
        defer { storage.lock.unlock() }
        storage.types[key(L.configurationName, L.Scalar.self)] = type
    }

    /// The type registered under `name` for `Scalar`, if any.
    public static func layerType<Scalar: TensorScalar>(named name: String, scalar: Scalar.Type = Scalar.self) -> (any ConfigurableLayer<Scalar>.Type)? {
        registerBuiltInsOnce
        storage.lock.lock()
        defer { storage.lock.unlock() }
        return storage.types[key(name, Scalar.self)] as? any ConfigurableLayer<Scalar>.Type
    }

    /// The names registered for `Scalar`, sorted.
    public static func registeredNames<Scalar: TensorScalar>(for scalar: Scalar.Type) -> [String] {
        registerBuiltInsOnce
        storage.lock.lock()
        defer { storage.lock.unlock() }
        let suffix = "|" + Scalar.dtypeName
        return storage.types.keys.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }

    private static func key<Scalar: TensorScalar>(_ name: String, _ scalar: Scalar.Type) -> String {
        name + "|" + Scalar.dtypeName
    }

    private static let registerBuiltInsOnce: Void = {
        func builtIns<S: TensorScalar>(_: S.Type) {
            add(Dense<S>.self)
            add(Flatten<S>.self)
            add(ReLU<S>.self)
            add(Softmax<S>.self)
            add(Conv2D<S>.self)
            add(MaxPooling2D<S>.self)
            add(AveragePooling2D<S>.self)
            add(GlobalAveragePooling2D<S>.self)
            add(Dropout<S>.self)
            add(BatchNormalization<S>.self)
            add(Reshape<S>.self)
            add(Add<S>.self)
            add(Multiply<S>.self)
            add(Average<S>.self)
            add(Concatenate<S>.self)
            add(Sequential<S>.self)
            add(Functional<S>.self)
        }
        builtIns(Float.self)
        builtIns(Double.self)
    }()
}

extension Layer {
    /// `{"class_name": "Dense", "config": {…}}`, or an error naming the layer when it is not
    /// a `ConfigurableLayer`.
    func configurationEntry() throws -> ConfigurationValue {
        guard let configurable = self as? any ConfigurableLayer<Scalar> else {
            throw ConfigurationError(
                "layer \(name) (\(typeName)) cannot be saved in a whole-model file: it is not a ConfigurableLayer; save its weights with save(weightsTo:) instead")
        }
        return .object(["class_name": .string(type(of: configurable).configurationName),
                        "config": .object(try configurable.configuration.values)])
    }
}

/// Rebuilds a layer from `{"class_name": …, "config": {…}}` through the registry.
func layer<Scalar: TensorScalar>(from entry: ConfigurationValue, scalar: Scalar.Type = Scalar.self) throws -> any Layer<Scalar> {
    guard case .object(let members) = entry, case .string(let className)? = members["class_name"],
          case .object(let values)? = members["config"] else {
        throw ConfigurationError("a layer entry must be an object with a string class_name and an object config")
    }
    guard let type = LayerRegistry.layerType(named: className, scalar: Scalar.self) else {
        let name = if case .string(let name)? = values["name"] { " (layer \(name))" } else { "" }
        throw ConfigurationError(
            "unknown layer type \"\(className.prefix(64))\"\(name); register it with LayerRegistry.register(_:) "
            + "(known: \(LayerRegistry.registeredNames(for: Scalar.self).joined(separator: ", ")))")
    }
    do {
        return try type.init(configuration: LayerConfiguration(values))
    } catch let error as ConfigurationError {
        let name = if case .string(let name)? = values["name"] { "\(name.prefix(64)) " } else { "" }
        throw ConfigurationError("layer \(name)(\(className)): \(error.message)")
    }
}
