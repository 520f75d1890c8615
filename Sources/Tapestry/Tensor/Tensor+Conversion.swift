// Integer ranges, and converting the scalars of one element type to another.

extension Tensor where Scalar: TensorInteger {
    /// Creates a vector `lower, lower + 1, …, upper − 1` from an integer range
    /// (`Tensor<Int32>(0..<n)`).
    ///
    /// - Precondition: the bounds fit in `Scalar`.
    public init(_ range: Range<Int>) {
        precondition(Scalar(exactly: range.lowerBound) != nil && Scalar(exactly: Swift.max(range.upperBound - 1, range.lowerBound)) != nil,
                     "Tensor(_:): range \(range) does not fit in \(Scalar.self)")
        self.init(shape: [range.count]) { buffer in
            for (offset, value) in range.enumerated() { buffer[offset] = Scalar(truncatingIfNeeded: value) }
        }
    }

    /// Converts an integer tensor of another width (`Int64` labels to `Int32`).
    ///
    /// - Precondition: every value fits in `Scalar`.
    public init<Source: TensorInteger>(converting other: Tensor<Source>) {
        self.init(shape: other.shape) { buffer in
            other.withUnsafeScalars { source in
                for i in source.indices {
                    guard let value = Scalar(exactly: source[i]) else {
                        preconditionFailure("convert: \(source[i]) at offset \(i) of shape \(other.shape) does not fit in \(Scalar.self)")
                    }
                    buffer[i] = value
                }
            }
        }
    }

    /// Converts floating-point scalars to integers, rounding each by `rule` first; the
    /// default rounds toward zero (truncates), as `numpy.astype` and `Int32(_:)` do.
    ///
    /// ```swift
    /// Tensor<Int32>(converting: Tensor<Float>([1.7, -1.7]))                                // [1, -1]
    /// Tensor<Int32>(converting: Tensor<Float>([1.7, -1.7]), rounding: .toNearestOrAwayFromZero)  // [2, -2]
    /// ```
    ///
    /// - Precondition: every scalar is finite and, once rounded, fits in `Scalar`.
    public init<Source: TensorScalar>(converting other: Tensor<Source>, rounding rule: FloatingPointRoundingRule = .towardZero) {
        self.init(shape: other.shape) { buffer in
            other.withUnsafeScalars { source in
                for i in source.indices {
                    guard let value = Scalar(exactly: source[i].rounded(rule)) else {
                        preconditionFailure("convert: \(source[i]) at offset \(i) of shape \(other.shape) is not representable as \(Scalar.self)")
                    }
                    buffer[i] = value
                }
            }
        }
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Converts the scalars of a floating-point tensor of another precision (untracked).
    public init<Other: TensorScalar>(converting other: Tensor<Other>) {
        self.init(shape: other.shape, scalars: other.scalars.map { Scalar($0) })
    }

    /// Converts integers to floating point: exact up to 2²⁴ for `Float` (2⁵³ for `Double`),
    /// the nearest representable value beyond.
    public init<Source: TensorInteger>(converting other: Tensor<Source>) {
        self.init(shape: other.shape) { buffer in
            other.withUnsafeScalars { source in
                for i in source.indices { buffer[i] = Scalar(source[i]) }
            }
        }
    }
}
