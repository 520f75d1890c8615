import Foundation
import Tapestry
import TapestryIO

extension Model {
    /// Saves every parameter to a safetensors file, keyed by its dotted name
    /// (`dense_1.kernel`), so the weights load in PyTorch, JAX or NumPy too. The write is
    /// atomic: a crash leaves the previous file whole.
    public func save(weightsTo url: URL) throws {
        try weightsCheckpoint().write(to: url)
    }

    /// ``save(weightsTo:)-(URL)`` to a path held byte for byte: a name that is not UTF-8 is
    /// written under exactly that name.
    public func save(weightsTo path: FileSystemPath) throws {
        try AtomicFile.write(weightsCheckpoint().encoded(), to: path)
    }

    private func weightsCheckpoint() throws -> SafeTensors {
        try SafeTensors(
            tensors: namedParameters.map { (name: $0.name, tensor: $0.parameter.value) },
            metadata: ["framework": "tapestry", "model": name])
    }

    /// Loads every parameter from a safetensors file written by `save(weightsTo:)` (or by
    /// any tool using the same names and shapes).
    ///
    /// Everything is checked before anything is assigned: a missing tensor, a wrong shape,
    /// a wrong dtype, a truncated body or a malformed header throws an error naming the
    /// tensor or the byte offset, and leaves the model's weights unchanged.
    public func load(weightsFrom url: URL) throws {
        try assignWeights(from: SafeTensors(contentsOf: url), requireAll: false)
    }
}
