import Tapestry

/// Max pooling over NHWC images: the largest value of each window, per channel (Keras's
/// `MaxPooling2D`).
///
/// ```swift
/// try MaxPooling2D<Float>().outputShape(forInputShape: [26, 26, 32])   // [13, 13, 32]
/// ```
public final class MaxPooling2D<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String
    /// The window's height and width.
    public let poolSize: (height: Int, width: Int)
    /// The window's step (the pool size unless given).
    public let strides: (height: Int, width: Int)
    /// `.valid` drops a partial last window; `.same` keeps it.
    public let padding: Padding

    /// Creates a max-pooling layer; `strides` defaults to `poolSize`, as in Keras.
    public init(poolSize: (height: Int, width: Int) = (2, 2), strides: (height: Int, width: Int)? = nil,
                padding: Padding = .valid, name: String = "") {
        checkPrecondition(poolSize.height > 0 && poolSize.width > 0, "MaxPooling2D: pool size \([poolSize.height, poolSize.width]) must be positive")
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        checkPrecondition(self.strides.height > 0 && self.strides.width > 0, "MaxPooling2D: strides must be positive")
        self.padding = padding
        self.name = name
    }

    /// The pooled batch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPrecondition(input.rank == 4, "\(name) (MaxPooling2D): expected input [batch, height, width, channels], got \(input.shape)")
        return input.maxPooled2D(size: poolSize, strides: strides, padding: padding)
    }

    /// `[outHeight, outWidth, channels]`.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        try Pooling2DShape.output(layer: name, input: shape, size: poolSize, strides: strides, padding: padding)
    }
}

/// Average pooling over NHWC images: the mean of each window, per channel (Keras's
/// `AveragePooling2D`; with `.same` padding, border windows average only what is inside).
public final class AveragePooling2D<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String
    /// The window's height and width.
    public let poolSize: (height: Int, width: Int)
    /// The window's step (the pool size unless given).
    public let strides: (height: Int, width: Int)
    /// `.valid` drops a partial last window; `.same` keeps it.
    public let padding: Padding

    /// Creates an average-pooling layer; `strides` defaults to `poolSize`, as in Keras.
    public init(poolSize: (height: Int, width: Int) = (2, 2), strides: (height: Int, width: Int)? = nil,
                padding: Padding = .valid, name: String = "") {
        checkPrecondition(poolSize.height > 0 && poolSize.width > 0, "AveragePooling2D: pool size \([poolSize.height, poolSize.width]) must be positive")
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        checkPrecondition(self.strides.height > 0 && self.strides.width > 0, "AveragePooling2D: strides must be positive")
        self.padding = padding
        self.name = name
    }

    /// The pooled batch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPrecondition(input.rank == 4, "\(name) (AveragePooling2D): expected input [batch, height, width, channels], got \(input.shape)")
        return input.averagePooled2D(size: poolSize, strides: strides, padding: padding)
    }

    /// `[outHeight, outWidth, channels]`.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        try Pooling2DShape.output(layer: name, input: shape, size: poolSize, strides: strides, padding: padding)
    }
}

/// The mean over height and width of NHWC images: `[batch, channels]` (Keras's
/// `GlobalAveragePooling2D`).
public final class GlobalAveragePooling2D<Scalar: TensorScalar>: Layer {
    /// The layer's name.
    public var name: String

    /// Creates a global average-pooling layer.
    public init(name: String = "") { self.name = name }

    /// The per-channel means.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPrecondition(input.rank == 4, "\(name) (GlobalAveragePooling2D): expected input [batch, height, width, channels], got \(input.shape)")
        return input.globalAveragePooled2D()
    }

    /// `[channels]` for `[height, width, channels]`.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw ModelError.incompatibleInputShape(layer: name, expected: "[height, width, channels]", got: shape)
        }
        return [shape[2]]
    }
}

/// The output shape of a pooling window over one image, or the error naming the layer.
enum Pooling2DShape {
    static func output(
        layer: String, input shape: [Int], size: (height: Int, width: Int), strides: (height: Int, width: Int),
        padding: Padding
    ) throws -> [Int] {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }),
              let vertical = padding.outputSize(input: shape[0], reach: size.height, stride: strides.height),
              let horizontal = padding.outputSize(input: shape[1], reach: size.width, stride: strides.width) else {
            let expected = padding == .valid
                ? "[height ≥ \(size.height), width ≥ \(size.width), channels]" : "[height, width, channels]"
            throw ModelError.incompatibleInputShape(layer: layer, expected: expected, got: shape)
        }
        return [vertical.size, horizontal.size, shape[2]]
    }
}
