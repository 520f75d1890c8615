import Tapestry

/// Adds its operands elementwise (Keras's `Add`): the skip connection of a residual block.
public final class Add<Scalar: TensorScalar>: MergeLayer {
    /// The layer's name.
    public var name: String
    /// Creates the layer.
    public init(name: String = "") { self.name = name }
    /// The elementwise sum of the operands.
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        inputs.dropFirst().reduce(inputs[0]) { $0 + $1 }
    }
    /// The operands' common shape.
    public func outputShape(forInputShapes shapes: [[Int]]) throws -> [Int] { try requireEqualShapes(shapes) }
}

/// Multiplies its operands elementwise (Keras's `Multiply`), as a gate does.
public final class Multiply<Scalar: TensorScalar>: MergeLayer {
    /// The layer's name.
    public var name: String
    /// Creates the layer.
    public init(name: String = "") { self.name = name }
    /// The elementwise product of the operands.
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        inputs.dropFirst().reduce(inputs[0]) { $0 * $1 }
    }
    /// The operands' common shape.
    public func outputShape(forInputShapes shapes: [[Int]]) throws -> [Int] { try requireEqualShapes(shapes) }
}

/// Averages its operands elementwise (Keras's `Average`).
public final class Average<Scalar: TensorScalar>: MergeLayer {
    /// The layer's name.
    public var name: String
    /// Creates the layer.
    public init(name: String = "") { self.name = name }
    /// The elementwise mean of the operands.
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        inputs.dropFirst().reduce(inputs[0]) { $0 + $1 } * Scalar(1 / Double(inputs.count))
    }
    /// The operands' common shape.
    public func outputShape(forInputShapes shapes: [[Int]]) throws -> [Int] { try requireEqualShapes(shapes) }
}

/// Joins its operands along a sample axis (Keras's `Concatenate`; the last by default).
public final class Concatenate<Scalar: TensorScalar>: MergeLayer {
    /// The layer's name.
    public var name: String
    /// The sample axis joined along (batch excluded); negative counts from the end.
    public let axis: Int
    /// Creates the layer joining along sample axis `axis` (`-1`: the last).
    public init(axis: Int = -1, name: String = "") {
        self.axis = axis
        self.name = name
    }
    /// The operands joined along `axis`.
    public func callAsFunction(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let rank = inputs[0].rank
        return Tensor(concatenating: inputs, alongAxis: axis < 0 ? rank + axis : axis + 1)
    }
    /// The operands' shape with the joined axis summed; the other axes must agree.
    public func outputShape(forInputShapes shapes: [[Int]]) throws -> [Int] {
        guard shapes.count >= 2, let first = shapes.first else {
            throw ModelError.incompatibleMergeShapes(layer: displayName, shapes: shapes, reason: "it needs at least two operands")
        }
        let resolved = axis < 0 ? first.count + axis : axis
        guard (0..<first.count).contains(resolved), shapes.allSatisfy({ $0.count == first.count }) else {
            throw ModelError.incompatibleMergeShapes(
                layer: displayName, shapes: shapes, reason: "axis \(axis) must exist in operands of equal rank")
        }
        func others(_ shape: [Int]) -> [Int] { shape.enumerated().filter { $0.offset != resolved }.map(\.element) }
        guard shapes.allSatisfy({ others($0) == others(first) }) else {
            throw ModelError.incompatibleMergeShapes(
                layer: displayName, shapes: shapes, reason: "all axes but axis \(axis) must agree")
        }
        var shape = first
        shape[resolved] = shapes.reduce(0) { $0 + $1[resolved] }
        return shape
    }
}
