import Tapestry

// The built-in layers' configurations, in Keras's vocabulary where it has one (`units`).

extension Dense: ConfigurableLayer {
    /// `Dense`.
    public static var configurationName: String { "Dense" }

    /// `name`, `input_size`, `units` and `activation` (a built-in activation's name).
    ///
    /// - Throws: `ConfigurationError` for an activation of your own, which a file cannot name.
    public var configuration: LayerConfiguration {
        get throws {
            guard Activation(named: activation.name) != nil else {
                throw ConfigurationError("layer \(name) (Dense): activation \(activation.name) is not built in and cannot be saved")
            }
            return ["name": .string(name), "input_size": .int(inputSize), "units": .int(outputSize),
                    "activation": .string(activation.name)]
        }
    }

    /// A layer of the configured sizes and activation (weights initialised, to be loaded).
    public convenience init(configuration: LayerConfiguration) throws {
        let inputSize = try configuration.int("input_size", in: 1...LayerConfiguration.maximumScalarCount)
        let units = try configuration.int("units", in: 1...LayerConfiguration.maximumScalarCount)
        let kernelSize = try LayerConfiguration.checkedScalarCount([inputSize, units], what: "the kernel")
        let name = try configuration.string("name")
        try LayerConfiguration.reserveParameters(kernelSize + units, for: name)
        let activationName = try configuration.string("activation")
        guard let activation = Activation(named: activationName) else {
            throw ConfigurationError("unknown activation \"\(activationName.prefix(64))\"")
        }
        self.init(inputSize: inputSize, outputSize: units, activation: activation, seed: 0, name: name)
    }
}

extension Activation {
    /// The built-in activation Keras calls `name` (`relu`, `leaky_relu(0.2)`), if any.
    init?(named name: String) {
        switch name {
        case "linear": self = .linear
        case "relu": self = .relu
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "softmax": self = .softmax
        default:
            guard name.hasPrefix("leaky_relu("), name.hasSuffix(")"),
                  let slope = Double(name.dropFirst("leaky_relu(".count).dropLast()), slope.isFinite,
                  Activation.leakyRelu(slope: slope).name == name else { return nil }
            self = .leakyRelu(slope: slope)
        }
    }
}

/// A layer whose only setting is its name.
protocol NameOnlyConfigurable: ConfigurableLayer {
    init(name: String)
}

extension NameOnlyConfigurable {
    /// `name`.
    public var configuration: LayerConfiguration { ["name": .string(name)] }
    /// The layer with the configured name.
    public init(configuration: LayerConfiguration) throws { self.init(name: try configuration.string("name")) }
}

extension Flatten: ConfigurableLayer, NameOnlyConfigurable {
    /// `Flatten`.
    public static var configurationName: String { "Flatten" }
}

extension ReLU: ConfigurableLayer, NameOnlyConfigurable {
    /// `ReLU`.
    public static var configurationName: String { "ReLU" }
}

extension Softmax: ConfigurableLayer, NameOnlyConfigurable {
    /// `Softmax`.
    public static var configurationName: String { "Softmax" }
}

extension Add: ConfigurableLayer, NameOnlyConfigurable {
    /// `Add`.
    public static var configurationName: String { "Add" }
}

extension Multiply: ConfigurableLayer, NameOnlyConfigurable {
    /// `Multiply`.
    public static var configurationName: String { "Multiply" }
}

extension Average: ConfigurableLayer, NameOnlyConfigurable {
    /// `Average`.
    public static var configurationName: String { "Average" }
}

extension Concatenate: ConfigurableLayer {
    /// `Concatenate`.
    public static var configurationName: String { "Concatenate" }

    /// `name` and `axis`.
    public var configuration: LayerConfiguration { ["name": .string(name), "axis": .int(axis)] }

    /// The layer with the configured name and axis.
    public convenience init(configuration: LayerConfiguration) throws {
        self.init(axis: try configuration.int("axis", in: -8...8), name: try configuration.string("name"))
    }
}
