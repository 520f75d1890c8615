import Foundation
import Tapestry

// The safetensors checkpoint format (https://github.com/huggingface/safetensors):
//
//     [8 bytes]  N, the header length, a little-endian UInt64
//     [N bytes]  a UTF-8 JSON object, padded with spaces so the data starts 8-byte aligned:
//                {"__metadata__": {"key": "value", …},
//                 "name": {"dtype": "F32", "shape": [784, 64], "data_offsets": [begin, end]}, …}
//     [rest]     the data section: each tensor's scalars, row-major and little-endian, at
//                [begin, end) relative to the start of the data section, with no gaps
//
// Files written here load with the Python `safetensors` package, PyTorch and NumPy.

/// The contents of a safetensors checkpoint: named tensors plus string metadata.
///
/// ```swift
/// var checkpoint = SafeTensors(metadata: ["epoch": "5"])
/// checkpoint.setTensor(kernel, named: "dense_1.kernel")
/// try checkpoint.write(to: url)
///
/// let loaded = try SafeTensors(contentsOf: url)
/// let restored = try loaded.tensor("dense_1.kernel", as: Float.self)
/// ```
///
/// **Deterministic files.** Encoding the same tensors and metadata always gives the same
/// bytes: metadata keys are sorted; tensors are laid out (and listed in the header) by
/// dtype size, largest first, then by name — the order the Python `safetensors` package
/// uses, so 8-byte scalars stay 8-byte aligned — which for a one-dtype checkpoint is
/// simply name order. The header is compact JSON padded with spaces to a multiple of 8.
///
/// **Reading** validates the whole file before returning (see `init(decoding:source:)`).
/// Entries of any standard safetensors dtype are kept as raw bytes; only F32 and F64 can be
/// turned into tensors.
public struct SafeTensors: Sendable {
    /// The largest header accepted when reading, in bytes (100 MB, as in the reference
    /// implementation); a larger length means a corrupt or foreign file.
    public static let maximumHeaderLength = 100_000_000

    /// The tensors by name.
    public var entries: [String: Entry]
    /// Free-form string metadata (`__metadata__` in the header), e.g. `["format": "pt"]`.
    public var metadata: [String: String]
    /// Where the checkpoint was read from, used in error messages; `<memory>` otherwise.
    public var source: String

    /// Creates an empty checkpoint.
    public init(metadata: [String: String] = [:]) {
        self.entries = [:]
        self.metadata = metadata
        self.source = "<memory>"
    }

    /// Creates a checkpoint from named tensors.
    ///
    /// - Throws: `CheckpointError` if two tensors share a name or one is named `__metadata__`.
    public init<S: TensorScalar>(tensors: [(name: String, tensor: Tensor<S>)], metadata: [String: String] = [:]) throws {
        self.init(metadata: metadata)
        for (name, tensor) in tensors {
            guard name != Self.metadataKey else {
                throw CheckpointError(source: source, reason: .reservedName(name))
            }
            guard entries[name] == nil else {
                throw CheckpointError(source: source, reason: .duplicateTensor(name: name))
            }
            entries[name] = Entry(tensor)
        }
    }

    /// Reads and validates the checkpoint file at `url`.
    ///
    /// - Throws: `CheckpointError` naming the path: the file cannot be read, or any problem
    ///   listed under `init(decoding:source:)`.
    public init(contentsOf url: URL) throws {
        let bytes = try readFileBytes(at: url)
        try self.init(decoding: bytes, source: url.path)
    }

    /// Stores `tensor` under `name`, replacing any tensor of that name.
    public mutating func setTensor<S: TensorScalar>(_ tensor: Tensor<S>, named name: String) {
        entries[name] = Entry(tensor)
    }

    /// The tensor names, in the order they are laid out in the file.
    public var names: [String] { orderedEntries.map(\.name) }

    /// The tensor `name` as a `Tensor<S>`.
    ///
    /// An F32 tensor can be read as `Double` (widening is exact); an F64 tensor is *not*
    /// narrowed to `Float`, which could silently lose precision: read it as `Double` and
    /// convert explicitly with `Tensor<Float>(converting:)` if that is what you mean.
    ///
    /// - Throws: `CheckpointError` with reason `.tensorNotFound`, `.dtypeMismatch` (F64 as
    ///   F32), or `.unsupportedDType` (any other stored dtype, e.g. F16, BF16 or I64).
    public func tensor<S: TensorScalar>(_ name: String, as type: S.Type = S.self) throws -> Tensor<S> {
        guard let entry = entries[name] else {
            throw CheckpointError(source: source, reason: .tensorNotFound(name: name, available: names))
        }
        return try entry.tensor(named: name, as: type, source: source)
    }

    /// Writes the checkpoint to `url` atomically, through `AtomicFile`: a crash or a failure
    /// leaves the previous file whole and no temporary file behind.
    ///
    /// - Throws: `CheckpointError` with reason `.reservedName` if the checkpoint cannot be
    ///   encoded (nothing is written then); `FileWriteError` naming the path and the system's
    ///   reason if the file cannot be written.
    public func write(to url: URL) throws {
        var target = self
        target.source = url.isFileURL ? url.path : url.absoluteString
        try AtomicFile.write(target.encoded(), to: url)
    }

    static let metadataKey = "__metadata__"

    /// The entries in file order: dtype size descending, then name.
    var orderedEntries: [(name: String, entry: Entry)] {
        entries.map { (name: $0.key, entry: $0.value) }.sorted { a, b in
            a.entry.dtype.byteWidth != b.entry.dtype.byteWidth
                ? a.entry.dtype.byteWidth > b.entry.dtype.byteWidth
                : a.name < b.name
        }
    }
}
