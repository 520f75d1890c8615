import Foundation
import TapestryIO


/// Keras-style training progress for one epoch.
///
/// ```text
/// Epoch 1/5
/// 1875/1875 ━━━━━━━━━━━━━━━━━━━━ 2s 1ms/step - accuracy: 0.8180 - loss: 0.5140 - val_accuracy: 0.8412 - val_loss: 0.4405
/// ```
///
/// - `.progressBar` (Keras `verbose=1`) on a terminal redraws one line in place with `\r`
///   while the epoch runs — step counter, bar, ETA, time per step and metrics — at most once
///   per `redrawInterval`, then ends it with the total time instead of the ETA. When the
///   output is not a terminal (a pipe, a file, `CI` set, `TERM=dumb`) it writes only that
///   final line, with no `\r` and no ANSI escape codes.
/// - `.oneLinePerEpoch` (Keras `verbose=2`) writes `1875/1875 - 2s - 1ms/step - loss: …` at
///   the end of the epoch.
/// - `.silent` writes nothing.
///
/// Call `update(step:metrics:)` after every step (cheap when nothing is drawn: one clock
/// read on a terminal, nothing otherwise; the metrics are evaluated only when drawn) and
/// `finish(metrics:)` once at the end of the epoch, passing the validation metrics
/// (named `val_…`) after the training ones. Metrics are shown as given, in order: pass
/// running averages. A bar is for one epoch; make a new one for the next.
///
/// ```swift
/// if verbosity != .silent { print(ProgressBar.epochHeader(epoch: epoch, of: epochs)) }
/// var bar = ProgressBar(totalSteps: batches.count, verbosity: verbosity)
/// for (step, batch) in zip(1..., batches) {
///     train(batch)
///     bar.update(step: step, metrics: [("accuracy", accuracy.mean), ("loss", loss.mean)])
/// }
/// bar.finish(metrics: [("accuracy", …), ("loss", …), ("val_accuracy", …), ("val_loss", …)])
/// ```
///
/// Times follow Keras: the time per step leaves out the first step (warm-up) and shows as
/// `s/step`, `ms/step` or `us/step`; durations as `2s`, `1m 3s`, `1h 2m`, rounded to the
/// nearest second (Keras truncates the ETA). The output sink and the clock are injectable,
/// so tests can drive the bar exactly. A bar is not `Sendable`: keep it on one thread.
public struct ProgressBar {
    /// How much to report, as Keras's `verbose` argument.
    public enum Verbosity: Int, Sendable, CaseIterable {
        /// `verbose=0`: nothing.
        case silent = 0
        /// `verbose=1`: a live progress bar on a terminal, the final line elsewhere.
        case progressBar = 1
        /// `verbose=2`: one line per epoch.
        case oneLinePerEpoch = 2
    }

    /// A named metric value such as `("loss", 0.514)`.
    public typealias MetricValue = (name: String, value: Double)

    /// The number of steps in the epoch, or `nil` when unknown (then the bar shows
    /// `12/Unknown` and elapsed time while running).
    public let totalSteps: Int?
    /// What to report.
    public let verbosity: Verbosity
    /// Whether the output is an interactive terminal that understands `\r` and ANSI codes.
    public let isTerminal: Bool
    /// The number of `━` cells in the bar.
    public let barWidth: Int
    /// The minimum time between two redraws on a terminal, in seconds.
    public let redrawInterval: Double

    private let output: (String) -> Void
    private let now: () -> Double
    private let startTime: Double
    private var timeAfterFirstStep: Double?
    private var lastDrawTime: Double?
    private var lastStep = 0
    private var previousLineWidth = 0
    private var isFinished = false

    /// Creates a bar for one epoch; the epoch's clock starts now.
    ///
    /// - Parameters:
    ///   - totalSteps: steps in the epoch; `nil` (or a non-positive value) if unknown.
    ///   - verbosity: what to report.
    ///   - isTerminal: whether `output` is an interactive terminal; defaults to
    ///     `ProgressBar.isInteractiveTerminal()` for standard output.
    ///   - barWidth: `━` cells in the bar (Keras: 20).
    ///   - redrawInterval: minimum seconds between redraws (Keras: 0.05).
    ///   - output: where text goes; by default standard output, flushed after each write.
    ///   - now: a monotonic clock in seconds; by default `ProgressBar.monotonicSeconds()`.
    public init(
        totalSteps: Int?,
        verbosity: Verbosity,
        isTerminal: Bool = ProgressBar.isInteractiveTerminal(),
        barWidth: Int = 20,
        redrawInterval: Double = 0.05,
        output: @escaping (String) -> Void = ProgressBar.writeToStandardOutput,
        now: @escaping () -> Double = ProgressBar.monotonicSeconds
    ) {
        self.totalSteps = totalSteps.flatMap { $0 > 0 ? $0 : nil }
        self.verbosity = verbosity
        self.isTerminal = isTerminal
        self.barWidth = max(barWidth, 0)
        self.redrawInterval = redrawInterval
        self.output = output
        self.now = now
        self.startTime = now()
    }

    /// Records that `step` steps (1-based) of the epoch are done, redrawing the live bar if
    /// it is due.
    ///
    /// - Parameters:
    ///   - step: the number of steps done, from 1.
    ///   - metrics: the values to show, in order; evaluated only when drawn.
    public mutating func update(step: Int, metrics: @autoclosure () -> [MetricValue] = []) {
        guard verbosity != .silent, !isFinished else { return }
        lastStep = step
        let liveBar = verbosity == .progressBar && isTerminal
        guard liveBar || (step == 1 && timeAfterFirstStep == nil) else { return }
        let time = now()
        if step == 1 && timeAfterFirstStep == nil { timeAfterFirstStep = time }
        guard liveBar else { return }
        if let lastDrawTime, time - lastDrawTime < redrawInterval { return }
        lastDrawTime = time
        draw(step: step, metrics: metrics(), time: time, isFinal: false)
    }

    /// Ends the epoch: writes the final line (total time, time per step and `metrics`,
    /// validation metrics included) and a newline. Later calls do nothing.
    ///
    /// - Parameter metrics: the epoch's metrics, in order, e.g. `loss`, `accuracy`,
    ///   `val_loss`, `val_accuracy`.
    public mutating func finish(metrics: [MetricValue] = []) {
        guard verbosity != .silent, !isFinished else { return }
        isFinished = true
        let time = now()
        switch verbosity {
        case .silent:
            return
        case .progressBar:
            draw(step: lastStep, metrics: metrics, time: time, isFinal: true)
        case .oneLinePerEpoch:
            let total = totalSteps ?? lastStep
            var line = Self.counter(step: lastStep, total: total) + " - " + Self.formatDuration(time - startTime)
            line += " - " + Self.formatTimePerStep(secondsPerStep(step: lastStep, at: time))
            line += Self.formatMetrics(metrics)
            output(line + "\n")
        }
    }

    /// The line Keras prints before each epoch: `"Epoch 1/5"` (no newline).
    public static func epochHeader(epoch: Int, of epochCount: Int) -> String {
        "Epoch \(epoch)/\(epochCount)"
    }

    // MARK: Drawing

    private mutating func draw(step: Int, metrics: [MetricValue], time: Double, isFinal: Bool) {
        let styled = isTerminal
        let bold = styled ? "\u{1B}[1m" : "", reset = styled ? "\u{1B}[0m" : ""
        // After the epoch the total is known even if it was not up front.
        let total = totalSteps ?? (isFinal ? lastStep : nil)

        var plain = "", line = ""
        func add(_ text: String, style: String = "") {
            plain += text
            line += style.isEmpty || !styled ? text : style + text + reset
        }

        if let total {
            add(Self.counter(step: step, total: total), style: bold)
            let fraction = total > 0 ? min(max(Double(step) / Double(total), 0), 1) : 1
            let done = Int(Double(barWidth) * fraction)
            add(" ")
            if done > 0 { add(String(repeating: "━", count: done), style: "\u{1B}[32m") }
            if done < barWidth { add(String(repeating: "━", count: barWidth - done), style: "\u{1B}[37m") }
        } else {
            add(String(repeating: " ", count: max(0, 7 - String(step).count)) + "\(step)/Unknown")
        }

        let secondsPerStep = secondsPerStep(step: step, at: time)
        add(" ")
        if isFinal || total == nil {
            add(Self.formatDuration(time - startTime), style: bold)
        } else if let total {
            add(Self.formatDuration(secondsPerStep * Double(max(total - step, 0))), style: bold)
        }
        add(" " + Self.formatTimePerStep(secondsPerStep) + Self.formatMetrics(metrics))

        guard styled else {
            // Not a terminal: only the final line, plain.
            if isFinal { output(line + "\n") }
            return
        }
        let width = plain.count
        let padding = String(repeating: " ", count: max(previousLineWidth - width, 0))
        previousLineWidth = width
        output("\r" + line + padding + (isFinal ? "\n" : ""))
    }

    /// Seconds per step, leaving out the first step (compilation, cache warm-up) once
    /// there are later ones to average, as Keras does.
    private func secondsPerStep(step: Int, at time: Double) -> Double {
        guard step > 0 else { return 0 }
        if let timeAfterFirstStep, step > 1 {
            return (time - timeAfterFirstStep) / Double(step - 1)
        }
        return (time - startTime) / Double(step)
    }

    /// `"  12/1875"`: the step right-aligned to the width of the total.
    private static func counter(step: Int, total: Int) -> String {
        let stepText = String(step), totalText = String(total)
        return String(repeating: " ", count: max(totalText.count - stepText.count, 0)) + stepText + "/" + totalText
    }

    private static func formatMetrics(_ metrics: [MetricValue]) -> String {
        metrics.map { " - \($0.name): " + formatMetricValue($0.value) }.joined()
    }
}

// MARK: - Formatting

extension ProgressBar {
    /// A duration as Keras shows it, rounded to whole seconds: `"0s"`, `"42s"`, `"1m 3s"`,
    /// `"1h 2m"`. Negative or non-finite durations show as `"0s"`.
    public static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        let total = Int(min(seconds, 1e12).rounded(.toNearestOrEven))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        return "\(total / 3600)h \(total % 3600 / 60)m"
    }

    /// The time per step as Keras shows it: `"2s/step"` at a second or more (and for 0),
    /// `"15ms/step"` at a millisecond or more, `"850us/step"` below.
    public static func formatTimePerStep(_ seconds: Double, unit: String = "step") -> String {
        let seconds = seconds.isFinite && seconds > 0 ? seconds : 0
        func rounded(_ value: Double) -> Int { Int(min(value, 1e12).rounded(.toNearestOrEven)) }
        if seconds >= 1 || seconds == 0 { return "\(rounded(seconds))s/\(unit)" }
        if seconds >= 1e-3 { return "\(rounded(seconds * 1e3))ms/\(unit)" }
        return "\(rounded(seconds * 1e6))us/\(unit)"
    }

    /// A metric value as Keras shows it: 4 decimals (`"0.5140"`), or scientific notation
    /// when its magnitude is at most 1e-3 (`"1.2000e-04"`); `"nan"` and `"inf"` as such.
    public static func formatMetricValue(_ value: Double) -> String {
        String(format: abs(value) > 1e-3 ? "%.4f" : "%.4e", value)
    }
}

// MARK: - Defaults

extension ProgressBar {
    /// Whether a live bar can be drawn on `fileDescriptor`: it is a terminal (`isatty`),
    /// `CI` is unset (or `"0"` / `"false"`), and `TERM` is not `dumb`.
    public static func isInteractiveTerminal(
        fileDescriptor: Int32 = STDOUT_FILENO,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        if let ci = environment["CI"], !ci.isEmpty, ci != "0", ci.lowercased() != "false" { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(fileDescriptor) != 0
    }

    /// Writes `text` to standard output and flushes it, so a line without a newline shows
    /// at once and stays ordered with `print`.
    public static func writeToStandardOutput(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }

    /// Seconds on the system's monotonic clock (`CLOCK_MONOTONIC`, unaffected by changes
    /// to the wall clock).
    public static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
