import Foundation
import Tapestry
import TapestryIO

/// The safetensors layout of a `TrainingState` (`BackupAndRestore`'s file) and of an
/// optimizer's state next to a model's weights (`ModelCheckpoint(includesOptimizerState:)`).
///
/// Weights go under their dotted names, optimizer slots under `optimizer/<parameter>/<slot>`;
/// the rest is JSON in the metadata key `tapestry_training_state`, with every floating-point
/// sum and the generator's words written as hexadecimal bit patterns, so nothing is rounded.
enum TrainingStateFile {
    /// The metadata key of the JSON header.
    static let headerKey = "tapestry_training_state"
    /// The metadata key of the optimizer's step and slot names in a weights checkpoint.
    static let optimizerKey = "tapestry_optimizer_state"
    /// The layout version written; reading refuses others.
    static let version = 1

    /// A running mean's sums, exactly.
    struct Sums: Codable {
        var totalBits: String
        var count: Int
    }

    /// The optimizer's step count and slot names.
    struct OptimizerHeader: Codable {
        var step: Int
        var slotNames: [String]
    }

    /// Everything but the tensors.
    struct Header: Codable {
        var version: Int
        var epochsCompleted: Int
        var stepsCompleted: Int
        var sampleOrder: [Int]
        var generatorState: [String]
        var layerGenerators: [String: [String]]
        var history: History
        var learningRateBits: String
        var optimizer: OptimizerHeader?
        var runningLoss: Sums?
        var runningMetrics: [String: Sums]
    }

    static func hex(_ bits: UInt64) -> String { String(bits, radix: 16) }
    static func hex(_ value: Double) -> String { hex(value.bitPattern) }

    static func bits(_ text: String, _ what: String, _ source: String) throws -> UInt64 {
        guard let bits = UInt64(text, radix: 16) else {
            throw ModelError.invalidArgument("\(source): \(what) '\(text.prefix(32))' is not a hexadecimal bit pattern")
        }
        return bits
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Adds the optimizer slots of `snapshot` (for `names`, in order) to `checkpoint`.
    static func add<Scalar: TensorScalar>(_ snapshot: OptimizerSnapshot<Scalar>, names: [String], to checkpoint: inout SafeTensors) {
        for (name, slots) in zip(names, snapshot.slots) {
            for (slotName, slot) in zip(snapshot.slotNames, slots) {
                checkpoint.setTensor(slot, named: "optimizer/\(name)/\(slotName)")
            }
        }
    }

    /// The optimizer slots in `checkpoint` for `names`, in order (empty where absent).
    static func snapshot<Scalar: TensorScalar>(
        _ header: OptimizerHeader, names: [String], in checkpoint: SafeTensors, as _: Scalar.Type
    ) throws -> OptimizerSnapshot<Scalar> {
        let slots = try names.map { name -> [Tensor<Scalar>] in
            guard let first = header.slotNames.first, checkpoint.entries["optimizer/\(name)/\(first)"] != nil else { return [] }
            return try header.slotNames.map { try checkpoint.tensor("optimizer/\(name)/\($0)") }
        }
        return OptimizerSnapshot(step: header.step, slotNames: header.slotNames, slots: slots)
    }

    /// The file's contents for `state` of `model`.
    static func checkpoint<Scalar: TensorScalar>(of state: TrainingState<Scalar>, for model: Model<Scalar>) throws -> SafeTensors {
        let header = Header(
            version: version, epochsCompleted: state.epochsCompleted, stepsCompleted: state.stepsCompleted,
            sampleOrder: state.sampleOrder, generatorState: state.generatorState.map { hex($0) },
            layerGenerators: state.layerGenerators.mapValues { $0.map { hex($0) } }, history: state.history,
            learningRateBits: hex(state.learningRate),
            optimizer: state.optimizer.map { OptimizerHeader(step: $0.step, slotNames: $0.slotNames) },
            runningLoss: state.runningLoss.map { Sums(totalBits: hex($0.total), count: $0.count) },
            runningMetrics: state.runningMetrics.mapValues { Sums(totalBits: hex($0.total), count: $0.count) })
        let json = String(decoding: try encoder().encode(header), as: UTF8.self)
        var checkpoint = try SafeTensors(
            tensors: state.weights.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) },
            metadata: ["framework": "tapestry", "model": model.name, headerKey: json])
        if let snapshot = state.optimizer { add(snapshot, names: model.trainableParameterNames, to: &checkpoint) }
        return checkpoint
    }

    /// The state in `checkpoint`, read for `model`.
    static func state<Scalar: TensorScalar>(from checkpoint: SafeTensors, for model: Model<Scalar>) throws -> TrainingState<Scalar> {
        guard let json = checkpoint.metadata[headerKey] else {
            throw ModelError.invalidArgument("\(checkpoint.source): not a training backup (no '\(headerKey)' metadata)")
        }
        let header: Header
        do {
            header = try decoder().decode(Header.self, from: Data(json.utf8))
        } catch {
            throw ModelError.invalidArgument("\(checkpoint.source): the training state is malformed: \(error)")
        }
        guard header.version == version else {
            throw ModelError.invalidArgument("\(checkpoint.source): training state version \(header.version), this build reads \(version)")
        }
        var weights: [String: Tensor<Scalar>] = [:]
        for (name, _) in model.namedParameters where checkpoint.entries[name] != nil {
            weights[name] = try checkpoint.tensor(name)
        }
        let source = checkpoint.source
        func sums(_ sums: Sums) throws -> TrainingState<Scalar>.RunningMean {
            .init(total: Double(bitPattern: try bits(sums.totalBits, "a running sum", source)), count: sums.count)
        }
        return TrainingState(
            epochsCompleted: header.epochsCompleted, stepsCompleted: header.stepsCompleted, sampleOrder: header.sampleOrder,
            generatorState: try header.generatorState.map { try bits($0, "a generator word", source) },
            layerGenerators: try header.layerGenerators.mapValues { try $0.map { try bits($0, "a layer's generator word", source) } },
            history: header.history, weights: weights,
            optimizer: try header.optimizer.map {
                try snapshot($0, names: model.trainableParameterNames, in: checkpoint, as: Scalar.self)
            },
            learningRate: Double(bitPattern: try bits(header.learningRateBits, "the learning rate", source)),
            runningLoss: try header.runningLoss.map(sums), runningMetrics: try header.runningMetrics.mapValues(sums))
    }
}

extension Model {
    /// Saves the weights, as `save(weightsTo:)` does, together with the compiled optimizer's
    /// state (its step count and slots, as `optimizer/<parameter>/<slot>`), so that
    /// `load(optimizerStateFrom:)` can continue training with the same moments.
    ///
    /// - Throws: `ModelError.notCompiled` before `compile`, `ModelError.invalidArgument` for
    ///   an optimizer that is not a `CheckpointableOptimizer`, or the write's error.
    public func save(weightsAndOptimizerStateTo url: URL) throws {
        guard let optimizer = try requireConfiguration(for: "save(weightsAndOptimizerStateTo:)").optimizer
            as? any CheckpointableOptimizer<Scalar>
        else {
            throw ModelError.invalidArgument("save(weightsAndOptimizerStateTo:): the optimizer cannot save its state")
        }
        let snapshot = optimizer.snapshot(of: trainableParameters)
        let header = TrainingStateFile.OptimizerHeader(step: snapshot.step, slotNames: snapshot.slotNames)
        var checkpoint = try SafeTensors(
            tensors: namedParameters.map { (name: $0.name, tensor: $0.parameter.value) },
            metadata: ["framework": "tapestry", "model": name,
                       TrainingStateFile.optimizerKey: String(decoding: try TrainingStateFile.encoder().encode(header), as: UTF8.self)])
        TrainingStateFile.add(snapshot, names: trainableParameterNames, to: &checkpoint)
        try checkpoint.write(to: url)
    }

    /// Restores the compiled optimizer's state (step count and slots) from a file written by
    /// `save(weightsAndOptimizerStateTo:)` or `ModelCheckpoint(includesOptimizerState: true)`;
    /// load the weights with `load(weightsFrom:)`.
    ///
    /// - Throws: `ModelError` before `compile`, for an optimizer that cannot be restored, or a
    ///   file without optimizer state or with other slots; `CheckpointError` for a bad file.
    ///   The optimizer is unchanged when it throws.
    public func load(optimizerStateFrom url: URL) throws {
        guard let optimizer = try requireConfiguration(for: "load(optimizerStateFrom:)").optimizer
            as? any CheckpointableOptimizer<Scalar>
        else {
            throw ModelError.invalidArgument("load(optimizerStateFrom:): the optimizer cannot restore a state")
        }
        let checkpoint = try SafeTensors(contentsOf: url)
        guard let json = checkpoint.metadata[TrainingStateFile.optimizerKey],
              let header = try? TrainingStateFile.decoder().decode(TrainingStateFile.OptimizerHeader.self, from: Data(json.utf8))
        else {
            throw ModelError.invalidArgument("load(optimizerStateFrom:): \(url.path) holds no optimizer state")
        }
        let snapshot = try TrainingStateFile.snapshot(header, names: trainableParameterNames, in: checkpoint, as: Scalar.self)
        try optimizer.restore(snapshot, for: trainableParameters)
    }
}
