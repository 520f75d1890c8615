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
    return gradcheck({ values in
        substituting(parameters, with: Array(values.dropLast())) { layer(values[values.count - 1]) }
    }, at: parameters.map(\.value) + [input], epsilon: epsilon, absoluteTolerance: absoluteTolerance,
       relativeTolerance: relativeTolerance)
}
