/// Connects `fit` to the display: the "Epoch 1/5" headers, one `ProgressBar` per epoch,
/// and the reason training stopped.
struct ProgressReporter {
    let verbosity: Int
    let epochs: Int

    func beginEpoch(_ epoch: Int, steps: Int) -> ProgressBar {
        if verbosity > 0 { print(ProgressBar.epochHeader(epoch: epoch, of: epochs)) }
        return ProgressBar(totalSteps: steps, verbosity: ProgressBar.Verbosity(rawValue: verbosity) ?? .progressBar)
    }

    func stopped(_ reason: String) {
        if verbosity > 0 { print(reason) }
    }
}
