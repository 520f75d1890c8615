/// A scalar function applied element by element.
@usableFromInline
enum UnaryOperator<Scalar: TensorScalar> {
    case negate, exp, log, sqrt, square, relu, sigmoid, tanh
    case power(Scalar)
    case leakyRelu(slope: Scalar)
    case scale(Scalar)
    case addScalar(Scalar)
    case clip(lower: Scalar, upper: Scalar)
}

/// A function of two scalars applied element by element (with broadcasting for the
/// arithmetic ones; the gradient helpers take operands of one shape).
@usableFromInline
enum BinaryOperator<Scalar: TensorScalar> {
    case add, subtract, multiply, divide
    /// `1` where equal, else `0` (accuracy).
    case equal
    /// `g · [x > 0]`: ReLU's pullback from the cotangent and the input.
    case reluGradient
    /// `g · (x > 0 ? 1 : slope)`.
    case leakyReluGradient(slope: Scalar)
    /// `g · y · (1 − y)` from the cotangent and sigmoid's output.
    case sigmoidGradient
    /// `g · (1 − y²)` from the cotangent and tanh's output.
    case tanhGradient
    /// `g · p · x^(p−1)`.
    case powerGradient(Scalar)
    /// `g` where `lower ≤ x ≤ upper`, else `0`.
    case clipGradient(lower: Scalar, upper: Scalar)
}

/// Element-wise kernels: one tight loop per operator, specialised for `Float` and `Double`
/// so no closure or protocol witness is called per element.
enum ElementwiseKernels {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func apply<Scalar: TensorScalar>(_ op: UnaryOperator<Scalar>, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        let result = Tensor<Scalar>(uninitializedShape: x.shape)
        let input = UnsafePointer(x.storage.base), output = result.storage.base
        let count = x.scalarCount
        @inline(__always) func map(_ f: (Scalar) -> Scalar) {
            for i in 0..<count { output[i] = f(input[i]) }
        }
        switch op {
        case .negate: map { -$0 }
        case .exp: map { Scalar.exp($0) }
        case .log: map { Scalar.log($0) }
        case .sqrt: map { $0.squareRoot() }
        case .square: map { $0 * $0 }
        case .relu: map { $0 < 0 ? 0 : $0 }     // NaN passes through, as in PyTorch
        case .sigmoid: map { 1 / (1 + Scalar.exp(-$0)) }
        case .tanh: map { Scalar.tanh($0) }
        case .power(let p):
            if p == 2 { map { $0 * $0 } } else { map { Scalar.pow($0, p) } }
        case .leakyRelu(let slope): map { $0 > 0 ? $0 : slope * $0 }
        case .scale(let s): map { s * $0 }
        case .addScalar(let s): map { s + $0 }
        case .clip(let lower, let upper): map { Swift.min(Swift.max($0, lower), upper) }
        }
        return result
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func apply<Scalar: TensorScalar>(
        _ op: BinaryOperator<Scalar>, _ a: Tensor<Scalar>, _ b: Tensor<Scalar>, name: String
    ) -> Tensor<Scalar> {
        let shape = Broadcasting.shape(a.shape, b.shape, op: name)
        let result = Tensor<Scalar>(uninitializedShape: shape)
        let lhs = UnsafePointer(a.storage.base), rhs = UnsafePointer(b.storage.base)
        let output = result.storage.base
        let count = result.scalarCount

        @inline(__always) func zip(_ f: (Scalar, Scalar) -> Scalar) {
            if a.shape == b.shape {
                for i in 0..<count { output[i] = f(lhs[i], rhs[i]) }
            } else if b.scalarCount == 1 {
                let y = rhs[0]
                for i in 0..<count { output[i] = f(lhs[i], y) }
            } else if a.scalarCount == 1 {
                let x = lhs[0]
                for i in 0..<count { output[i] = f(x, rhs[i]) }
            } else if a.shape == shape && b.rank < a.rank && Array(a.shape.suffix(b.rank)) == b.shape {
                // A row (a bias) added to every row of a batch: the common case, no strides.
                let width = b.scalarCount
                for row in stride(from: 0, to: count, by: width) {
                    for j in 0..<width { output[row + j] = f(lhs[row + j], rhs[j]) }
                }
            } else {
                broadcastLoop(shape: shape, a.shape, b.shape, f, lhs, rhs, output)
            }
        }
        switch op {
        case .add: zip(+)
        case .subtract: zip(-)
        case .multiply: zip(*)
        case .divide: zip(/)
        case .equal: zip { $0 == $1 ? 1 : 0 }
        case .reluGradient: zip { g, x in x > 0 ? g : 0 }
        case .leakyReluGradient(let slope): zip { g, x in x > 0 ? g : slope * g }
        case .sigmoidGradient: zip { g, y in g * y * (1 - y) }
        case .tanhGradient: zip { g, y in g * (1 - y * y) }
        case .powerGradient(let p): zip { g, x in g * p * Scalar.pow(x, p - 1) }
        case .clipGradient(let lower, let upper): zip { g, x in x >= lower && x <= upper ? g : 0 }
        }
        return result
    }

    /// The general broadcast: an odometer over the outer dimensions and a tight loop over
    /// the last one.
    @inline(__always)
    private static func broadcastLoop<Scalar>(
        shape: [Int], _ aShape: [Int], _ bShape: [Int], _ f: (Scalar, Scalar) -> Scalar,
        _ lhs: UnsafePointer<Scalar>, _ rhs: UnsafePointer<Scalar>, _ output: UnsafeMutablePointer<Scalar>
    ) {
        let rank = shape.count
        let aStrides = Broadcasting.strides(of: aShape, broadcastTo: shape)
        let bStrides = Broadcasting.strides(of: bShape, broadcastTo: shape)
        let inner = shape[rank - 1], aInner = aStrides[rank - 1], bInner = bStrides[rank - 1]
        let outer = shape.dropLast().reduce(1, *)
        var index = [Int](repeating: 0, count: rank)
        var aOffset = 0, bOffset = 0, outOffset = 0
        for _ in 0..<outer {
            for j in 0..<inner {
                output[outOffset + j] = f(lhs[aOffset + j * aInner], rhs[bOffset + j * bInner])
            }
            outOffset += inner
            // Advance the odometer over dimensions 0..<rank−1.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                aOffset += aStrides[axis]
                bOffset += bStrides[axis]
                if index[axis] < shape[axis] { break }
                aOffset -= aStrides[axis] * shape[axis]
                bOffset -= bStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// `accumulator += addend`, both of one shape; the gradient sweep's accumulation.
    static func add<Scalar: TensorScalar>(_ addend: UnsafePointer<Scalar>, into accumulator: UnsafeMutablePointer<Scalar>, count: Int) {
        let (source, target) = (UnsafeRawPointer(addend), UnsafeMutableRawPointer(accumulator))
        if Scalar.self == Float.self { return add(Float.self, source, target, count) }
        if Scalar.self == Double.self { return add(Double.self, source, target, count) }
        add(Scalar.self, source, target, count)
    }

    private static func add<T: TensorScalar>(_: T.Type, _ addend: UnsafeRawPointer, _ accumulator: UnsafeMutableRawPointer, _ count: Int) {
        let source = addend.assumingMemoryBound(to: T.self), target = accumulator.assumingMemoryBound(to: T.self)
        for i in 0..<count { target[i] += source[i] }
    }

    /// Whether every scalar is finite.
    static func allFinite<Scalar: TensorScalar>(_ x: UnsafeBufferPointer<Scalar>) -> Bool {
        guard let base = x.baseAddress else { return true }
        if Scalar.self == Float.self { return allFinite(Float.self, UnsafeRawPointer(base), x.count) }
        if Scalar.self == Double.self { return allFinite(Double.self, UnsafeRawPointer(base), x.count) }
        return allFinite(Scalar.self, UnsafeRawPointer(base), x.count)
    }

    private static func allFinite<T: TensorScalar>(_: T.Type, _ base: UnsafeRawPointer, _ count: Int) -> Bool {
        let scalars = base.assumingMemoryBound(to: T.self)
        for i in 0..<count where !scalars[i].isFinite { return false }
        return true
    }
}

extension Tensor where Scalar: TensorScalar {
    /// Adds `other` (same shape) into this tensor's storage, copying it first if shared.
    @usableFromInline
    mutating func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "add: accumulating shape \(other.shape) into \(shape)")
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        ElementwiseKernels.add(other.storage.base, into: storage.base, count: scalarCount)
    }
}
