import CKernels
import Tapestry

/// The optimizers' per-element loops.
///
/// Each entry point checks the scalar type once and calls its loop with `Float` or
/// `Double` spelled out, so the compiler emits a specialised, vectorised loop (a generic
/// loop would call protocol witnesses for every `+` and `*`; `@_specialize` does not
/// apply across the module boundary here).
enum OptimizerKernels {
    /// One Keras-style Adam step on `theta` with moments `m` and `v`, split over the
    /// `HelperThreads` by `work` (the optimizer's own) when the parameter is large.
    static func adam<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, m: inout Tensor<Scalar>, v: inout Tensor<Scalar>,
        alpha: Double, beta1: Double, beta2: Double, epsilon: Double, work: AdamParts
    ) {
        gradient.withUnsafeScalars { g in
            m.withUnsafeMutableScalars { m in
                v.withUnsafeMutableScalars { v in
                    theta.withUnsafeMutableScalars { theta in
                        let pointers = (theta: UnsafeMutableRawPointer(theta.baseAddress), gradient: UnsafeRawPointer(g.baseAddress),
                                        m: UnsafeMutableRawPointer(m.baseAddress), v: UnsafeMutableRawPointer(v.baseAddress))
                        guard let t = pointers.theta, let gr = pointers.gradient, let mm = pointers.m, let vv = pointers.v else { return }
                        if Scalar.self == Float.self {
                            work.scalar = .float
                        } else if Scalar.self == Double.self {
                            work.scalar = .double
                        } else {
                            // Other scalar types: Swift's loop, on this thread.
                            adamLoop(Scalar.self, t, gr, mm, vv, theta.count, alpha, beta1, beta2, epsilon)
                            return
                        }
                        (work.theta, work.gradient, work.m, work.v, work.count) = (t, gr, mm, vv, theta.count)
                        (work.alpha, work.oneMinusBeta1, work.oneMinusBeta2, work.epsilon) = (alpha, 1 - beta1, 1 - beta2, epsilon)
                        work.parts = parts(count: theta.count)
                        // Split only when a helper is awake (after a split training step, say):
                        // waking one costs about what half of a 50K-parameter update saves.
                        HelperThreads.run(parts: work.parts, of: work, wakingHelpers: false)
                    }
                }
            }
        }
    }

    /// The fewest elements an update is split into parts for (`HelperThreads`): 16K per
    /// part, an update of about 8 µs on one core (Adam reads four and writes three
    /// values an element), well above a hand-off's cost of a microsecond or less.
    static var elementsPerPart: Int { 16_384 }

    /// How many parts an update of `count` elements is split into (1: not split).
    static func parts(count: Int) -> Int {
        Swift.max(1, Swift.min(HelperThreads.width, count / elementsPerPart))
    }

    /// The elements `part` of `parts` updates: contiguous, starting at multiples of 16 (a
    /// 64-byte line of floats), the same at every step, so a helper finds its part of a
    /// parameter and its slots in its own core's cache (the planned `Dense` step splits
    /// the kernel's rows the same way: halves of 784 × 64 both ways).
    static func elements(ofPart part: Int, of parts: Int, count: Int) -> Range<Int> {
        let start = part == 0 ? 0 : (count * part / parts) & ~15
        let end = part == parts - 1 ? count : (count * (part + 1) / parts) & ~15
        return start..<end
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

/// One Adam update in parts over the `HelperThreads` (see `OptimizerKernels.adam`): the
/// raw buffers and constants of the current update, the C kernel on each part's elements.
/// An `Adam` optimizer keeps one, so an update allocates nothing.
final class AdamParts: ParallelWork {
    /// The buffers' scalar type.
    enum ScalarKind { case float, double }

    var scalar = ScalarKind.float
    var theta: UnsafeMutableRawPointer?, m: UnsafeMutableRawPointer?, v: UnsafeMutableRawPointer?
    var gradient: UnsafeRawPointer?
    var count = 0, parts = 1
    var alpha = 0.0, oneMinusBeta1 = 0.0, oneMinusBeta2 = 0.0, epsilon = 0.0

    func runPart(_ part: Int) {
        guard let theta, let gradient, let m, let v else { return }
        let slice = OptimizerKernels.elements(ofPart: part, of: parts, count: count)
        switch scalar {
        case .float:
            let offset = slice.lowerBound
            tapestry_adam_f32(theta.assumingMemoryBound(to: Float.self) + offset,
                              gradient.assumingMemoryBound(to: Float.self) + offset,
                              m.assumingMemoryBound(to: Float.self) + offset, v.assumingMemoryBound(to: Float.self) + offset,
                              slice.count, Float(alpha), Float(oneMinusBeta1), Float(oneMinusBeta2), Float(epsilon))
        case .double:
            let offset = slice.lowerBound
            tapestry_adam_f64(theta.assumingMemoryBound(to: Double.self) + offset,
                              gradient.assumingMemoryBound(to: Double.self) + offset,
                              m.assumingMemoryBound(to: Double.self) + offset, v.assumingMemoryBound(to: Double.self) + offset,
                              slice.count, alpha, oneMinusBeta1, oneMinusBeta2, epsilon)
        }
    }
}
