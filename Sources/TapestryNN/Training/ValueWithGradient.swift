import Tapestry

/// The value of `body` and its gradient with respect to each of `parameters` (in that
/// order): one forward pass recorded on a fresh tape and one backward sweep — the step
/// `fit` takes, for your own training loop.
///
/// ```swift
/// let (loss, gradients) = try valueWithGradient(at: model.trainableParameters) {
///     lossFunction(predictions: model(x), targets: y)
/// }
/// optimizer.update(model.trainableParameters, with: gradients)
/// ```
///
/// While `body` runs, each parameter's `value` is the tape's tracked copy; afterwards the
/// parameters hold their untracked values again and the tape is gone, so an optimizer can
/// update them in place.
///
/// - Parameters:
///   - parameters: the parameters to differentiate with respect to.
///   - detectingAnomalies: check every op's output and every cotangent for NaN and
///     infinity, and throw `ModelError.anomaly` naming the first offending op.
///   - body: computes a scalar (or a tensor whose sum is differentiated) from the parameters.
/// - Returns: the untracked value and one gradient per parameter, of its shape (zeros
///   where the value does not depend on it).
public func valueWithGradient<Scalar: TensorScalar>(
    at parameters: [Parameter<Scalar>], detectingAnomalies: Bool = false,
    of body: () throws -> Tensor<Scalar>
) throws -> (value: Tensor<Scalar>, gradients: [Tensor<Scalar>]) {
    let pass = try recordedPass(at: parameters, detectingAnomalies: detectingAnomalies) { _ in try body() }
    return (pass.value.detached(), pass.watched.map { pass.gradients[$0] })
}

extension Layer {
    /// The value of `body`, applied to this layer or model, and its gradient with respect
    /// to each of `trainableParameters` (in that order); see
    /// `valueWithGradient(at:detectingAnomalies:of:)`.
    ///
    /// ```swift
    /// let (loss, gradients) = try model.valueWithGradient { model in
    ///     (model(x) - y).squared().mean()
    /// }
    /// ```
    public func valueWithGradient(
        detectingAnomalies: Bool = false, of body: (Self) throws -> Tensor<Scalar>
    ) throws -> (value: Tensor<Scalar>, gradients: [Tensor<Scalar>]) {
        try TapestryNN.valueWithGradient(at: trainableParameters, detectingAnomalies: detectingAnomalies) { try body(self) }
    }
}

/// A forward pass recorded with parameters watched on a fresh tape, and its backward sweep.
struct RecordedPass<Scalar: TensorScalar> {
    let tape: Tape<Scalar>
    /// The tracked value swept from.
    let value: Tensor<Scalar>
    /// The parameters' tracked values, in order.
    let watched: [Tensor<Scalar>]
    let gradients: Gradients<Scalar>
}

/// Watches `parameters` on a fresh tape (named `names` when given), runs `body` with the
/// parameters holding those tracked values, sweeps back from its result, and puts the
/// untracked values back — the one place the parameter swap happens.
func recordedPass<Scalar: TensorScalar>(
    at parameters: [Parameter<Scalar>], names: [String]? = nil, detectingAnomalies: Bool = false,
    keepingIntermediates: Bool = false, _ body: (Tape<Scalar>) throws -> Tensor<Scalar>
) throws -> RecordedPass<Scalar> {
    let tape = Tape<Scalar>()
    tape.detectsAnomalies = detectingAnomalies
    let watched = parameters.enumerated().map { index, parameter in
        tape.watch(parameter.value, name: names?[index])
    }
    let value = try substituting(parameters, with: watched) {
        try tape.enclosingTransforms { try body(tape) }   // gradient(at:of:) in body records here
    }
    guard value.tape === tape else {
        throw ModelError.invalidArgument(
            "valueWithGradient: the value (shape \(value.shape)) does not depend on the parameters; compute it from them inside the closure")
    }
    let gradients = tape.backward(from: value, keepingIntermediates: keepingIntermediates)
    if let anomaly = tape.firstAnomaly { throw ModelError.anomaly(anomaly.description) }
    return RecordedPass(tape: tape, value: value, watched: watched, gradients: gradients)
}

/// Runs `body` with each parameter holding the matching value, then restores the values
/// the parameters had (untracked), also when `body` throws.
func substituting<Scalar: TensorScalar, Result>(
    _ parameters: [Parameter<Scalar>], with values: [Tensor<Scalar>], _ body: () throws -> Result
) rethrows -> Result {
    let originals = parameters.map { $0.value.detached() }
    for (parameter, value) in zip(parameters, values) { parameter.value = value }
    defer { for (parameter, original) in zip(parameters, originals) { parameter.value = original } }
    return try body()
}
