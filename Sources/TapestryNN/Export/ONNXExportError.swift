/// Why a model cannot be exported to ONNX.
public enum ONNXExportError: Error, CustomStringConvertible, Equatable {
    /// A layer (by name and type) with no ONNX translation: a custom layer or model.
    case unsupportedLayer(name: String, typeName: String)
    /// A layer whose activation is not one of the built-in ones ONNX has an operator for.
    case unsupportedActivation(layer: String, activation: String)
    /// The model does not declare the shape of its input samples.
    case missingInputShape(model: String)
    /// A model used as a layer that has several inputs or outputs.
    case unsupportedNesting(model: String)
    /// The scalar type has no ONNX element type.
    case unsupportedScalar(String)
    /// The operator set asked for is outside the range the exporter writes.
    case unsupportedOpset(requested: Int, supported: ClosedRange<Int>)

    /// A sentence naming what cannot be exported.
    public var description: String {
        switch self {
        case .unsupportedLayer(let name, let typeName):
            "ONNX export: layer \(name) (\(typeName)) has no ONNX translation; only built-in layers can be exported"
        case .unsupportedActivation(let layer, let activation):
            "ONNX export: layer \(layer) uses the activation \(activation), which has no ONNX translation"
        case .missingInputShape(let model):
            "ONNX export: model \(model) has no input shape; create it with inputShape: to export it"
        case .unsupportedNesting(let model):
            "ONNX export: model \(model) is used as a layer but has several inputs or outputs"
        case .unsupportedScalar(let name):
            "ONNX export: the scalar type \(name) has no ONNX element type"
        case .unsupportedOpset(let requested, let supported):
            "ONNX export: opset \(requested) is not supported; choose one in \(supported.lowerBound)...\(supported.upperBound)"
        }
    }
}
