/// An n-dimensional array of scalars: a value type over contiguous, row-major,
/// copy-on-write storage.
///
/// A floating-point tensor (`Tensor<Float>`, `Tensor<Double>`) may be *tracked* by a
/// `Tape`: then every differentiable op applied to it is recorded, and
/// `Tape.gradient(of:wrt:)` can sweep the record backwards. Integer tensors
/// (`Tensor<Int32>`, `Tensor<Int64>`) hold labels and indices; they are never tracked.
///
/// ```swift
/// let a = Tensor<Float>([[1, 2], [3, 4]])
/// let b = a.matmul(a) + 1          // [[8, 11], [16, 23]]
/// let classes = b.argmax()         // Tensor<Int32> [1, 1]
/// ```
public struct Tensor<Scalar: TensorElement>: Sendable {
    /// The size of each dimension, outermost first.
    public let shape: [Int]
    @usableFromInline var storage: TensorStorage<Scalar>
    /// Where this value was recorded, if a tape is tracking it.
    @usableFromInline var node: TapeNode<Scalar>?

    @usableFromInline
    init(shape: [Int], storage: TensorStorage<Scalar>, node: TapeNode<Scalar>? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// Creates a tensor of the given shape whose scalars are uninitialised; the kernels
    /// fill it.
    @usableFromInline
    init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: Self.count(of: shape)))
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of scalars (the product of the shape; 1 for a scalar tensor).
    public var scalarCount: Int { storage.count }

    /// The scalars in row-major order.
    public var scalars: [Scalar] {
        withUnsafeScalars { Array($0) }
    }

    /// The only scalar of a tensor that holds one.
    ///
    /// - Precondition: `scalarCount == 1`.
    public var scalar: Scalar {
        precondition(scalarCount == 1, "scalar: tensor of shape \(shape) holds \(scalarCount) scalars, not 1")
        return storage.base[0]
    }

    /// Calls `body` with the scalars in row-major order.
    @inlinable
    public func withUnsafeScalars<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// Calls `body` with the scalars to mutate in place, copying shared storage first.
    @inlinable
    public mutating func withUnsafeMutableScalars<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    /// The product of a shape's dimensions.
    @usableFromInline
    static func count(of shape: [Int]) -> Int {
        var count = 1
        for dimension in shape {
            precondition(dimension >= 0, "Tensor: negative dimension in shape \(shape)")
            count *= dimension
        }
        return count
    }
}

// MARK: - Creating tensors

extension Tensor {
    /// Creates a tensor of the given shape from scalars in row-major order.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: some Collection<Scalar>) {
        let count = Self.count(of: shape)
        precondition(
            scalars.count == count,
            "Tensor(shape:scalars:): shape \(shape) needs \(count) scalars, got \(scalars.count)")
        self.init(uninitializedShape: shape)
        _ = UnsafeMutableBufferPointer(start: storage.base, count: count).initialize(from: scalars)
    }

    /// Creates a tensor of the given shape whose scalars `body` writes, in row-major order,
    /// without initialising them first (like `Array(unsafeUninitializedCapacity:)`).
    ///
    /// - Parameters:
    ///   - shape: the tensor's shape.
    ///   - body: must write every scalar of the buffer it is given.
    public init(
        shape: [Int], initializingScalarsWith body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        self.init(uninitializedShape: shape)
        try body(UnsafeMutableBufferPointer(start: storage.base, count: scalarCount))
    }

    /// Creates a tensor of the given shape with every scalar equal to `value`.
    public init(repeating value: Scalar, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(repeating: value, count: Self.count(of: shape)))
    }

    /// Creates a rank-0 tensor holding one scalar.
    public init(_ scalar: Scalar) { self.init(shape: [], scalars: CollectionOfOne(scalar)) }

    /// Creates a vector (rank 1) from scalars.
    public init(_ vector: [Scalar]) { self.init(shape: [vector.count], scalars: vector) }

    /// Creates a matrix (rank 2) from rows of equal length.
    ///
    /// - Precondition: every row has the same length.
    public init(_ rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        for (index, row) in rows.enumerated() {
            precondition(row.count == columns, "Tensor(_:): row \(index) has \(row.count) scalars, row 0 has \(columns)")
        }
        self.init(shape: [rows.count, columns], scalars: rows.joined())
    }

    /// Creates a rank-3 tensor from nested arrays of equal lengths.
    public init(_ blocks: [[[Scalar]]]) {
        let inner = blocks.map { Tensor($0) }
        let blockShape = inner.first?.shape ?? [0, 0]
        for (index, block) in inner.enumerated() {
            precondition(block.shape == blockShape, "Tensor(_:): block \(index) has shape \(block.shape), block 0 has \(blockShape)")
        }
        self.init(shape: [blocks.count] + blockShape, scalars: inner.flatMap(\.scalars))
    }
}

extension Tensor where Scalar: Numeric {
    /// Creates a tensor of zeros.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

    /// Creates a tensor of ones.
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }
}

extension Tensor where Scalar: TensorScalar {
    /// Creates a vector of evenly spaced values in `range` (like `numpy.arange`).
    public init(rangeFrom start: Scalar, to end: Scalar, stride step: Scalar = 1) {
        precondition(step != 0, "Tensor(rangeFrom:to:stride:): stride must not be zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        self.init((0..<count).map { start + Scalar($0) * step })
    }

    /// Creates a vector `0, 1, …, n−1` from an integer range.
    public init(_ range: Range<Int>) {
        self.init(range.map { Scalar($0) })
    }
}

// MARK: - Element access

extension Tensor {
    /// The scalar at a full multi-dimensional index.
    ///
    /// - Precondition: `indices` has one in-range index per dimension.
    public subscript(indices: Int...) -> Scalar {
        get { storage.base[flatIndex(indices)] }
        set {
            let offset = flatIndex(indices)
            withUnsafeMutableScalars { $0[offset] = newValue }
        }
    }

    private func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == rank, "Tensor subscript: \(indices.count) indices for rank-\(rank) shape \(shape)")
        var offset = 0
        for (index, dimension) in zip(indices, shape) {
            precondition(index >= 0 && index < dimension, "Tensor subscript: index \(indices) out of range for shape \(shape)")
            offset = offset * dimension + index
        }
        return offset
    }
}

// MARK: - Equality

extension Tensor: Equatable {
    /// Two tensors are equal when their shapes and scalars are; tracking is ignored.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.withUnsafeScalars { a in rhs.withUnsafeScalars { b in a.elementsEqual(b) } }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Whether every scalar is within `tolerance` of the other tensor's (same shape).
    public func isApproximatelyEqual(to other: Tensor, tolerance: Scalar) -> Bool {
        guard shape == other.shape else { return false }
        return withUnsafeScalars { a in
            other.withUnsafeScalars { b in zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance } }
        }
    }
}
