// Model+ONNX.swift: a Sequential or Functional model of built-in layers as an ONNX model.

import Foundation
import Tapestry
import TapestryIO

extension Model {
    /// The IR version written: 8, which every onnxruntime since 1.10 reads.
    public static var onnxIRVersion: Int { 8 }

    /// The operator sets the exporter can write (13 is the default).
    public static var onnxOpsets: ClosedRange<Int> { 13...17 }

    /// Writes the model as an ONNX file at `url` (atomically: a crash leaves the old file or
    /// none), for inference with onnxruntime or any ONNX runtime.
    ///
    /// ```swift
    /// let model = Sequential<Float>(inputShape: [28, 28], layers: [
    ///     Flatten(), Dense(inputSize: 784, outputSize: 10, activation: .softmax),
    /// ])
    /// try model.exportONNX(to: URL(fileURLWithPath: "fashion.onnx"))
    /// ```
    ///
    /// The graph takes float tensors of `[batch] + inputShape` (batch symbolic) named after the
    /// inputs (`input` for a `Sequential`) and gives the outputs (`output`, or a `Functional`'s
    /// output layer names). Dense layers become `Gemm`, convolutions and pools run as ONNX's
    /// NCHW operators between `Transpose` nodes, batch normalization uses its moving
    /// statistics and dropout disappears, so the file computes `predict`.
    ///
    /// - Parameters:
    ///   - url: The file to write.
    ///   - opset: The ONNX operator set to declare, in ``onnxOpsets``.
    /// - Throws: ``ONNXExportError`` naming a layer or activation that has no translation (a
    ///   custom one), a model without `inputShape`, or an unsupported opset; `FileWriteError`
    ///   if the file cannot be written.
    public func exportONNX(to url: URL, opset: Int = 13) throws {
        let bytes = try onnxModel(opset: opset)
        try AtomicFile.write(bytes, to: url)
    }

    /// The model as the bytes of an ONNX file (a serialized `ModelProto`); see
    /// ``exportONNX(to:opset:)``.
    ///
    /// - Parameter opset: The ONNX operator set to declare, in ``onnxOpsets``.
    /// - Throws: ``ONNXExportError`` when the model cannot be exported.
    public func onnxModel(opset: Int = 13) throws -> [UInt8] {
        guard Self.onnxOpsets.contains(opset) else {
            throw ONNXExportError.unsupportedOpset(requested: opset, supported: Self.onnxOpsets)
        }
        var builder = try ONNXGraphBuilder<Scalar>()
        let inputs: [(name: String, shape: [Int])]
        let outputNames: [String]
        if let functional = self as? Functional<Scalar> {
            inputs = functional.inputs.map { ($0.sourceName, $0.shape) }
            outputNames = functional.outputNames
        } else if self is Sequential<Scalar> {
            guard let inputShape else { throw ONNXExportError.missingInputShape(model: name) }
            inputs = [("input", inputShape)]
            outputNames = ["output"]
        } else {
            throw ONNXExportError.unsupportedLayer(name: name, typeName: typeName)
        }
        for input in inputs { builder.reserve(input.name) }
        var graphOutputNames: [String] = []
        for output in outputNames { graphOutputNames.append(builder.fresh(output)) }

        let inputValues = inputs.map { ONNXGraphBuilder<Scalar>.Value(name: $0.name, shape: $0.shape, layout: .channelsLast) }
        let results: [ONNXGraphBuilder<Scalar>.Value]
        if let functional = self as? Functional<Scalar> {
            results = try builder.inline(functional, inputs: inputValues, prefix: "")
        } else {
            results = [try builder.apply(self, to: inputValues[0], path: name)]
        }
        var outputs: [ProtobufWriter] = []
        for (result, name) in zip(results, graphOutputNames) {
            let value = builder.channelsLast(result)
            builder.appendIdentity(from: value.name, to: name)
            outputs.append(ONNXProto.valueInfo(name: name, elementType: builder.elementType,
                                               dimensions: [.symbolic("batch")] + value.shape.map { .fixed($0) }))
        }
        let graphInputs = inputs.map {
            ONNXProto.valueInfo(name: $0.name, elementType: builder.elementType,
                                dimensions: [.symbolic("batch")] + $0.shape.map { .fixed($0) })
        }
        return ONNXProto.model(irVersion: Self.onnxIRVersion, opset: opset, name: name, nodes: builder.nodes,
                               initializers: builder.initializers, inputs: graphInputs, outputs: outputs).bytes
    }
}
