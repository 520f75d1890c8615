import Tapestry

/// The optimizers' per-element loops, specialised for `Float` and `Double` so they
/// compile to tight vector code.
enum OptimizerKernels {
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func adam<Scalar: TensorScalar>(
        theta: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
        m: UnsafeMutableBufferPointer<Scalar>, v: UnsafeMutableBufferPointer<Scalar>,
        alpha: Scalar, beta1: Scalar, beta2: Scalar, epsilon: Scalar
    ) {
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        for i in 0..<theta.count {
            let g = gradient[i]
            let mi = m[i] + (g - m[i]) * oneMinusBeta1
            let vi = v[i] + (g * g - v[i]) * oneMinusBeta2
            m[i] = mi
            v[i] = vi
            theta[i] -= alpha * mi / (vi.squareRoot() + epsilon)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func sgd<Scalar: TensorScalar>(
        theta: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeBufferPointer<Scalar>,
        velocity: UnsafeMutableBufferPointer<Scalar>, learningRate: Scalar, momentum: Scalar, nesterov: Bool
    ) {
        if momentum == 0 {
            for i in 0..<theta.count { theta[i] -= learningRate * gradient[i] }
            return
        }
        for i in 0..<theta.count {
            let u = momentum * velocity[i] - learningRate * gradient[i]
            velocity[i] = u
            theta[i] += nesterov ? momentum * u - learningRate * gradient[i] : u
        }
    }
}
