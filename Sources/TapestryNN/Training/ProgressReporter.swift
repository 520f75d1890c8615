import Foundation

/// Connects `fit` to the progress display: the "Epoch 1/5" headers, one progress bar per
/// epoch, and the reason training stopped.
struct ProgressReporter {
    let verbosity: Int
    let epochs: Int

    func beginEpoch(_ epoch: Int, steps: Int) -> EpochProgress {
        if verbosity > 0 { print("Epoch \(epoch)/\(epochs)") }
        return EpochProgress(steps: steps, verbosity: verbosity)
    }

    func stopped(_ reason: String) {
        if verbosity > 0 { print(reason) }
    }
}

/// One epoch's progress display (temporary plain version).
struct EpochProgress {
    let steps: Int
    let verbosity: Int
    let start = DispatchTime.now()

    mutating func update(step: Int, metrics: [(String, Double)]) {}

    func finish(metrics: [(String, Double)]) {
        guard verbosity > 0 else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let text = metrics.map { "\($0.0): \(String(format: "%.4f", $0.1))" }.joined(separator: " - ")
        print("\(steps)/\(steps) - \(Int(seconds.rounded()))s - \(text)")
    }
}
