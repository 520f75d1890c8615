import CKernels
import Tapestry

/// The optimizers' per-element loops.
///
/// Each entry point checks the scalar type once and calls its loop with `Float` or
/// `Double` spelled out, so the compiler emits a specialised, vectorised loop (a generic
/// loop would call protocol witnesses for every `+` and `*`; `@_specialize` does not
/// apply across the module boundary here).
enum OptimizerKernels {
    /// One Keras-style Adam step on `theta` with moments `m` and `v`.
    static func adam<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, m: inout Tensor<Scalar>, v: inout Tensor<Scalar>,
        alpha: Double, beta1: Double, beta2: Double, epsilon: Double
    ) {
        gradient.withUnsafeScalars { g in
            m.withUnsafeMutableScalars { m in
                v.withUnsafeMutableScalars { v in
                    theta.withUnsafeMutableScalars { theta in
                        let pointers = (theta: UnsafeMutableRawPointer(theta.baseAddress), gradient: UnsafeRawPointer(g.baseAddress),
                                        m: UnsafeMutableRawPointer(m.baseAddress), v: UnsafeMutableRawPointer(v.baseAddress))
                        guard let t = pointers.theta, let gr = pointers.gradient, let mm = pointers.m, let vv = pointers.v else { return }
                        let (b1, b2) = (1 - beta1, 1 - beta2)
                        if Scalar.self == Float.self {
                            tapestry_adam_f32(t.assumingMemoryBound(to: Float.self), gr.assumingMemoryBound(to: Float.self),
                                              mm.assumingMemoryBound(to: Float.self), vv.assumingMemoryBound(to: Float.self),
                                              theta.count, Float(alpha), Float(b1), Float(b2), Float(epsilon))
                        } else if Scalar.self == Double.self {
                            tapestry_adam_f64(t.assumingMemoryBound(to: Double.self), gr.assumingMemoryBound(to: Double.self),
                                              mm.assumingMemoryBound(to: Double.self), vv.assumingMemoryBound(to: Double.self),
                                              theta.count, alpha, b1, b2, epsilon)
                        } else {
                            adamLoop(Scalar.self, t, gr, mm, vv, theta.count, alpha, beta1, beta2, epsilon)
                        }
                    }
                }
            }
        }
    }

    /// Adam's loop for scalar types other than `Float` and `Double` (those run the C
    /// kernel `tapestry_adam_f32`/`_f64`, multiversioned for AVX-512 and AVX2: measured in
    /// the commit that introduced it against this loop, which LLVM vectorises for SSE only).
    private static func adamLoop<T: TensorScalar>(
        _: T.Type, _ theta: UnsafeMutableRawPointer, _ gradient: UnsafeRawPointer,
        _ m: UnsafeMutableRawPointer, _ v: UnsafeMutableRawPointer, _ count: Int,
        _ alpha: Double, _ beta1: Double, _ beta2: Double, _ epsilon: Double
    ) {
        let theta = theta.assumingMemoryBound(to: T.self), g = gradient.assumingMemoryBound(to: T.self)
        let m = m.assumingMemoryBound(to: T.self), v = v.assumingMemoryBound(to: T.self)
        let alpha = T(alpha), oneMinusBeta1 = T(1 - beta1), oneMinusBeta2 = T(1 - beta2), epsilon = T(epsilon)
        for i in 0..<count {
            let gi = g[i]
            let mi = m[i] + (gi - m[i]) * oneMinusBeta1
            let vi = v[i] + (gi * gi - v[i]) * oneMinusBeta2
            m[i] = mi
            v[i] = vi
            theta[i] -= alpha * mi / (Swift.abs(vi).squareRoot() + epsilon)
        }
    }

    /// One Keras-style SGD step on `theta` (with momentum when `momentum > 0`).
    static func sgd<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, velocity: inout Tensor<Scalar>,
        learningRate: Double, momentum: Double, nesterov: Bool
    ) {
        gradient.withUnsafeScalars { g in
            velocity.withUnsafeMutableScalars { u in
                theta.withUnsafeMutableScalars { theta in
                    guard let t = UnsafeMutableRawPointer(theta.baseAddress), let gr = UnsafeRawPointer(g.baseAddress),
                          let uu = UnsafeMutableRawPointer(u.baseAddress) else { return }
                    if Scalar.self == Float.self {
                        sgdLoop(Float.self, t, gr, uu, theta.count, learningRate, momentum, nesterov)
                    } else if Scalar.self == Double.self {
                        sgdLoop(Double.self, t, gr, uu, theta.count, learningRate, momentum, nesterov)
                    } else {
                        sgdLoop(Scalar.self, t, gr, uu, theta.count, learningRate, momentum, nesterov)
                    }
                }
            }
        }
    }

    private static func sgdLoop<T: TensorScalar>(
        _: T.Type, _ theta: UnsafeMutableRawPointer, _ gradient: UnsafeRawPointer, _ velocity: UnsafeMutableRawPointer,
        _ count: Int, _ learningRate: Double, _ momentum: Double, _ nesterov: Bool
    ) {
        let theta = theta.assumingMemoryBound(to: T.self), g = gradient.assumingMemoryBound(to: T.self)
        let u = velocity.assumingMemoryBound(to: T.self)
        let learningRate = T(learningRate), momentum = T(momentum)
        if momentum == 0 {
            for i in 0..<count { theta[i] -= learningRate * g[i] }
            return
        }
        for i in 0..<count {
            let ui = momentum * u[i] - learningRate * g[i]
            u[i] = ui
            theta[i] += nesterov ? momentum * ui - learningRate * g[i] : ui
        }
    }
}
