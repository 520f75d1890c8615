/// The contiguous buffer behind one or more `Tensor` values.
///
/// Tensors share a storage until one of them is mutated; `Tensor` then copies it first
/// (copy-on-write), so a tensor always behaves as a value.
@usableFromInline
final class TensorStorage<Scalar>: @unchecked Sendable {
    // Sendable: a storage is only written while uniquely referenced (see Tensor's
    // copy-on-write accessors), so shared storages are read-only.
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let count: Int

    /// Allocates `count` uninitialised scalars (trivial types: reading before writing is
    /// the caller's bug, never undefined memory behaviour for the runtime).
    @usableFromInline
    init(uninitializedCount count: Int) {
        self.count = count
        base = BufferPool.allocate(bytes: count * MemoryLayout<Scalar>.stride).bindMemory(to: Scalar.self, capacity: count)
    }

    @usableFromInline
    convenience init(repeating value: Scalar, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.base.initialize(from: base, count: count)
        return result
    }

    deinit { BufferPool.release(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Scalar>.stride) }
}
