/// Checks the second derivatives a function's recorded ops produce, in `Double`, in the
/// spirit of `torch.autograd.gradgradcheck`.
///
/// The output is contracted with a fixed random cotangent `v` (`1` for a scalar output),
/// giving the first-order gradients `gₖ(x) = ∂(Σ v·f)/∂xₖ`; those are contracted with fixed
/// random tensors `wₖ` to the scalar `S(x) = Σₖ Σ wₖ·gₖ(x)`. The analytic `∂S/∂x` comes from
/// a sweep that creates a graph (`createGraph: true`, the ops' differentiable pullbacks)
/// followed by a second sweep; the numeric one from central differences of `S`, each
/// evaluated with an ordinary first-order sweep (the ops' fused first-order pullbacks).
/// So a pass also shows that the two forms of every pullback agree. An element passes when
/// `|analytic − numeric| ≤ atol + rtol · |numeric|`.
///
/// Where the second derivative vanishes (ReLU away from 0, `max`, linear ops) both sides
/// are 0; `maximumAnalyticMagnitude` of each input says so. If an op on the way is
/// once-differentiable, the report fails and names it in `onceDifferentiableOps` instead
/// of trapping.
///
/// ```swift
/// let report = gradgradcheck({ xs in (xs[0] * xs[0] * xs[1]).sin() },
///                            at: [Tensor([0.5, -1.0]), Tensor([2.0, 0.3])])
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
///   - seed: fixes the random cotangents `v` and `wₖ`.
public func gradgradcheck(
    _ function: ([Tensor<Double>]) -> Tensor<Double>,
    at inputs: [Tensor<Double>],
    epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
    seed: UInt64 = 0
) -> GradientCheckReport {
    let points = inputs.map { $0.detached() }
    var generator = SeededRandomNumberGenerator(seed: seed)

    // The shapes, and the fixed cotangents of the output (v) and of each gradient (w).
    let outputShape = function(points).shape
    let outputCotangent = outputShape.reduce(1, *) == 1
        ? Tensor(ones: outputShape)
        : Tensor<Double>(randomNormal: outputShape, using: &generator)
    let gradientCotangents = points.map { Tensor<Double>(randomNormal: $0.shape, using: &generator) }

    /// `S(x)` from the first-order gradients, recorded (differentiable) when `createGraph`.
    func contractedGradient(_ arguments: [Tensor<Double>], on tape: Tape<Double>, createGraph: Bool) -> (Tensor<Double>, [Tensor<Double>]) {
        let watched = arguments.enumerated().map { tape.watch($0.element, name: "input \($0.offset)") }
        let output = function(watched)
        precondition(output.shape == outputShape,
                     "gradgradcheck: the function's output shape changed from \(outputShape) to \(output.shape)")
        guard output.isRecorded(on: tape) else { return (Tensor(0), watched) }
        let gradients = tape.gradient(of: output, wrt: watched, seed: outputCotangent, createGraph: createGraph)
        let terms = zip(gradients, gradientCotangents).map { ($0 * $1).sum() }
        return (terms.dropFirst().reduce(terms[0], +), watched)
    }

    // Analytic: a sweep that creates a graph, then a sweep of the contracted gradient.
    let tape = Tape<Double>()
    let (contracted, watched) = contractedGradient(points, on: tape, createGraph: true)
    if !tape.onceDifferentiableOps.isEmpty {
        // A second sweep would reach a barrier and trap: report the ops instead.
        return GradientCheckReport(inputs: [], onceDifferentiableOps: tape.onceDifferentiableOps)
    }
    let analytic = contracted.isRecorded(on: tape)
        ? tape.gradient(of: contracted, wrt: watched)
        : points.map { Tensor(zeros: $0.shape) }      // the gradient does not depend on the inputs

    // Numeric: central differences of S, each S from a plain first-order sweep.
    return finiteDifferenceReport(analytic: analytic, at: points, epsilon: epsilon,
                                  absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance) { arguments in
        contractedGradient(arguments, on: Tape<Double>(), createGraph: false).0.scalar
    }
}
