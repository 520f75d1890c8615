/// Why a model could not train, evaluate or predict on the data it was given.
///
/// Each message says what was expected and what came.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// `fit` or `evaluate` before `compile`.
    case notCompiled(operation: String)
    /// Inputs and targets hold different numbers of samples.
    case sampleCountMismatch(inputs: Int, targets: Int)
    /// A class label outside `0..<classCount`.
    case labelOutOfRange(label: Double, sample: Int, classCount: Int)
    /// A layer cannot take the shape it is given.
    case incompatibleInputShape(layer: String, expected: String, got: [Int])
    /// Targets whose shape does not fit the model's output and the loss.
    case incompatibleTargets(expected: String, got: [Int])
    /// No samples to work on.
    case emptyDataset(operation: String)
    /// An argument outside its range (batch size 0, a validation split of 1.5, …).
    case invalidArgument(String)
    /// Anomaly detection found a NaN or infinity (see `Sequential.detectsAnomalies`).
    case anomaly(String)
    /// The operands of a merge layer do not meet: the layer, each operand's sample shape
    /// and why.
    case incompatibleMergeShapes(layer: String, shapes: [[Int]], reason: String)
    /// A graph of layers cannot compute `output` from the model's inputs: it needs
    /// `missingInput`, which is not one of them (Keras's "Graph disconnected").
    case graphDisconnected(output: String, layer: String, missingInput: String)
    /// A graph of layers where a layer depends on its own output, through `path`.
    case cycle(path: [String])
    /// A whole-model file or configuration that cannot be read: the source and why.
    case invalidModelFile(source: String, reason: String)
    /// A NaN or infinity in the data `fit`, `evaluate` or `predict` was given (see
    /// `Model.checksInputsAreFinite`): the operation, `input` or `target`, the sample (in the
    /// dataset's numbering), the element within the sample and the value.
    case nonFiniteData(operation: String, part: String, sample: Int, element: Int, value: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .notCompiled(let operation):
            "\(operation): the model is not compiled; call compile(optimizer:loss:metrics:) first"
        case .sampleCountMismatch(let inputs, let targets):
            "sample counts differ: \(inputs) inputs but \(targets) targets"
        case .labelOutOfRange(let label, let sample, let classCount):
            "label \(label) of sample \(sample) is outside 0..<\(classCount) (the model has \(classCount) outputs)"
        case .incompatibleInputShape(let layer, let expected, let got):
            "layer \(layer) expects input samples of shape \(expected), got \(got)"
        case .incompatibleTargets(let expected, let got):
            "targets should have sample shape \(expected), got \(got)"
        case .emptyDataset(let operation):
            "\(operation): the dataset is empty"
        case .invalidArgument(let message):
            message
        case .anomaly(let message):
            "anomaly detected: \(message); the weights are those before this batch"
        case .incompatibleMergeShapes(let layer, let shapes, let reason):
            "layer \(layer) cannot merge operands of shapes \(shapes.map { "\($0)" }.joined(separator: ", ")): \(reason)"
        case .graphDisconnected(let output, let layer, let missingInput):
            "graph disconnected: output \(output) needs input \(missingInput) (through layer \(layer)), which is not one of the model's inputs"
        case .cycle(let path):
            "the graph has a cycle: \(path.joined(separator: " → "))"
        case .invalidModelFile(let source, let reason):
            "\(source): \(reason)"
        case .nonFiniteData(let operation, let part, let sample, let element, let value):
            "\(operation): the \(part) of sample \(sample) holds \(value) (element \(element) of the sample);"
                + " fix the data, or set checksInputsAreFinite = false to use it as it is"
        }
    }
}
