/// A type of value a `Tensor` can hold: `Float` and `Double` (see `TensorScalar`), and the
/// integers `Int32` and `Int64` (see `TensorInteger`) for class labels and indices.
///
/// Every tensor, whatever its element, has a shape, can be reshaped, transposed, gathered
/// from, compared and printed; arithmetic and differentiation need a `TensorScalar`.
public protocol TensorElement: Sendable, Hashable, Codable, LosslessStringConvertible {
    /// The safetensors / NumPy name of this element type (`"F32"`, `"F64"`, `"I32"`, `"I64"`).
    static var dtypeName: String { get }
}

/// An integer type a `Tensor` can hold: class labels, indices, counts. Integer tensors are
/// never tracked by a tape.
public protocol TensorInteger: TensorElement, FixedWidthInteger, SignedInteger {}

extension Int32: TensorInteger {
    /// `"I32"`.
    public static var dtypeName: String { "I32" }
}

extension Int64: TensorInteger {
    /// `"I64"`.
    public static var dtypeName: String { "I64" }
}
