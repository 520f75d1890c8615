import Tapestry

// The convolutional layers' configurations, in Keras's vocabulary (`filters`, `kernel_size`,
// `pool_size`, `rate`). Every value is range-checked before a layer is made, so a corrupt
// file is an error, never a trap.

extension LayerConfiguration {
    /// A `[height, width]` pair of positive integers under `key` (at most 2¹⁶ each).
    func pair(_ key: String) throws -> (height: Int, width: Int) {
        let values = try shape(key)
        guard values.count == 2, values.allSatisfy({ $0 <= 1 << 16 }) else {
            throw ConfigurationError("\(key) must be [height, width] of positive integers up to 65536")
        }
        return (values[0], values[1])
    }

    /// `valid` or `same` under `key`.
    func padding(_ key: String) throws -> Padding {
        let text = try string(key)
        guard let padding = Padding(rawValue: text) else {
            throw ConfigurationError("\(key) must be \"valid\" or \"same\", got \"\(text.prefix(32))\"")
        }
        return padding
    }

    /// A finite number under `key` in `range`.
    func number(_ key: String, in range: ClosedRange<Double>) throws -> Double {
        let value = try double(key)
        guard value.isFinite, range.contains(value) else {
            throw ConfigurationError("\(key) must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}

/// `[h, w]` as a configuration value.
private func pairValue(_ pair: (height: Int, width: Int)) -> ConfigurationValue {
    .array([.int(pair.height), .int(pair.width)])
}

extension Conv2D: ConfigurableLayer {
    /// `Conv2D`.
    public static var configurationName: String { "Conv2D" }

    /// `name`, `input_channels`, `filters`, `kernel_size`, `strides`, `padding`,
    /// `dilation_rate` and `activation`.
    ///
    /// - Throws: `ConfigurationError` for an activation of your own.
    public var configuration: LayerConfiguration {
        get throws {
            guard Activation(named: activation.name) != nil else {
                throw ConfigurationError("layer \(name) (Conv2D): activation \(activation.name) is not built in and cannot be saved")
            }
            return ["name": .string(name), "input_channels": .int(inputChannels), "filters": .int(filters),
                    "kernel_size": pairValue(kernelSize), "strides": pairValue(strides),
                    "padding": .string(padding.rawValue), "dilation_rate": pairValue(dilation),
                    "activation": .string(activation.name)]
        }
    }

    /// A layer of the configured shape (weights initialised, to be loaded).
    public convenience init(configuration: LayerConfiguration) throws {
        let name = try configuration.string("name")
        let inputChannels = try configuration.int("input_channels", in: 1...(1 << 16))
        let filters = try configuration.int("filters", in: 1...(1 << 16))
        let kernelSize = try configuration.pair("kernel_size")
        let count = try LayerConfiguration.checkedScalarCount(
            [kernelSize.height, kernelSize.width, inputChannels, filters], what: "the kernel")
        try LayerConfiguration.reserveParameters(count + filters, for: name)
        let activationName = try configuration.string("activation")
        guard let activation = Activation(named: activationName) else {
            throw ConfigurationError("unknown activation \"\(activationName.prefix(64))\"")
        }
        self.init(inputChannels: inputChannels, filters: filters, kernelSize: kernelSize,
                  strides: try configuration.pair("strides"), padding: try configuration.padding("padding"),
                  dilation: try configuration.pair("dilation_rate"), activation: activation, seed: 0, name: name)
    }
}

extension MaxPooling2D: ConfigurableLayer {
    /// `MaxPooling2D`.
    public static var configurationName: String { "MaxPooling2D" }

    /// `name`, `pool_size`, `strides` and `padding`.
    public var configuration: LayerConfiguration {
        ["name": .string(name), "pool_size": pairValue(poolSize), "strides": pairValue(strides),
         "padding": .string(padding.rawValue)]
    }

    /// The configured pooling layer.
    public convenience init(configuration: LayerConfiguration) throws {
        self.init(poolSize: try configuration.pair("pool_size"), strides: try configuration.pair("strides"),
                  padding: try configuration.padding("padding"), name: try configuration.string("name"))
    }
}

extension AveragePooling2D: ConfigurableLayer {
    /// `AveragePooling2D`.
    public static var configurationName: String { "AveragePooling2D" }

    /// `name`, `pool_size`, `strides` and `padding`.
    public var configuration: LayerConfiguration {
        ["name": .string(name), "pool_size": pairValue(poolSize), "strides": pairValue(strides),
         "padding": .string(padding.rawValue)]
    }

    /// The configured pooling layer.
    public convenience init(configuration: LayerConfiguration) throws {
        self.init(poolSize: try configuration.pair("pool_size"), strides: try configuration.pair("strides"),
                  padding: try configuration.padding("padding"), name: try configuration.string("name"))
    }
}

extension GlobalAveragePooling2D: ConfigurableLayer, NameOnlyConfigurable {
    /// `GlobalAveragePooling2D`.
    public static var configurationName: String { "GlobalAveragePooling2D" }
}

extension Dropout: ConfigurableLayer {
    /// `Dropout`.
    public static var configurationName: String { "Dropout" }

    /// `name` and `rate` (the masks' seed is not saved: a loaded model drops afresh).
    public var configuration: LayerConfiguration { ["name": .string(name), "rate": .double(rate)] }

    /// The configured dropout layer.
    public convenience init(configuration: LayerConfiguration) throws {
        let rate = try configuration.number("rate", in: 0...0.999_999)
        self.init(rate: rate, name: try configuration.string("name"))
    }
}

extension BatchNormalization: ConfigurableLayer {
    /// `BatchNormalization`.
    public static var configurationName: String { "BatchNormalization" }

    /// `name`, `feature_count`, `momentum` and `epsilon` (the moving statistics are weights).
    public var configuration: LayerConfiguration {
        ["name": .string(name), "feature_count": .int(featureCount),
         "momentum": .double(Double(momentum)), "epsilon": .double(Double(epsilon))]
    }

    /// The configured layer (statistics initialised, to be loaded).
    public convenience init(configuration: LayerConfiguration) throws {
        let name = try configuration.string("name")
        let features = try configuration.int("feature_count", in: 1...LayerConfiguration.maximumScalarCount)
        try LayerConfiguration.reserveParameters(4 * features, for: name)
        self.init(featureCount: features, momentum: Scalar(try configuration.number("momentum", in: 0...1)),
                  epsilon: Scalar(try configuration.number("epsilon", in: 0...1)), name: name)
    }
}

extension Reshape: ConfigurableLayer {
    /// `Reshape`.
    public static var configurationName: String { "Reshape" }

    /// `name` and `target_shape` (one entry may be -1).
    public var configuration: LayerConfiguration {
        ["name": .string(name), "target_shape": .array(targetShape.map { .int($0) })]
    }

    /// The configured reshaping layer.
    public convenience init(configuration: LayerConfiguration) throws {
        let values = try configuration.array("target_shape").map { value -> Int in
            guard case .int(let dimension) = value, dimension == -1 || (dimension > 0 && dimension <= LayerConfiguration.maximumScalarCount) else {
                throw ConfigurationError("target_shape must list positive integers and at most one -1")
            }
            return dimension
        }
        guard !values.isEmpty, values.count <= 8, values.filter({ $0 == -1 }).count <= 1 else {
            throw ConfigurationError("target_shape must have 1 to 8 dimensions and at most one -1")
        }
        _ = try LayerConfiguration.checkedScalarCount(values.map { Swift.max($0, 1) }, what: "target_shape")
        self.init(values, name: try configuration.string("name"))
    }
}
