// EventFileWriter.swift: TensorBoard event files: TFRecord records of `tensorflow.Event`
// protobuf messages, appended as they happen.
//
// Each record is: the data length (8 bytes little-endian), the masked CRC-32C of those 8
// bytes, the data, the masked CRC-32C of the data. The first event holds the file version
// `brain.Event:2`; the others a `Summary` (scalars, histograms) or a `GraphDef`.

import Foundation

/// Appends TensorBoard events to a new `events.out.tfevents.*` file in a log folder.
///
/// ```swift
/// let writer = try EventFileWriter(logDirectory: URL(fileURLWithPath: "runs/mlp/train"))
/// try writer.addScalar("epoch_loss", value: 0.42, step: 1)
/// try writer.addHistogram("weights/dense.kernel", SummaryHistogram(kernel.scalars.map(Double.init)), step: 1)
/// try writer.close()
/// ```
///
/// Every event is written through to the file at once (TensorBoard can show a run while it
/// trains); ``close()`` also flushes it to disk. Field numbers follow TensorFlow's
/// `event.proto`, `summary.proto` and `graph.proto`.
public final class EventFileWriter {
    /// The file being written.
    public let url: URL
    private var descriptor: Int32

    /// Creates the log folder if needed and a new event file in it, named
    /// `events.out.tfevents.<seconds>.<host>.<process>.<n>.tapestry`, holding the version event.
    ///
    /// - Throws: ``EventFileError`` naming the folder or file and the system's reason.
    public init(logDirectory: URL) throws(EventFileError) {
        do {
            try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        } catch {
            throw EventFileError(path: logDirectory.path, operation: "create the log folder", code: EACCES,
                                 detail: (error as NSError).localizedDescription)
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let seconds = Int(Date().timeIntervalSince1970)
        var attempt = 0
        while true {
            let name = "events.out.tfevents.\(seconds).\(host).\(getpid()).\(attempt).tapestry"
            let path = logDirectory.appendingPathComponent(name).path
            let opened = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if opened >= 0 {
                url = URL(fileURLWithPath: path)
                descriptor = opened
                break
            }
            let code = errno
            attempt += 1
            guard code == EEXIST, attempt < 1000 else {
                throw EventFileError(path: path, operation: "create the event file", code: code)
            }
        }
        var event = Self.event(step: 0)
        event.string(3, "brain.Event:2")
        try append(event)
    }

    deinit {
        if descriptor >= 0 { _ = closeDescriptor(descriptor) }
    }

    /// Records a scalar (shown under TensorBoard's Scalars tab), stored as a 32-bit float.
    public func addScalar(_ tag: String, value: Double, step: Int64, wallTime: Date = Date()) throws(EventFileError) {
        var summaryValue = ProtobufWriter()
        summaryValue.string(1, tag)
        summaryValue.float(2, Float(value))
        try addSummary(summaryValue, step: step, wallTime: wallTime)
    }

    /// Records a histogram (TensorBoard's Histograms and Distributions tabs).
    public func addHistogram(_ tag: String, _ histogram: SummaryHistogram, step: Int64, wallTime: Date = Date()) throws(EventFileError) {
        var summaryValue = ProtobufWriter()
        summaryValue.string(1, tag)
        summaryValue.message(5, histogram.message)
        try addSummary(summaryValue, step: step, wallTime: wallTime)
    }

    /// Records a computation graph (TensorBoard's Graphs tab): each node with its op and the
    /// names of the nodes it reads.
    public func addGraph(_ nodes: [GraphNode], wallTime: Date = Date()) throws(EventFileError) {
        var graph = ProtobufWriter()
        for node in nodes {
            graph.message(1) { proto in
                proto.string(1, node.name)
                proto.string(2, node.op)
                for input in node.inputs { proto.string(3, input) }
            }
        }
        graph.message(4) { $0.int64(1, 27) }   // versions.producer
        var event = Self.event(step: 0, wallTime: wallTime)
        event.bytes(4, graph.bytes)
        try append(event)
    }

    /// Flushes the file to disk and closes it; later additions throw.
    public func close() throws(EventFileError) {
        guard descriptor >= 0 else { return }
        let closing = descriptor
        descriptor = -1
        if fsync(closing) != 0, errno != EINVAL {
            let code = errno
            _ = closeDescriptor(closing)
            throw EventFileError(path: url.path, operation: "flush the event file to disk", code: code)
        }
        guard closeDescriptor(closing) == 0 else {
            throw EventFileError(path: url.path, operation: "close the event file", code: errno)
        }
    }

    private func addSummary(_ value: ProtobufWriter, step: Int64, wallTime: Date) throws(EventFileError) {
        var event = Self.event(step: step, wallTime: wallTime)
        event.message(5) { $0.message(1, value) }
        try append(event)
    }

    private static func event(step: Int64, wallTime: Date = Date()) -> ProtobufWriter {
        var event = ProtobufWriter()
        event.double(1, wallTime.timeIntervalSince1970)
        event.int64(2, step)
        return event
    }

    /// Appends one TFRecord holding `event`, in one `write` call.
    private func append(_ event: ProtobufWriter) throws(EventFileError) {
        guard descriptor >= 0 else {
            throw EventFileError(path: url.path, operation: "write the event file", code: EBADF, detail: "it is closed")
        }
        let record = Self.record(event.bytes)
        var written = 0
        while written < record.count {
            let result = record.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return systemWrite(descriptor, base + written, raw.count - written)
            }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                throw EventFileError(path: url.path, operation: "write the event file", code: code)
            }
            written += result
        }
    }

    /// The TFRecord framing of `data`.
    static func record(_ data: [UInt8]) -> [UInt8] {
        var length = ByteWriter()
        length.uint64(UInt64(data.count))
        var record = length.bytes
        var checksums = ByteWriter()
        checksums.uint32(CRC32C.maskedChecksum(of: length.bytes))
        record += checksums.bytes
        record += data
        var dataChecksum = ByteWriter()
        dataChecksum.uint32(CRC32C.maskedChecksum(of: data))
        record += dataChecksum.bytes
        return record
    }
}

/// `close(2)`, under a name `EventFileWriter.close()` does not hide.
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}

/// One node of a graph for TensorBoard's Graphs tab (a `NodeDef`).
public struct GraphNode: Sendable, Equatable {
    /// A unique name; slashes group nodes (`dense_1/matmul` sits inside `dense_1`).
    public var name: String
    /// The operation (`MatMul`, `relu`, `variable`, …).
    public var op: String
    /// The names of the nodes whose outputs it reads.
    public var inputs: [String]

    /// Creates a node.
    public init(name: String, op: String, inputs: [String] = []) {
        self.name = name
        self.op = op
        self.inputs = inputs
    }
}

/// Writing a TensorBoard event file failed.
public struct EventFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The folder or file the failed step worked on.
    public var path: String
    /// The step, for example `write the event file`.
    public var operation: String
    /// The `errno` value.
    public var code: Int32
    /// More detail, if the system's message is not the whole story.
    public var detail: String?

    /// Creates an error.
    public init(path: String, operation: String, code: Int32, detail: String? = nil) {
        self.path = path
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    /// `<path>: cannot <operation>: <reason>`, on one line.
    public var description: String {
        escapingControlCharacters("\(path): cannot \(operation): \(detail ?? "\(systemErrorMessage(code)) (errno \(code))")")
    }
}
