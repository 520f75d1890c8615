import Foundation
import Tapestry
import TapestryIO

// A whole-model file is ONE safetensors file: the weights as its tensors (named as
// `save(weightsTo:)` names them, so PyTorch, JAX or NumPy read them too) and the
// architecture as a JSON string in its `__metadata__` under `config` (Keras's
// `{"class_name", "config"}`), with `format: tapestry.model`, `format_version` and
// `dtype`. It reuses the bounded, validated safetensors reader, needs no archive format,
// and is written atomically in one piece.

/// The metadata keys and values of a whole-model file.
enum ModelFile {
    static let format = "tapestry.model"
    static let version = "1"
}

extension Model {
    /// The model's architecture as JSON (`{"class_name": "Sequential", "config": {…}}`),
    /// as a whole-model file stores it.
    ///
    /// - Throws: `ConfigurationError` naming a layer that is not a `ConfigurableLayer`.
    public func architectureJSON() throws -> String {
        try configurationEntry().jsonText
    }

    /// Saves the architecture and the weights into one file that `Model.load(from:)` reads
    /// back without the code that built the model (Keras's `model.save`). The write is
    /// atomic.
    ///
    /// - Throws: `ModelError.invalidModelFile` naming a layer that cannot be saved (not a
    ///   `ConfigurableLayer`, or an activation of your own); `FileWriteError` when the file
    ///   cannot be written.
    public func save(to url: URL) throws {
        try modelFile(source: url.path).write(to: url)
    }

    /// ``save(to:)-(URL)`` to a path held byte for byte: a name that is not UTF-8 is written
    /// under exactly that name.
    public func save(to path: FileSystemPath) throws {
        try AtomicFile.write(modelFile(source: path.description).encoded(), to: path)
    }

    /// The architecture and the weights as one checkpoint.
    private func modelFile(source: String) throws -> SafeTensors {
        let config: String
        do {
            config = try architectureJSON()
        } catch let error as ConfigurationError {
            throw ModelError.invalidModelFile(source: source, reason: "cannot save model \(name): \(error.message)")
        }
        return try SafeTensors(
            tensors: namedParameters.map { (name: $0.name, tensor: $0.parameter.value) },
            metadata: ["framework": "tapestry", "model": name, "format": ModelFile.format,
                       "format_version": ModelFile.version, "dtype": Self.dtypeName, "config": config])
    }

    /// Loads a model saved with `save(to:)`: rebuilds its layers from the stored
    /// architecture (user layers must be registered with `LayerRegistry`) and loads every
    /// weight, so its predictions are bit-identical to the saved model's.
    ///
    /// - Throws: `CheckpointError` for a file that is not valid safetensors (naming the path
    ///   and the byte offset or tensor); `ModelError.invalidModelFile` naming the path and
    ///   the reason for anything else: not a whole-model file, another dtype, a malformed
    ///   or inconsistent architecture, an unknown layer type, a missing, extra or misshapen
    ///   weight. Never traps on bad data.
    public static func load(from url: URL) throws -> Model<Scalar> {
        try load(from: SafeTensors(contentsOf: url), source: url.path)
    }

    /// Loads a whole-model file from its bytes; see `load(from:)`.
    public static func load(fromBytes bytes: [UInt8], source: String = "<memory>") throws -> Model<Scalar> {
        try load(from: SafeTensors(decoding: bytes, source: source), source: source)
    }

    private static func load(from checkpoint: SafeTensors, source: String) throws -> Model<Scalar> {
        func invalid(_ reason: String) -> ModelError { .invalidModelFile(source: source, reason: reason) }
        guard checkpoint.metadata["format"] == ModelFile.format, let config = checkpoint.metadata["config"] else {
            throw invalid("not a whole-model file (no \(ModelFile.format) config in its metadata; a weights-only file loads with load(weightsFrom:))")
        }
        guard checkpoint.metadata["format_version"] == ModelFile.version else {
            throw invalid("unsupported format_version \(checkpoint.metadata["format_version"].map { "\($0.prefix(16))" } ?? "(none)")")
        }
        if let dtype = checkpoint.metadata["dtype"], dtype != dtypeName {
            throw invalid("the model is \(dtype.prefix(16)), not \(dtypeName)")
        }
        let model = try architecture(fromJSON: Array(config.utf8), source: source)
        do {
            try model.assignWeights(from: checkpoint, requireAll: true)
        } catch let error as ConfigurationError {
            throw invalid(error.message)
        }
        return model
    }

    /// Rebuilds a model, with freshly initialised weights, from architecture JSON written by
    /// `architectureJSON()`; its layers may allocate at most `maximumParameterCount`
    /// parameter scalars in all (2²⁸ by default), so a corrupt file cannot exhaust memory.
    ///
    /// - Throws: `ModelError.invalidModelFile` naming `source` and the reason.
    public static func architecture(
        fromJSON bytes: [UInt8], source: String = "<config>", maximumParameterCount: Int = LayerConfiguration.maximumScalarCount
    ) throws -> Model<Scalar> {
        func invalid(_ reason: String) -> ModelError { .invalidModelFile(source: source, reason: reason) }
        let entry: ConfigurationValue
        do {
            entry = try ConfigurationValue(StrictJSONParser.parse(bytes))
        } catch {
            throw invalid("malformed config JSON \(error)")
        }
        let built: any Layer<Scalar>
        do {
            built = try ParameterBudget.$current.withValue(ParameterBudget(limit: maximumParameterCount)) {
                try layer(from: entry)
            }
        } catch let error as ConfigurationError {
            throw invalid(error.message)
        } catch let error as ModelError {
            throw invalid("\(error)")
        }
        guard let model = built as? Model<Scalar> else {
            throw invalid("the config describes a \(built.typeName) layer, not a model")
        }
        return model
    }

    /// Checks every parameter against `checkpoint` (present, same shape; with `requireAll`
    /// no tensor left over) and then assigns them all, or none.
    func assignWeights(from checkpoint: SafeTensors, requireAll: Bool) throws {
        let named = namedParameters
        let values = try named.map { name, parameter -> Tensor<Scalar> in
            let value: Tensor<Scalar> = try checkpoint.tensor(name)
            guard value.shape == parameter.value.shape else {
                throw CheckpointError(source: checkpoint.source, reason: .invalidEntry(
                    tensor: name,
                    detail: "has shape \(value.shape) but the model's parameter has shape \(parameter.value.shape)"))
            }
            return value
        }
        if requireAll, checkpoint.entries.count != named.count {
            let expected = Set(named.map(\.name))
            let extra = checkpoint.names.filter { !expected.contains($0) }
            throw ConfigurationError("tensor \(extra.first.map { "\($0.prefix(64))" } ?? "?") matches no parameter of the model")
        }
        for ((_, parameter), value) in zip(named, values) { parameter.value = value }
    }
}
