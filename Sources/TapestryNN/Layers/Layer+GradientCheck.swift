import Tapestry

/// Checks a layer's gradients — with respect to each of its parameters and to its input —
/// against central finite differences, with `gradcheck`'s defaults.
///
/// The layer's parameters are restored afterwards. The report lists the parameters in
/// `layer.parameters` order, then the input.
public func gradcheck<L: Layer>(
    _ layer: L, input: Tensor<Double>,
    epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3
) -> GradientCheckReport where L.Scalar == Double {
    let parameters = layer.parameters
    let originals = parameters.map(\.value)
    defer { for (parameter, value) in zip(parameters, originals) { parameter.value = value } }
    return gradcheck({ values in
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
        return layer(values[values.count - 1])
    }, at: originals + [input], epsilon: epsilon, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
}
