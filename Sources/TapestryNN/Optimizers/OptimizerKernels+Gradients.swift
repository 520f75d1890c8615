import Tapestry

// The per-element loops every optimizer shares: gradient clipping and weight decay.
// Each entry point dispatches once on the scalar type, as `OptimizerKernels.adam` does.

extension OptimizerKernels {
    /// `θ ← θ − θ · factor` in place (Keras's decoupled weight decay, `factor = lr · wd`).
    static func decay<Scalar: TensorScalar>(_ theta: inout Tensor<Scalar>, by factor: Double) {
        theta.withUnsafeMutableScalars { theta in
            guard let base = UnsafeMutableRawPointer(theta.baseAddress) else { return }
            if Scalar.self == Float.self {
                decayLoop(Float.self, base, theta.count, factor)
            } else if Scalar.self == Double.self {
                decayLoop(Double.self, base, theta.count, factor)
            } else {
                decayLoop(Scalar.self, base, theta.count, factor)
            }
        }
    }

    private static func decayLoop<T: TensorScalar>(_: T.Type, _ theta: UnsafeMutableRawPointer, _ count: Int, _ factor: Double) {
        let theta = theta.assumingMemoryBound(to: T.self), factor = T(factor)
        for i in 0..<count { theta[i] -= theta[i] * factor }
    }

    /// `Σ g²`, accumulated in `Double`.
    static func sumOfSquares<Scalar: TensorScalar>(_ gradient: Tensor<Scalar>) -> Double {
        gradient.withUnsafeScalars { g in
            guard let base = UnsafeRawPointer(g.baseAddress) else { return 0 }
            if Scalar.self == Float.self { return sumOfSquaresLoop(Float.self, base, g.count) }
            if Scalar.self == Double.self { return sumOfSquaresLoop(Double.self, base, g.count) }
            return sumOfSquaresLoop(Scalar.self, base, g.count)
        }
    }

    private static func sumOfSquaresLoop<T: TensorScalar>(_: T.Type, _ gradient: UnsafeRawPointer, _ count: Int) -> Double {
        let g = gradient.assumingMemoryBound(to: T.self)
        var sum = 0.0
        for i in 0..<count { sum += Double(g[i]) * Double(g[i]) }
        return sum
    }

    /// `g · factor`, a new tensor.
    static func scaled<Scalar: TensorScalar>(_ gradient: Tensor<Scalar>, by factor: Double) -> Tensor<Scalar> {
        transformed(gradient, factor: factor, limit: .infinity)
    }

    /// `g` with each element clipped to `-limit...limit`, a new tensor.
    static func clipped<Scalar: TensorScalar>(_ gradient: Tensor<Scalar>, to limit: Double) -> Tensor<Scalar> {
        transformed(gradient, factor: 1, limit: limit)
    }

    /// `clamp(g · factor, −limit, limit)`, a new tensor.
    private static func transformed<Scalar: TensorScalar>(_ gradient: Tensor<Scalar>, factor: Double, limit: Double) -> Tensor<Scalar> {
        var result = gradient
        result.withUnsafeMutableScalars { g in
            guard let base = UnsafeMutableRawPointer(g.baseAddress) else { return }
            if Scalar.self == Float.self {
                transformLoop(Float.self, base, g.count, factor, limit)
            } else if Scalar.self == Double.self {
                transformLoop(Double.self, base, g.count, factor, limit)
            } else {
                transformLoop(Scalar.self, base, g.count, factor, limit)
            }
        }
        return result
    }

    private static func transformLoop<T: TensorScalar>(_: T.Type, _ gradient: UnsafeMutableRawPointer, _ count: Int,
                                                      _ factor: Double, _ limit: Double) {
        let g = gradient.assumingMemoryBound(to: T.self)
        let factor = T(factor), upper = T(limit), lower = -T(limit)
        for i in 0..<count { g[i] = Swift.min(Swift.max(g[i] * factor, lower), upper) }
    }

    /// Raw pointers to one parameter's buffers for a step: the parameter, its gradient
    /// and its slots (a slot with no elements, unused by the chosen variant, points at
    /// the parameter and must not be touched).
    struct Buffers {
        let theta: UnsafeMutableRawPointer
        let gradient: UnsafeRawPointer
        var slots: [UnsafeMutableRawPointer]
        let count: Int
    }

    /// Calls `body` with the buffers of `theta`, `gradient` and `slot` (nothing for an
    /// empty parameter).
    static func withBuffers<Scalar: TensorScalar>(
        _ theta: inout Tensor<Scalar>, _ gradient: Tensor<Scalar>, _ slot: inout Tensor<Scalar>, _ body: (Buffers) -> Void
    ) {
        gradient.withUnsafeScalars { g in
            theta.withUnsafeMutableScalars { t in
                guard let thetaBase = UnsafeMutableRawPointer(t.baseAddress), let gradientBase = UnsafeRawPointer(g.baseAddress) else { return }
                slot.withUnsafeMutableScalars { s in
                    body(Buffers(theta: thetaBase, gradient: gradientBase,
                                 slots: [UnsafeMutableRawPointer(s.baseAddress) ?? thetaBase], count: t.count))
                }
            }
        }
    }

    /// `withBuffers` with two slots.
    static func withBuffers<Scalar: TensorScalar>(
        _ theta: inout Tensor<Scalar>, _ gradient: Tensor<Scalar>, _ first: inout Tensor<Scalar>, _ second: inout Tensor<Scalar>,
        _ body: (Buffers) -> Void
    ) {
        first.withUnsafeMutableScalars { f in
            withBuffers(&theta, gradient, &second) { buffers in
                var buffers = buffers
                buffers.slots.insert(UnsafeMutableRawPointer(f.baseAddress) ?? buffers.theta, at: 0)
                body(buffers)
            }
        }
    }

    /// `withBuffers` with three slots.
    static func withBuffers<Scalar: TensorScalar>(
        _ theta: inout Tensor<Scalar>, _ gradient: Tensor<Scalar>, _ first: inout Tensor<Scalar>, _ second: inout Tensor<Scalar>,
        _ third: inout Tensor<Scalar>, _ body: (Buffers) -> Void
    ) {
        first.withUnsafeMutableScalars { f in
            withBuffers(&theta, gradient, &second, &third) { buffers in
                var buffers = buffers
                buffers.slots.insert(UnsafeMutableRawPointer(f.baseAddress) ?? buffers.theta, at: 0)
                body(buffers)
            }
        }
    }
}
