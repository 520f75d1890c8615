// Comparisons into masks, and selection by a mask. A mask holds `1` where the comparison
// holds and `0` elsewhere, in the compared tensors' scalar type; masks are never tracked
// (comparisons have no useful derivative), but selecting by one is differentiable in the
// selected values.

extension Tensor where Scalar: TensorScalar {
    /// `1` where `self > other`, else `0`, broadcasting. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsGreater(than: Tensor([2, 2, 3]))   // [0, 1, 0]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsGreater(than other: Tensor) -> Tensor {
        SelectionKernels.compare(self, .greater, other, name: "greater")
    }

    /// `1` where `self > scalar`, else `0`. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsGreater(than: 2)   // [0, 1, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsGreater(than scalar: Scalar) -> Tensor {
        SelectionKernels.compare(self, .greater, Tensor(scalar), name: "greater")
    }

    /// `1` where `self ≥ other`, else `0`, broadcasting. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsGreaterOrEqual(to: Tensor([2, 2, 3]))   // [0, 1, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsGreaterOrEqual(to other: Tensor) -> Tensor {
        SelectionKernels.compare(self, .greaterOrEqual, other, name: "greater_equal")
    }

    /// `1` where `self ≥ scalar`, else `0`. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsGreaterOrEqual(to: 3)   // [0, 1, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsGreaterOrEqual(to scalar: Scalar) -> Tensor {
        SelectionKernels.compare(self, .greaterOrEqual, Tensor(scalar), name: "greater_equal")
    }

    /// `1` where `self < other`, else `0`, broadcasting. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsLess(than: Tensor([2, 2, 3]))   // [1, 0, 0]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsLess(than other: Tensor) -> Tensor {
        SelectionKernels.compare(self, .less, other, name: "less")
    }

    /// `1` where `self < scalar`, else `0`. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsLess(than: 3)   // [1, 0, 0]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsLess(than scalar: Scalar) -> Tensor {
        SelectionKernels.compare(self, .less, Tensor(scalar), name: "less")
    }

    /// `1` where `self ≤ other`, else `0`, broadcasting. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsLessOrEqual(to: Tensor([2, 2, 3]))   // [1, 0, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsLessOrEqual(to other: Tensor) -> Tensor {
        SelectionKernels.compare(self, .lessOrEqual, other, name: "less_equal")
    }

    /// `1` where `self ≤ scalar`, else `0`. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsLessOrEqual(to: 3)   // [1, 0, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsLessOrEqual(to scalar: Scalar) -> Tensor {
        SelectionKernels.compare(self, .lessOrEqual, Tensor(scalar), name: "less_equal")
    }

    /// `1` where `self == scalar`, else `0`. Never tracked. (`elementsEqual(_:)` with a
    /// tensor compares element by element, broadcasting.)
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsEqual(5)   // [0, 1, 0]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsEqual(_ scalar: Scalar) -> Tensor {
        SelectionKernels.compare(self, .equal, Tensor(scalar), name: "equal")
    }

    /// `1` where `self ≠ other`, else `0`, broadcasting. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsNotEqual(Tensor([2, 2, 3]))   // [1, 1, 0]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsNotEqual(_ other: Tensor) -> Tensor {
        SelectionKernels.compare(self, .notEqual, other, name: "not_equal")
    }

    /// `1` where `self ≠ scalar`, else `0`. Never tracked.
    ///
    /// ```swift
    /// Tensor<Float>([1, 5, 3]).elementsNotEqual(5)   // [1, 0, 1]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func elementsNotEqual(_ scalar: Scalar) -> Tensor {
        SelectionKernels.compare(self, .notEqual, Tensor(scalar), name: "not_equal")
    }

    /// `a` where `mask` is non-zero, else `b`; the three broadcast to one shape.
    /// Differentiable in `a` and `b` (each gets the cotangent where it was chosen); the
    /// mask is a constant.
    ///
    /// ```swift
    /// let x = Tensor<Float>([-2, 3, -1])
    /// Tensor(selecting: x, where: x.elementsGreater(than: 0), otherwise: Tensor(0))   // [0, 3, 0]
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(selecting a: Tensor, where mask: Tensor, otherwise b: Tensor) {
        let result = SelectionKernels.select(a, where: mask, otherwise: b, name: "select")
        guard let tape = Self.recordingTape(a, b) else {
            self = result
            return
        }
        let constantMask = mask.detached()
        self = tape.record("select", operands: [a, b], output: result) { g in
            let zero = Tensor(0)
            return [a.requiresGradient
                        ? Tensor(selecting: g, where: constantMask, otherwise: zero).summed(toShape: a.shape) : nil,
                    b.requiresGradient
                        ? Tensor(selecting: zero, where: constantMask, otherwise: g).summed(toShape: b.shape) : nil]
        }
    }
}
