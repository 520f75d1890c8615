import Tapestry

// The per-element loops of RMSprop, Adagrad, Adamax, Nadam and Lion, in Keras 3's
// arithmetic. Each entry point dispatches once on the scalar type (see `OptimizerKernels`).

extension OptimizerKernels {
    /// RMSprop's hyperparameters for one step.
    struct RMSpropStep {
        let learningRate: Double, rho: Double, momentum: Double, epsilon: Double, centered: Bool
    }

    /// One Keras RMSprop step; slots: mean square, mean gradient (centered), momentum.
    static func rmsprop<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, velocity: inout Tensor<Scalar>,
        averageGradient: inout Tensor<Scalar>, momentum: inout Tensor<Scalar>, step: RMSpropStep
    ) {
        withBuffers(&theta, gradient, &velocity, &averageGradient, &momentum) { buffers in
            if Scalar.self == Float.self {
                rmspropLoop(Float.self, buffers, step)
            } else if Scalar.self == Double.self {
                rmspropLoop(Double.self, buffers, step)
            } else {
                rmspropLoop(Scalar.self, buffers, step)
            }
        }
    }

    private static func rmspropLoop<T: TensorScalar>(_: T.Type, _ buffers: Buffers, _ step: RMSpropStep) {
        let theta = buffers.theta.assumingMemoryBound(to: T.self), g = buffers.gradient.assumingMemoryBound(to: T.self)
        let v = buffers.slots[0].assumingMemoryBound(to: T.self), a = buffers.slots[1].assumingMemoryBound(to: T.self)
        let u = buffers.slots[2].assumingMemoryBound(to: T.self)
        let lr = T(step.learningRate), rho = T(step.rho), oneMinusRho = T(1 - step.rho)
        let mu = T(step.momentum), epsilon = T(step.epsilon)
        for i in 0..<buffers.count {
            let gi = g[i]
            let vi = rho * v[i] + oneMinusRho * (gi * gi)
            v[i] = vi
            var denominator = vi + epsilon
            if step.centered {
                let ai = rho * a[i] + oneMinusRho * gi
                a[i] = ai
                denominator = vi - ai * ai + epsilon
            }
            let increment = lr * gi / denominator.squareRoot()
            if step.momentum > 0 {
                let ui = mu * u[i] + increment
                u[i] = ui
                theta[i] -= ui
            } else {
                theta[i] -= increment
            }
        }
    }

    /// One Keras Adagrad step: `acc ← acc + g²; θ ← θ − lr·g / √(acc + ε)`.
    static func adagrad<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, accumulator: inout Tensor<Scalar>,
        learningRate: Double, epsilon: Double
    ) {
        withBuffers(&theta, gradient, &accumulator) { buffers in
            if Scalar.self == Float.self {
                adagradLoop(Float.self, buffers, learningRate, epsilon)
            } else if Scalar.self == Double.self {
                adagradLoop(Double.self, buffers, learningRate, epsilon)
            } else {
                adagradLoop(Scalar.self, buffers, learningRate, epsilon)
            }
        }
    }

    private static func adagradLoop<T: TensorScalar>(_: T.Type, _ buffers: Buffers, _ learningRate: Double, _ epsilon: Double) {
        let theta = buffers.theta.assumingMemoryBound(to: T.self), g = buffers.gradient.assumingMemoryBound(to: T.self)
        let accumulator = buffers.slots[0].assumingMemoryBound(to: T.self)
        let lr = T(learningRate), epsilon = T(epsilon)
        for i in 0..<buffers.count {
            let gi = g[i]
            let ai = accumulator[i] + gi * gi
            accumulator[i] = ai
            theta[i] -= lr * gi / Swift.abs(ai + epsilon).squareRoot()
        }
    }

    /// One Keras Adamax step: `m ← m + (g − m)(1 − β₁); u ← max(β₂u, |g|);
    /// θ ← θ − lr·m / ((1 − β₁ᵗ)(u + ε))`.
    static func adamax<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, m: inout Tensor<Scalar>, u: inout Tensor<Scalar>,
        learningRate: Double, beta1: Double, beta2: Double, epsilon: Double, biasCorrection: Double
    ) {
        withBuffers(&theta, gradient, &m, &u) { buffers in
            let constants = [learningRate, beta1, beta2, epsilon, biasCorrection]
            if Scalar.self == Float.self {
                adamaxLoop(Float.self, buffers, constants)
            } else if Scalar.self == Double.self {
                adamaxLoop(Double.self, buffers, constants)
            } else {
                adamaxLoop(Scalar.self, buffers, constants)
            }
        }
    }

    private static func adamaxLoop<T: TensorScalar>(_: T.Type, _ buffers: Buffers, _ constants: [Double]) {
        let theta = buffers.theta.assumingMemoryBound(to: T.self), g = buffers.gradient.assumingMemoryBound(to: T.self)
        let m = buffers.slots[0].assumingMemoryBound(to: T.self), u = buffers.slots[1].assumingMemoryBound(to: T.self)
        let lr = T(constants[0]), oneMinusBeta1 = T(1 - constants[1]), beta2 = T(constants[2])
        let epsilon = T(constants[3]), biasCorrection = T(constants[4])
        for i in 0..<buffers.count {
            let gi = g[i]
            let mi = m[i] + (gi - m[i]) * oneMinusBeta1
            let ui = Swift.max(beta2 * u[i], Swift.abs(gi))
            m[i] = mi
            u[i] = ui
            theta[i] -= lr * mi / (biasCorrection * (ui + epsilon))
        }
    }

    /// Nadam's per-step coefficients: `m̂ = mScale·m + gScale·g`, `v̂ = v · vScale`.
    struct NadamStep {
        let learningRate: Double, beta1: Double, beta2: Double, epsilon: Double
        let mScale: Double, gScale: Double, vScale: Double
    }

    /// One Keras Nadam step.
    static func nadam<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, m: inout Tensor<Scalar>, v: inout Tensor<Scalar>, step: NadamStep
    ) {
        withBuffers(&theta, gradient, &m, &v) { buffers in
            if Scalar.self == Float.self {
                nadamLoop(Float.self, buffers, step)
            } else if Scalar.self == Double.self {
                nadamLoop(Double.self, buffers, step)
            } else {
                nadamLoop(Scalar.self, buffers, step)
            }
        }
    }

    private static func nadamLoop<T: TensorScalar>(_: T.Type, _ buffers: Buffers, _ step: NadamStep) {
        let theta = buffers.theta.assumingMemoryBound(to: T.self), g = buffers.gradient.assumingMemoryBound(to: T.self)
        let m = buffers.slots[0].assumingMemoryBound(to: T.self), v = buffers.slots[1].assumingMemoryBound(to: T.self)
        let lr = T(step.learningRate), oneMinusBeta1 = T(1 - step.beta1), oneMinusBeta2 = T(1 - step.beta2)
        let epsilon = T(step.epsilon), mScale = T(step.mScale), gScale = T(step.gScale), vScale = T(step.vScale)
        for i in 0..<buffers.count {
            let gi = g[i]
            let mi = m[i] + (gi - m[i]) * oneMinusBeta1
            let vi = v[i] + (gi * gi - v[i]) * oneMinusBeta2
            m[i] = mi
            v[i] = vi
            let mHat = mScale * mi + gScale * gi
            theta[i] -= mHat * lr / (Swift.abs(vi * vScale).squareRoot() + epsilon)
        }
    }

    /// One Lion step: `θ ← θ − lr·sign(β₁m + (1 − β₁)g); m ← β₂m + (1 − β₂)g`.
    static func lion<Scalar: TensorScalar>(
        theta: inout Tensor<Scalar>, gradient: Tensor<Scalar>, m: inout Tensor<Scalar>,
        learningRate: Double, beta1: Double, beta2: Double
    ) {
        withBuffers(&theta, gradient, &m) { buffers in
            if Scalar.self == Float.self {
                lionLoop(Float.self, buffers, learningRate, beta1, beta2)
            } else if Scalar.self == Double.self {
                lionLoop(Double.self, buffers, learningRate, beta1, beta2)
            } else {
                lionLoop(Scalar.self, buffers, learningRate, beta1, beta2)
            }
        }
    }

    private static func lionLoop<T: TensorScalar>(_: T.Type, _ buffers: Buffers, _ learningRate: Double, _ beta1: Double, _ beta2: Double) {
        let theta = buffers.theta.assumingMemoryBound(to: T.self), g = buffers.gradient.assumingMemoryBound(to: T.self)
        let m = buffers.slots[0].assumingMemoryBound(to: T.self)
        let lr = T(learningRate), b1 = T(beta1), oneMinusB1 = T(1 - beta1), b2 = T(beta2), oneMinusB2 = T(1 - beta2)
        for i in 0..<buffers.count {
            let gi = g[i]
            let c = m[i] * b1 + gi * oneMinusB1
            let sign: T = c > 0 ? 1 : (c < 0 ? -1 : 0)
            theta[i] -= lr * sign
            m[i] = m[i] * b2 + gi * oneMinusB2
        }
    }
}
