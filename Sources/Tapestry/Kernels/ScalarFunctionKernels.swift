/// Element-wise functions of one scalar that live outside `ElementwiseKernels`'s operator
/// table: one specialised loop each.
enum ScalarFunctionKernels {
    /// `sin(x)` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func sin<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        map(x) { Scalar.sin($0) }
    }

    /// `cos(x)` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func cos<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        map(x) { Scalar.cos($0) }
    }

    /// `|x|` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func abs<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        map(x) { Swift.abs($0) }
    }

    /// `-1`, `0` or `1` by the sign of each scalar.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func sign<Scalar: TensorScalar>(_ x: Tensor<Scalar>) -> Tensor<Scalar> {
        map(x) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }

    @inline(__always)
    private static func map<Scalar: TensorScalar>(_ x: Tensor<Scalar>, _ f: (Scalar) -> Scalar) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(uninitializedShape: x.shape)
        let input = UnsafePointer(x.storage.base), output = result.storage.base
        for i in 0..<x.scalarCount { output[i] = f(input[i]) }
        return result
    }
}
