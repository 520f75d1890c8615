// ONNXProto.swift: the few ONNX messages an export writes (ModelProto, GraphProto, NodeProto,
// AttributeProto, TensorProto, ValueInfoProto, OperatorSetIdProto), encoded with TapestryIO's
// hand-written ProtobufWriter. Field numbers are onnx.proto's.

import Tapestry
import TapestryIO

/// An attribute of an ONNX node (AttributeProto).
enum ONNXAttribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)

    /// The encoded AttributeProto: name = 1, f = 2, i = 3, ints = 8, type = 20.
    var message: ProtobufWriter {
        var writer = ProtobufWriter()
        switch self {
        case .int(let name, let value):
            writer.string(1, name)
            writer.int64(3, Int64(value))
            writer.int64(20, 2)  // AttributeType.INT
        case .ints(let name, let values):
            writer.string(1, name)
            writer.packedInt64s(8, values.map(Int64.init))
            writer.int64(20, 7)  // AttributeType.INTS
        case .float(let name, let value):
            writer.string(1, name)
            writer.float(2, value)
            writer.int64(20, 1)  // AttributeType.FLOAT
        }
        return writer
    }
}

/// Builders of ONNX messages.
enum ONNXProto {
    /// TensorProto.DataType's INT64.
    static let int64Type: Int64 = 7

    /// TensorProto.DataType of `Scalar` (FLOAT, DOUBLE or FLOAT16), `nil` for any other.
    static func dataType<Scalar: TensorScalar>(of _: Scalar.Type) -> Int64? {
        switch Scalar.dtypeName {
        case "F32": 1
        case "F64": 11
        case "F16": 10
        default: nil
        }
    }

    /// A NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
    static func node(_ opType: String, name: String, inputs: [String], outputs: [String],
                     attributes: [ONNXAttribute]) -> ProtobufWriter {
        var writer = ProtobufWriter()
        for input in inputs { writer.string(1, input) }
        for output in outputs { writer.string(2, output) }
        writer.string(3, name)
        writer.string(4, opType)
        for attribute in attributes { writer.message(5, attribute.message) }
        return writer
    }

    /// A TensorProto of raw little-endian data: dims = 1, data_type = 2, name = 8, raw_data = 9.
    static func tensor(name: String, dataType: Int64, shape: [Int], rawData: [UInt8]) -> ProtobufWriter {
        var writer = ProtobufWriter()
        writer.packedInt64s(1, shape.map(Int64.init))
        writer.int64(2, dataType)
        writer.string(8, name)
        writer.bytes(9, rawData)
        return writer
    }

    /// A ValueInfoProto (name = 1, type = 2) of a tensor (TypeProto.tensor_type = 1: elem_type
    /// = 1, shape = 2) whose dimensions are fixed sizes or, for a string, symbolic
    /// (TensorShapeProto.dim = 1: dim_value = 1, dim_param = 2).
    static func valueInfo(name: String, elementType: Int64, dimensions: [Dimension]) -> ProtobufWriter {
        var shape = ProtobufWriter()
        for dimension in dimensions {
            shape.message(1) { dim in
                switch dimension {
                case .fixed(let size): dim.int64(1, Int64(size))
                case .symbolic(let name): dim.string(2, name)
                }
            }
        }
        var tensorType = ProtobufWriter()
        tensorType.int64(1, elementType)
        tensorType.message(2, shape)
        var type = ProtobufWriter()
        type.message(1, tensorType)
        var writer = ProtobufWriter()
        writer.string(1, name)
        writer.message(2, type)
        return writer
    }

    /// One dimension of a ValueInfoProto's shape.
    enum Dimension {
        case fixed(Int)
        case symbolic(String)
    }

    /// A ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7,
    /// opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2); the graph is a
    /// GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
    static func model(irVersion: Int, opset: Int, name: String, nodes: [ProtobufWriter], initializers: [ProtobufWriter],
                      inputs: [ProtobufWriter], outputs: [ProtobufWriter]) -> ProtobufWriter {
        var graph = ProtobufWriter()
        for node in nodes { graph.message(1, node) }
        graph.string(2, name)
        for initializer in initializers { graph.message(5, initializer) }
        for input in inputs { graph.message(11, input) }
        for output in outputs { graph.message(12, output) }
        var model = ProtobufWriter()
        model.int64(1, Int64(irVersion))
        model.string(2, "Tapestry")
        model.string(3, "1.0")
        model.message(7, graph)
        model.message(8) { opsetImport in
            opsetImport.string(1, "")
            opsetImport.int64(2, Int64(opset))
        }
        return model
    }
}
