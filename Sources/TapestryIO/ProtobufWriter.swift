// ProtobufWriter.swift: Protocol Buffers' wire format, written by hand for the few messages
// Tapestry emits (TensorBoard events; ONNX models later) without a code generator or a
// runtime dependency.

import Tapestry

/// Builds one protobuf message, field by field, in the binary wire format.
///
/// Fields are written in the order the methods are called; nested messages are built with
/// their own writer and added with `message(_:_:)`. A field of proto3's default value is
/// still written when asked for (proto3 readers accept that).
///
/// ```swift
/// var value = ProtobufWriter()
/// value.string(1, "loss")       // Summary.Value.tag
/// value.float(2, 0.25)          // Summary.Value.simple_value
/// var summary = ProtobufWriter()
/// summary.message(1, value)     // Summary.value
/// ```
public struct ProtobufWriter: Sendable {
    /// The wire types of protobuf's encoding.
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    /// The message's bytes so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    private mutating func key(_ field: Int, _ type: WireType) {
        checkPrecondition(field > 0 && field < 1 << 29, "ProtobufWriter: field number \(field) is out of range 1..<2^29")
        appendVarint(UInt64(field) << 3 | type.rawValue)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func appendFixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    private mutating func appendFixed32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// An `int64`, `int32` or enum field (negative values take ten bytes, as protobuf says).
    public mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A `uint64` or `uint32` field.
    public mutating func uint64(_ field: Int, _ value: UInt64) {
        key(field, .varint)
        appendVarint(value)
    }

    /// A `bool` field.
    public mutating func bool(_ field: Int, _ value: Bool) {
        key(field, .varint)
        appendVarint(value ? 1 : 0)
    }

    /// A `double` field.
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        appendFixed64(value.bitPattern)
    }

    /// A `float` field.
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        appendFixed32(value.bitPattern)
    }

    /// A `bytes` field.
    public mutating func bytes(_ field: Int, _ value: some Collection<UInt8>) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field, UTF-8 encoded.
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufWriter) {
        bytes(field, value.bytes)
    }

    /// An embedded message field built by `body`.
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        message(field, nested)
    }

    /// A packed `repeated double` field.
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(values.count * 8))
        for value in values { appendFixed64(value.bitPattern) }
    }

    /// A packed `repeated int64` field.
    public mutating func packedInt64s(_ field: Int, _ values: [Int64]) {
        var payload = ProtobufWriter()
        for value in values { payload.appendVarint(UInt64(bitPattern: value)) }
        bytes(field, payload.bytes)
    }
}
