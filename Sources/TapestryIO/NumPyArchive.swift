// NumPyArchive.swift: `.npz` files, NumPy's archives of named arrays (`np.savez`,
// `np.savez_compressed`, `np.load`).

import Foundation
import Tapestry

/// Named NumPy arrays in a `.npz` archive: a ZIP file whose member `<name>.npy` holds the
/// array `<name>`, as `np.savez` (stored members) and `np.savez_compressed` (deflated
/// members) write it.
///
/// ```swift
/// var archive = NumPyArchive()
/// archive.setTensor(kernel, named: "kernel")
/// archive.setTensor(Tensor<Int64>([3, 1, 4]), named: "labels")
/// try archive.write(to: URL(fileURLWithPath: "weights.npz"), compressed: true)
///
/// let loaded = try NumPyArchive(contentsOf: URL(fileURLWithPath: "weights.npz"))
/// let k: Tensor<Float> = try loaded.tensor("kernel")   // np.load("weights.npz")["kernel"]
/// ```
///
/// Reading accepts stored and deflated members and ZIP64 archives; each member is checked
/// against its CRC-32, and memory stays bounded by the input (a member may not announce more
/// than deflate can expand its bytes to). Writing makes archives of up to 4 GiB (no ZIP64).
public struct NumPyArchive: Sendable, Equatable {
    /// The arrays, by name (without the `.npy` suffix of their members).
    public private(set) var arrays: [String: NumPyArray] = [:]
    /// The array names, in archive order (the order they were set in, for a new archive).
    public private(set) var names: [String] = []
    /// The file it was read from (its path), or `<memory>`; errors of ``tensor(_:as:)`` name it.
    public private(set) var source = "<memory>"

    /// An empty archive.
    public init() {}

    /// Whether both hold the same arrays under the same names in the same order (wherever
    /// they were read from).
    public static func == (lhs: NumPyArchive, rhs: NumPyArchive) -> Bool {
        lhs.names == rhs.names && lhs.arrays == rhs.arrays
    }

    /// The array called `name`, if any.
    public subscript(name: String) -> NumPyArray? { arrays[name] }

    /// Adds or replaces the array called `name` (a new name goes last).
    public mutating func setArray(_ array: NumPyArray, named name: String) {
        if arrays.updateValue(array, forKey: name) == nil { names.append(name) }
    }

    /// Adds or replaces the array called `name` with `tensor`'s shape and elements.
    public mutating func setTensor<Scalar: TensorElement>(_ tensor: Tensor<Scalar>, named name: String) {
        setArray(NumPyArray(tensor), named: name)
    }

    /// The array called `name` as a tensor of its own dtype.
    ///
    /// - Throws: ``NumPyError`` if there is no such array or it is not of `Scalar`'s dtype.
    public func tensor<Scalar: TensorElement>(_ name: String, as _: Scalar.Type = Scalar.self) throws(NumPyError) -> Tensor<Scalar> {
        guard let array = arrays[name] else {
            throw NumPyError(source: source, reason: .memberNotFound(name: name, available: names))
        }
        do {
            return try array.tensor(as: Scalar.self)
        } catch {
            throw NumPyError(source: source, member: name + ".npy", reason: error.reason)
        }
    }

    /// Decodes the bytes of a `.npz` file.
    ///
    /// - Parameters:
    ///   - bytes: the whole archive.
    ///   - source: names the bytes in errors (a path, or `<memory>`).
    /// - Throws: ``NumPyError`` naming `source`, the member at fault and the reason: not a
    ///   ZIP file, an unsupported ZIP feature (encryption, a compression method other than
    ///   stored and deflate), a CRC mismatch, a member not named `*.npy` or named twice, or a
    ///   member that is not a readable `.npy` file.
    public init(decoding bytes: [UInt8], source: String = "<memory>") throws(NumPyError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(NumPyError) in try Self.decode(raw, source: source) }
        }
        self = try result.get()
    }

    /// Reads the `.npz` file at `url`.
    ///
    /// - Throws: ``NumPyError`` naming the file's path (see ``init(decoding:source:)``).
    public init(contentsOf url: URL) throws(NumPyError) {
        let bytes = try readNumPyFile(at: url)
        try self.init(decoding: bytes, source: url.path)
    }

    /// The `.npz` file of these arrays, in ``names`` order: deflated members when
    /// `compressed` (like `np.savez_compressed`), stored ones otherwise (like `np.savez`).
    ///
    /// - Throws: ``NumPyError`` with reason `.tooLarge` for an archive over 4 GiB.
    public func encoded(compressed: Bool = false) throws(NumPyError) -> [UInt8] {
        var writer = ZipWriter()
        do {
            for name in names {
                guard let array = arrays[name] else { continue }
                try writer.add(name + ".npy", contents: array.encoded(), compressing: compressed)
            }
            return try writer.finished()
        } catch {
            throw NumPyError(source: "<memory>", member: error.member, reason: .tooLarge(detail: error.detail))
        }
    }

    /// Writes the `.npz` file of these arrays to `url` atomically (see `AtomicFile`).
    ///
    /// - Throws: ``NumPyError`` for an archive over 4 GiB, `FileWriteError` if writing fails.
    public func write(to url: URL, compressed: Bool = false) throws {
        let bytes: [UInt8]
        do {
            bytes = try encoded(compressed: compressed)
        } catch {
            var located = error
            located.source = url.path
            throw located
        }
        try AtomicFile.write(bytes, to: url)
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, source: String) throws(NumPyError) -> NumPyArchive {
        let zip: ZipArchive
        do {
            zip = try ZipArchive(reading: raw)
        } catch {
            throw NumPyError(source: source, member: error.member, reason: .invalidArchive(detail: error.detail))
        }
        var archive = NumPyArchive()
        archive.source = source
        for member in zip.members {
            guard member.name.hasSuffix(".npy"), member.name.count > 4 else {
                throw NumPyError(source: source, member: member.name,
                                 reason: .invalidArchive(detail: "the member is not an .npy file"))
            }
            let name = String(member.name.dropLast(4))
            guard archive.arrays[name] == nil else {
                throw NumPyError(source: source, member: member.name, reason: .invalidArchive(detail: "two members have this name"))
            }
            let contents: [UInt8]
            do {
                contents = try ZipArchive.contents(of: member, in: raw)
            } catch {
                throw NumPyError(source: source, member: member.name, reason: .invalidArchive(detail: error.detail))
            }
            let array = try contents.withUnsafeBytes { bytes in
                Result { () throws(NumPyError) in try NumPyArray.decode(bytes, source: source, member: member.name) }
            }.get()
            archive.setArray(array, named: name)
        }
        return archive
    }
}
