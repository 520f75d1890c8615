// NumPyArray.swift: one array of a NumPy `.npy` file, as bytes with a dtype and a shape, and
// its conversions from and to tensors.

import Foundation
import Tapestry

/// One NumPy array: a dtype, a shape and its little-endian, C-order bytes — the contents of a
/// `.npy` file (NumPy's `np.save`/`np.load`) or of one member of a `.npz` archive.
///
/// ```swift
/// let weights = Tensor<Float>([[1, 2, 3], [4, 5, 6]])
/// try NumPyArray(weights).write(to: URL(fileURLWithPath: "weights.npy"))
///
/// let array = try NumPyArray(contentsOf: URL(fileURLWithPath: "weights.npy"))
/// let back: Tensor<Float> = try array.tensor()     // np.load("weights.npy") in Python
/// ```
///
/// Tapestry reads and writes the dtypes `float32`, `float64`, `int32` and `int64` (`<f4`,
/// `<f8`, `<i4`, `<i8`), little-endian and in C order; a big-endian, Fortran-order, object or
/// other array is rejected with a ``NumPyError`` that says so.
public struct NumPyArray: Sendable, Equatable {
    /// The element types Tapestry reads and writes.
    public enum DType: String, Sendable, CaseIterable {
        /// `float32`, `<f4`.
        case float32 = "<f4"
        /// `float64`, `<f8`.
        case float64 = "<f8"
        /// `int32`, `<i4`.
        case int32 = "<i4"
        /// `int64`, `<i8`.
        case int64 = "<i8"

        /// The bytes of one element.
        public var byteWidth: Int {
            switch self {
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            }
        }

        /// NumPy's `descr` string, for example `<f4`.
        public var descr: String { rawValue }

        /// The dtype of tensors of `Scalar` (`Float` → `.float32`, …).
        public init<Scalar: TensorElement>(of _: Scalar.Type) {
            switch Scalar.dtypeName {
            case "F32": self = .float32
            case "F64": self = .float64
            case "I32": self = .int32
            case "I64": self = .int64
            default: failPrecondition("NumPyArray: no NumPy dtype for tensors of \(Scalar.self)")
            }
        }
    }

    /// The element type.
    public let dtype: DType
    /// The shape; `[]` for a scalar (rank 0).
    public let shape: [Int]
    /// The elements, little-endian, in C (row-major) order: `shape` product × `dtype.byteWidth` bytes.
    public let bytes: [UInt8]

    /// The number of elements (1 for a scalar).
    public var scalarCount: Int { shape.reduce(1, *) }

    /// An array of `tensor`'s shape and elements.
    public init<Scalar: TensorElement>(_ tensor: Tensor<Scalar>) {
        #if _endian(big)
        failPrecondition("NumPyArray: big-endian hosts are not supported (the format is written little-endian)")
        #endif
        dtype = DType(of: Scalar.self)
        shape = tensor.shape
        bytes = tensor.withUnsafeScalars { scalars in Array(UnsafeRawBufferPointer(scalars)) }
    }

    /// An array from its parts, checked for consistency.
    ///
    /// - Throws: ``NumPyError`` (source `<memory>`) if a dimension is negative or `bytes` is not
    ///   shape product × element width long.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws(NumPyError) {
        let expected = try Self.byteCount(of: shape, dtype: dtype, source: "<memory>")
        guard expected == bytes.count else {
            throw NumPyError(source: "<memory>", reason: .sizeMismatch(
                shape: shape, descr: dtype.descr, expectedBytes: expected, actualBytes: bytes.count))
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An array already checked by a caller of this module.
    init(checkedDType dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// The array as a tensor of `Scalar`, which must be its dtype (no conversion: read a
    /// `float64` array as `Double`, then convert with `Tensor(converting:)` if you need to).
    ///
    /// - Throws: ``NumPyError`` with reason `.dtypeMismatch` for another scalar type.
    public func tensor<Scalar: TensorElement>(as _: Scalar.Type = Scalar.self) throws(NumPyError) -> Tensor<Scalar> {
        let requested = DType(of: Scalar.self)
        guard requested == dtype else {
            throw NumPyError(source: "<memory>", reason: .dtypeMismatch(stored: dtype.descr, requested: requested.descr))
        }
        return bytes.withUnsafeBytes { raw in
            // [UInt8] storage is not necessarily aligned for Scalar: copy element by element.
            let count = scalarCount
            let scalars = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                if let base = buffer.baseAddress, let source = raw.baseAddress {
                    UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: raw.count)
                }
                initialized = count
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// The bytes of an array of `shape` and `dtype`, or an error if a dimension is negative or
    /// the product overflows.
    static func byteCount(of shape: [Int], dtype: DType, source: String) throws(NumPyError) -> Int {
        var count = dtype.byteWidth
        for dimension in shape {
            guard dimension >= 0 else {
                throw NumPyError(source: source, reason: .malformedHeader(detail: "the shape \(shape) has a negative dimension"))
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw NumPyError(source: source, reason: .shapeTooLarge(shape: shape)) }
            count = product
        }
        return count
    }
}
