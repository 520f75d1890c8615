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
        // Not `base.initialize(repeating:count:)`: from generic code that calls a value
        // witness per element, which was a fifth of a small op's cost.
        if Scalar.self == Float.self {
            Self.fill(UnsafeMutableRawPointer(base), Float.self, unsafeBitCast(value, to: Float.self), count)
        } else if Scalar.self == Double.self {
            Self.fill(UnsafeMutableRawPointer(base), Double.self, unsafeBitCast(value, to: Double.self), count)
        } else {
            base.initialize(repeating: value, count: count)
        }
    }

    private static func fill<T>(_ base: UnsafeMutableRawPointer, _: T.Type, _ value: T, _ count: Int) {
        let scalars = base.assumingMemoryBound(to: T.self)
        for i in 0..<count { scalars[i] = value }
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.base.initialize(from: base, count: count)
        return result
    }

    deinit { BufferPool.release(UnsafeMutableRawPointer(base), bytes: count * MemoryLayout<Scalar>.stride) }
}
