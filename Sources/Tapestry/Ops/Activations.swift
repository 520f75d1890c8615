// Activation functions, each forward next to its pullback.

extension Tensor where Scalar: TensorScalar {
    /// `max(x, 0)` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func relu() -> Tensor {
        unary(.relu, "relu") { g, x, _ in ElementwiseKernels.apply(.reluGradient, g, x, name: "relu") }
    }

    /// `x` where positive, else `slope · x` (Keras's default slope is 0.3, PyTorch's 0.01).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func leakyRelu(slope: Scalar = 0.01) -> Tensor {
        unary(.leakyRelu(slope: slope), "leaky_relu") { g, x, _ in
            ElementwiseKernels.apply(.leakyReluGradient(slope: slope), g, x, name: "leaky_relu")
        }
    }

    /// The logistic function `1 / (1 + e⁻ˣ)` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sigmoid() -> Tensor {
        unary(.sigmoid, "sigmoid") { g, _, y in ElementwiseKernels.apply(.sigmoidGradient, g, y, name: "sigmoid") }
    }

    /// Hyperbolic tangent element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tanh() -> Tensor {
        unary(.tanh, "tanh") { g, _, y in ElementwiseKernels.apply(.tanhGradient, g, y, name: "tanh") }
    }

    /// Softmax along the last axis, computed stably (the row maximum is subtracted first).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func softmax() -> Tensor {
        precondition(rank >= 1, "softmax: needs rank ≥ 1, got shape \(shape)")
        let result = SoftmaxKernels.softmax(self)
        guard let tape = recordingTape else { return result }
        return tape.record("softmax", operands: [self], output: result) { g, _ in
            // dx = y · (g − Σ g·y) per row.
            [SoftmaxKernels.softmaxPullback(cotangent: g, output: result)]
        }
    }

    /// `log(softmax(x))` along the last axis, computed stably as `x − logsumexp(x)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func logSoftmax() -> Tensor {
        precondition(rank >= 1, "log_softmax: needs rank ≥ 1, got shape \(shape)")
        let result = SoftmaxKernels.logSoftmax(self)
        guard let tape = recordingTape else { return result }
        return tape.record("log_softmax", operands: [self], output: result) { g, _ in
            // dx = g − softmax(x) · Σ g per row.
            [SoftmaxKernels.logSoftmaxPullback(cotangent: g, output: result)]
        }
    }
}
