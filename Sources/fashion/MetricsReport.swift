import Foundation
import TapestryNN

/// The figures `--metrics-json` writes: per-epoch training metrics, the test evaluation and
/// the timings.
struct MetricsReport: Encodable {
    struct Test: Encodable {
        let loss: Double
        let accuracy: Double
    }

    let epochs: [History.Epoch]
    let test: Test
    let predictSeconds: Double
    let loadSeconds: Double
    let parameters: Int

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
