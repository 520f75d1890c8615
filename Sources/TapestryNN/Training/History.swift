import Foundation

/// What `fit` measured, epoch by epoch, like Keras's `History`.
public struct History: Sendable, Equatable, Codable {
    /// One epoch's figures.
    public struct Epoch: Sendable, Equatable, Codable {
        /// The epoch's number, from 1.
        public var epoch: Int
        /// The metrics by name: `loss`, `accuracy`, `val_loss`, `val_accuracy`, …
        public var metrics: [String: Double]
        /// Wall-clock seconds the epoch took (training and validation).
        public var seconds: Double

        /// Creates a record.
        public init(epoch: Int, metrics: [String: Double], seconds: Double) {
            self.epoch = epoch
            self.metrics = metrics
            self.seconds = seconds
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// Encodes flat: `{"epoch": 1, "loss": …, "accuracy": …, "seconds": …}`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(epoch, forKey: Key(stringValue: "epoch"))
            for (name, value) in metrics { try container.encode(value, forKey: Key(stringValue: name)) }
            try container.encode(seconds, forKey: Key(stringValue: "seconds"))
        }

        /// Decodes the flat form.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            epoch = try container.decode(Int.self, forKey: Key(stringValue: "epoch"))
            seconds = try container.decode(Double.self, forKey: Key(stringValue: "seconds"))
            var metrics: [String: Double] = [:]
            for key in container.allKeys where key.stringValue != "epoch" && key.stringValue != "seconds" {
                metrics[key.stringValue] = try container.decode(Double.self, forKey: key)
            }
            self.metrics = metrics
        }
    }

    /// The epochs run, in order.
    public var epochs: [Epoch] = []
    /// Why training stopped before its last epoch (early stopping, a NaN loss), if it did.
    public var stopReason: String?

    /// Creates an empty history.
    public init() {}

    /// One metric over the epochs (`history["val_loss"]`); `nan` where an epoch lacks it.
    public subscript(metric: String) -> [Double] {
        epochs.map { $0.metrics[metric] ?? .nan }
    }

    /// The metric names recorded, training ones first (`loss`, `accuracy`, `val_loss`, …).
    public var metricNames: [String] {
        let names = Set(epochs.flatMap(\.metrics.keys))
        return names.sorted { a, b in
            let (va, vb) = (a.hasPrefix("val_"), b.hasPrefix("val_"))
            if va != vb { return !va }
            let (ka, kb) = (a.hasSuffix("loss"), b.hasSuffix("loss"))
            return ka != kb ? ka : a < b
        }
    }

    /// The history as JSON, keys sorted, so the same run gives the same bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
