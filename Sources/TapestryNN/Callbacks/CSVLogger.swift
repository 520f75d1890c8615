import Foundation
import Tapestry
import TapestryIO

/// Writes each epoch's logs as a row of a CSV file, like Keras's `CSVLogger`: a header
/// `epoch,<metric>,…` (metrics sorted by name, fixed at the first epoch), then one row per
/// epoch, epochs numbered from 1 as in `History`; a metric missing from an epoch is `NA`.
///
/// The whole file is rewritten atomically after every epoch (`AtomicFile`), rather than
/// appended to: a crash mid-write leaves the previous complete file, never a torn last
/// row, so a run resumed with `append: true` continues a well-formed CSV. The cost, a
/// rewrite of a few kilobytes per epoch, is negligible next to an epoch.
public final class CSVLogger<Scalar: TensorScalar>: Callback {
    /// The file written.
    public let path: String
    /// The field separator.
    public let separator: String
    /// Whether to continue an existing file (its header fixes the columns) rather than
    /// replace it.
    public let append: Bool

    private var columns: [String]?
    private var text = ""

    /// Creates the callback.
    public init(path: String, separator: String = ",", append: Bool = false) {
        self.path = path
        self.separator = separator
        self.append = append
    }

    /// Starts the file's text: empty, or the existing file's when appending.
    ///
    /// - Throws: `ModelError.invalidArgument` when the file to append to cannot be read.
    public func trainingWillBegin(model: Model<Scalar>) throws {
        columns = nil
        text = ""
        let url = URL(fileURLWithPath: path)
        guard append, FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ModelError.invalidArgument("CSVLogger: cannot read \(path) to append to it: \(error.localizedDescription)")
        }
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        if let header = text.split(separator: "\n", maxSplits: 1).first {
            let names = header.components(separatedBy: separator)
            if names.first == "epoch" { columns = Array(names.dropFirst()) }
        }
    }

    /// Adds the epoch's row and rewrites the file.
    public func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Scalar>) throws -> CallbackDecision {
        let columns = self.columns ?? logs.keys.sorted()
        if self.columns == nil {
            self.columns = columns
            text += (["epoch"] + columns).joined(separator: separator) + "\n"
        }
        let fields = [String(epoch)] + columns.map { logs[$0].map { "\($0)" } ?? "NA" }
        text += fields.joined(separator: separator) + "\n"
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path))
        return .proceed
    }
}
