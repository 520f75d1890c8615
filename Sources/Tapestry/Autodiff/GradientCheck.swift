/// The outcome of `gradcheck`: how far the tape's gradients are from central finite
/// differences, per input.
public struct GradientCheckReport: Sendable, CustomStringConvertible {
    /// The first element whose analytic and numeric derivatives disagree.
    public struct Mismatch: Sendable, Hashable {
        /// The multi-dimensional index of the element within its input.
        public let index: [Int]
        /// The derivative from the tape's pullbacks.
        public let analytic: Double
        /// The derivative from central differences.
        public let numeric: Double
    }

    /// The comparison for one input.
    public struct InputReport: Sendable {
        /// The largest `|analytic − numeric|` over the input's elements.
        public let maximumAbsoluteError: Double
        /// The largest `|analytic − numeric| / max(|numeric|, |analytic|)` over elements
        /// where either is non-zero.
        public let maximumRelativeError: Double
        /// The first element outside `atol + rtol · |numeric|`, if any.
        public let firstMismatch: Mismatch?
        /// The largest `|analytic|` over the input's elements: `0` when the checked
        /// derivative vanishes there (a second derivative of a piecewise-linear op).
        public let maximumAnalyticMagnitude: Double
    }

    /// One report per input, in order (none when `onceDifferentiableOps` stopped the check).
    public let inputs: [InputReport]

    /// For `gradgradcheck`: the ops whose pullback is not differentiable (declared
    /// once-differentiable, or computing with kernels the tape does not record), found on
    /// the way; the second derivatives are then not checked. Empty for `gradcheck`.
    public let onceDifferentiableOps: [String]

    /// Whether every element of every input is within tolerance (and no op was found
    /// once-differentiable).
    public var passed: Bool { onceDifferentiableOps.isEmpty && inputs.allSatisfy { $0.firstMismatch == nil } }

    /// A report of `inputs`, with the once-differentiable ops that stopped a second-order check.
    init(inputs: [InputReport], onceDifferentiableOps: [String] = []) {
        self.inputs = inputs
        self.onceDifferentiableOps = onceDifferentiableOps
    }

    /// One line per input, for example `input 0: max abs error 2.1e-10, max rel error 3.4e-9, ok`.
    public var description: String {
        if !onceDifferentiableOps.isEmpty {
            return "NOT TWICE DIFFERENTIABLE: the pullback of " + onceDifferentiableOps.joined(separator: ", ")
                + " cannot be differentiated (once-differentiable)"
        }
        return inputs.enumerated().map { position, input in
            let verdict = input.firstMismatch.map {
                "MISMATCH at \($0.index): analytic \($0.analytic), numeric \($0.numeric)"
            } ?? "ok"
            return "input \(position): max abs error \(input.maximumAbsoluteError), max rel error \(input.maximumRelativeError), \(verdict)"
        }.joined(separator: "\n")
    }
}

/// Checks the gradients a function's recorded ops produce against central finite
/// differences in `Double`, in the spirit of `torch.autograd.gradcheck`.
///
/// The function's output is contracted with a fixed random cotangent `v` (seeded; `1` for
/// a scalar output), and the gradient of `Σ v·f(x)` from the tape is compared, element by
/// element, with `(Σ v·f(x + ε eᵢ) − Σ v·f(x − ε eᵢ)) / 2ε`. An element passes when
/// `|analytic − numeric| ≤ atol + rtol · |numeric|`.
///
/// ```swift
/// let report = gradcheck({ xs in (xs[0] * xs[1]).sum() },
///                        at: [Tensor([1.0, 2.0]), Tensor([3.0, 4.0])])
/// assert(report.passed, report.description)
/// ```
///
/// - Parameters:
///   - function: the function to check; it receives tracked inputs and must use
///     Tapestry's ops (built-in or `Tensor.differentiable`).
///   - inputs: the point at which to check.
///   - epsilon: the finite-difference step.
///   - absoluteTolerance: the pass criterion's absolute part.
///   - relativeTolerance: the pass criterion's part relative to the numeric derivative.
///   - seed: fixes the random cotangent.
public func gradcheck(
    _ function: ([Tensor<Double>]) -> Tensor<Double>,
    at inputs: [Tensor<Double>],
    epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
    seed: UInt64 = 0
) -> GradientCheckReport {
    let points = inputs.map { $0.detached() }

    // Analytic: one backward sweep seeded with v.
    let tape = Tape<Double>()
    let watched = points.enumerated().map { tape.watch($0.element, name: "input \($0.offset)") }
    let output = function(watched)
    var generator = SeededRandomNumberGenerator(seed: seed)
    let cotangent = output.scalarCount == 1
        ? Tensor(ones: output.shape)
        : Tensor<Double>(randomNormal: output.shape, using: &generator)
    let analytic = output.isTracked
        ? tape.gradient(of: output, wrt: watched, seed: cotangent)
        : points.map { Tensor(zeros: $0.shape) }       // the output does not depend on the inputs

    func contracted(_ arguments: [Tensor<Double>]) -> Double {
        let value = function(arguments)
        precondition(value.shape == output.shape, "gradcheck: the function's output shape changed from \(output.shape) to \(value.shape)")
        return value.withUnsafeScalars { y in cotangent.withUnsafeScalars { v in zip(y, v).reduce(0) { $0 + $1.0 * $1.1 } } }
    }
    return finiteDifferenceReport(analytic: analytic, at: points, epsilon: epsilon,
                                  absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
                                  of: contracted)
}

/// Compares `analytic` (one derivative per input) with central differences of the scalar
/// function `contracted` at `points`, element by element.
func finiteDifferenceReport(
    analytic: [Tensor<Double>], at points: [Tensor<Double>], epsilon: Double,
    absoluteTolerance: Double, relativeTolerance: Double, of contracted: ([Tensor<Double>]) -> Double
) -> GradientCheckReport {
    var reports: [GradientCheckReport.InputReport] = []
    for (position, point) in points.enumerated() {
        var maximumAbsolute = 0.0, maximumRelative = 0.0, magnitude = 0.0
        var mismatch: GradientCheckReport.Mismatch?
        let analyticScalars = analytic[position].scalars
        for element in 0..<point.scalarCount {
            var arguments = points
            arguments[position].withUnsafeMutableScalars { $0[element] += epsilon }
            let plus = contracted(arguments)
            arguments[position].withUnsafeMutableScalars { $0[element] -= 2 * epsilon }
            let minus = contracted(arguments)
            let numeric = (plus - minus) / (2 * epsilon)
            let error = abs(analyticScalars[element] - numeric)
            maximumAbsolute = max(maximumAbsolute, error)
            magnitude = max(magnitude, abs(analyticScalars[element]))
            let scale = max(abs(numeric), abs(analyticScalars[element]))
            if scale > 0 { maximumRelative = max(maximumRelative, error / scale) }
            if mismatch == nil && !(error <= absoluteTolerance + relativeTolerance * abs(numeric)) {
                mismatch = .init(index: multiIndex(element, in: point.shape), analytic: analyticScalars[element], numeric: numeric)
            }
        }
        reports.append(.init(maximumAbsoluteError: maximumAbsolute, maximumRelativeError: maximumRelative,
                             firstMismatch: mismatch, maximumAnalyticMagnitude: magnitude))
    }
    return GradientCheckReport(inputs: reports)
}

/// The row-major multi-dimensional index of a flat offset.
private func multiIndex(_ offset: Int, in shape: [Int]) -> [Int] {
    var remainder = offset
    var index = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        index[axis] = remainder % shape[axis]
        remainder /= shape[axis]
    }
    return index
}
