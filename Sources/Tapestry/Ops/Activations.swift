// Activation functions, each forward next to its pullback.

extension Tensor where Scalar: TensorScalar {
    /// `max(x, 0)` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func relu() -> Tensor {
        unary(.relu, "relu", differentiablePullback: { g, x in g * x.detached().elementsGreater(than: 0) }) { g, x, _ in
            ElementwiseKernels.apply(.reluGradient, g, x, name: "relu")
        }
    }

    /// `x` where positive, else `slope · x` (Keras's default slope is 0.3, PyTorch's 0.01).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func leakyRelu(slope: Scalar = 0.01) -> Tensor {
        unary(.leakyRelu(slope: slope), "leaky_relu", differentiablePullback: { g, x in
            g * (x.detached().elementsGreater(than: 0) * (1 - slope) + slope)
        }) { g, x, _ in
            ElementwiseKernels.apply(.leakyReluGradient(slope: slope), g, x, name: "leaky_relu")
        }
    }

    /// The logistic function `1 / (1 + e⁻ˣ)` element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func sigmoid() -> Tensor {
        unary(.sigmoid, "sigmoid", differentiablePullback: { g, x in
            let s = x.sigmoid()
            return g * (s * (1 - s))
        }) { g, _, y in ElementwiseKernels.apply(.sigmoidGradient, g, y, name: "sigmoid") }
    }

    /// Hyperbolic tangent element-wise.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func tanh() -> Tensor {
        unary(.tanh, "tanh", differentiablePullback: { g, x in
            let t = x.tanh()
            return g * (1 - t * t)
        }) { g, _, y in ElementwiseKernels.apply(.tanhGradient, g, y, name: "tanh") }
    }

    /// Softmax along the last axis, computed stably (the row maximum is subtracted first).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func softmax() -> Tensor {
        precondition(rank >= 1, "softmax: needs rank ≥ 1, got shape \(shape)")
        let result = SoftmaxKernels.softmax(self)
        guard let tape = recordingTape else { return result }
        let input = self
        return tape.record("softmax", operands: [self], output: result) { g, _ in
            // dx = y · (g − Σ g·y) per row.
            if input.recordingTape != nil {
                let y = input.softmax()
                return [y * (g - (g * y).sum(alongAxis: -1, keepingDimension: true))]
            }
            return [SoftmaxKernels.softmaxPullback(cotangent: g, output: result)]
        }
    }

    /// `log(softmax(x))` along the last axis, computed stably as `x − logsumexp(x)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func logSoftmax() -> Tensor {
        precondition(rank >= 1, "log_softmax: needs rank ≥ 1, got shape \(shape)")
        let result = SoftmaxKernels.logSoftmax(self)
        guard let tape = recordingTape else { return result }
        let input = self
        return tape.record("log_softmax", operands: [self], output: result) { g, _ in
            // dx = g − softmax(x) · Σ g per row.
            if input.recordingTape != nil {
                return [g - input.softmax() * g.sum(alongAxis: -1, keepingDimension: true)]
            }
            return [SoftmaxKernels.logSoftmaxPullback(cotangent: g, output: result)]
        }
    }
}
