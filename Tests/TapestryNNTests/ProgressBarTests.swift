import Foundation
import XCTest
@testable import TapestryNN

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ProgressBarTests: XCTestCase {
    /// A clock the test moves by hand.
    private final class FakeClock {
        var time = 0.0
    }

    /// Everything the bar wrote, write by write.
    private final class Recorder {
        var writes: [String] = []
        var text: String { writes.joined() }
    }

    private let bold = "\u{1B}[1m", green = "\u{1B}[32m", grey = "\u{1B}[37m", reset = "\u{1B}[0m"
    private let fullBar = String(repeating: "━", count: 20)
    private let finalMetrics: [ProgressBar.MetricValue] = [
        ("accuracy", 0.818), ("loss", 0.514), ("val_accuracy", 0.8412), ("val_loss", 0.4405),
    ]

    private func makeBar(
        totalSteps: Int?, verbosity: ProgressBar.Verbosity, isTerminal: Bool
    ) -> (ProgressBar, FakeClock, Recorder) {
        let clock = FakeClock(), recorder = Recorder()
        let bar = ProgressBar(
            totalSteps: totalSteps, verbosity: verbosity, isTerminal: isTerminal,
            output: { recorder.writes.append($0) }, now: { clock.time })
        return (bar, clock, recorder)
    }

    /// An epoch of 1,875 steps: a slow first step (0.5 s), then 1 ms per step; 2.374 s in all.
    private func runMNISTEpoch(_ bar: inout ProgressBar, _ clock: FakeClock) {
        for step in 1...1875 {
            clock.time = 0.5 + Double(step - 1) * 0.001
            bar.update(step: step, metrics: [("accuracy", 0.818), ("loss", 0.514)])
        }
        bar.finish(metrics: finalMetrics)
    }

    // MARK: Exact lines

    func testOneLinePerEpochMatchesKeras() {
        var (bar, clock, recorder) = makeBar(totalSteps: 1875, verbosity: .oneLinePerEpoch, isTerminal: true)
        runMNISTEpoch(&bar, clock)
        // Keras 3.15's Progbar prints exactly this for the same clock and metrics.
        XCTAssertEqual(
            recorder.writes,
            ["1875/1875 - 2s - 1ms/step - accuracy: 0.8180 - loss: 0.5140 - val_accuracy: 0.8412 - val_loss: 0.4405\n"])
    }

    func testProgressBarOffTerminalWritesOnlyThePlainFinalLine() {
        var (bar, clock, recorder) = makeBar(totalSteps: 1875, verbosity: .progressBar, isTerminal: false)
        runMNISTEpoch(&bar, clock)
        XCTAssertEqual(
            recorder.writes,
            ["1875/1875 \(fullBar) 2s 1ms/step - accuracy: 0.8180 - loss: 0.5140 - val_accuracy: 0.8412 - val_loss: 0.4405\n"])
        XCTAssertFalse(recorder.text.contains("\r"))
        XCTAssertFalse(recorder.text.contains("\u{1B}"))
    }

    func testTerminalRedrawsInPlaceWithETAThenEndsWithTotalTime() throws {
        var (bar, clock, recorder) = makeBar(totalSteps: 1875, verbosity: .progressBar, isTerminal: true)
        // 10 ms for the first step, then 6 ms per step.
        for step in 1...1875 {
            clock.time = 0.01 + Double(step - 1) * 0.006
            bar.update(step: step, metrics: [("accuracy", step == 1 ? 0.5 : 0.612), ("loss", step == 1 ? 2 : 1.152)])
        }
        bar.finish(metrics: finalMetrics)

        let writes = recorder.writes
        XCTAssertEqual(
            writes[0],
            "\r\(bold)   1/1875\(reset) \(grey)\(fullBar)\(reset) \(bold)19s\(reset) 10ms/step - accuracy: 0.5000 - loss: 2.0000")
        // Step 10 is the first one 50 ms after the first draw (54 ms); its line is a cell
        // shorter, so a space covers the rest of the old one.
        XCTAssertEqual(
            writes[1],
            "\r\(bold)  10/1875\(reset) \(grey)\(fullBar)\(reset) \(bold)11s\(reset) 6ms/step - accuracy: 0.6120 - loss: 1.1520 ")
        let halfway = try XCTUnwrap(writes.first { $0.contains(" 946/1875") })
        XCTAssertTrue(halfway.contains("\(green)\(String(repeating: "━", count: 10))\(reset)\(grey)\(String(repeating: "━", count: 10))\(reset)"), halfway)
        XCTAssertTrue(halfway.contains("\(bold)6s\(reset) 6ms/step"), halfway)
        XCTAssertEqual(
            writes.last,
            "\r\(bold)1875/1875\(reset) \(green)\(fullBar)\(reset) \(bold)11s\(reset) 6ms/step - accuracy: 0.8180 - loss: 0.5140 - val_accuracy: 0.8412 - val_loss: 0.4405\n")
        XCTAssertTrue(writes.allSatisfy { $0.hasPrefix("\r") })
        XCTAssertEqual(writes.filter { $0.hasSuffix("\n") }.count, 1)
        // One draw per 9 steps (54 ms; 8 steps are only 48 ms), plus the final line.
        XCTAssertEqual(writes.count, 1 + 1874 / 9 + 1)
    }

    func testTerminalDrawsAreThrottledAndMetricsEvaluatedOnlyWhenDrawn() {
        var (bar, clock, recorder) = makeBar(totalSteps: 100_000, verbosity: .progressBar, isTerminal: true)
        var evaluations = 0
        func metrics() -> [ProgressBar.MetricValue] {
            evaluations += 1
            return [("loss", 1)]
        }
        // 1,000 updates within 10 ms: only the first draws.
        for step in 1...1000 {
            clock.time = Double(step) * 0.00001
            bar.update(step: step, metrics: metrics())
        }
        XCTAssertEqual(recorder.writes.count, 1)
        XCTAssertEqual(evaluations, 1)
        // The first draw was at 0.01 ms.
        clock.time = 0.049
        bar.update(step: 1001, metrics: metrics())
        XCTAssertEqual(recorder.writes.count, 1, "49 ms after the last draw")
        clock.time = 0.051
        bar.update(step: 1002, metrics: metrics())
        XCTAssertEqual(recorder.writes.count, 2, "51 ms after the last draw")
        XCTAssertEqual(evaluations, 2)
        bar.finish(metrics: [("loss", 0.5)])
        XCTAssertEqual(recorder.writes.count, 3, "finishing always draws")
        XCTAssertTrue(recorder.writes[2].hasSuffix("\n"))
    }

    func testSilentWritesNothingAndEvaluatesNothing() {
        var (bar, clock, recorder) = makeBar(totalSteps: 10, verbosity: .silent, isTerminal: true)
        var evaluations = 0
        for step in 1...10 {
            clock.time += 1
            bar.update(step: step, metrics: { evaluations += 1; return [] }())
        }
        bar.finish()
        XCTAssertEqual(recorder.writes, [])
        XCTAssertEqual(evaluations, 0)
    }

    func testUnknownTotalShowsElapsedTimeThenTheCountReached() {
        var (bar, clock, recorder) = makeBar(totalSteps: nil, verbosity: .progressBar, isTerminal: true)
        for step in 1...12 {
            clock.time = Double(step) * 0.1
            bar.update(step: step)
        }
        bar.finish(metrics: [("loss", 0.00012)])
        XCTAssertEqual(recorder.writes.first, "\r      1/Unknown \(bold)0s\(reset) 100ms/step")
        XCTAssertEqual(recorder.writes[1], "\r      2/Unknown \(bold)0s\(reset) 100ms/step")
        XCTAssertEqual(
            recorder.writes.last,
            "\r\(bold)12/12\(reset) \(green)\(fullBar)\(reset) \(bold)1s\(reset) 100ms/step - loss: 1.2000e-04\n")

        var (plain, plainClock, plainRecorder) = makeBar(totalSteps: nil, verbosity: .oneLinePerEpoch, isTerminal: false)
        for step in 1...12 {
            plainClock.time = Double(step) * 0.1
            plain.update(step: step)
        }
        plain.finish()
        XCTAssertEqual(plainRecorder.writes, ["12/12 - 1s - 100ms/step\n"])
    }

    func testEarlyStopShowsAPartialBarAndFinishingTwiceWritesOnce() {
        var (bar, clock, recorder) = makeBar(totalSteps: 10, verbosity: .progressBar, isTerminal: false)
        for step in 1...3 {
            clock.time = Double(step) * 2
            bar.update(step: step)
        }
        bar.finish(metrics: [("loss", 2)])
        bar.finish(metrics: [("loss", 3)])
        bar.update(step: 4)
        // Counter padded to the width of the total; 3/10 of 20 cells.
        XCTAssertEqual(recorder.writes, [" 3/10 \(fullBar) 6s 2s/step - loss: 2.0000\n"])
    }

    func testOutOfRangeStepsClampTheBar() {
        var (bar, clock, recorder) = makeBar(totalSteps: 4, verbosity: .progressBar, isTerminal: false)
        clock.time = 1
        bar.update(step: .max)
        bar.finish()
        XCTAssertEqual(recorder.writes, ["\(Int.max)/4 \(fullBar) 1s 0us/step\n"])

        var (early, earlyClock, earlyRecorder) = makeBar(totalSteps: 4, verbosity: .progressBar, isTerminal: true)
        earlyClock.time = 1
        early.update(step: -3)
        XCTAssertEqual(earlyRecorder.writes, ["\r\(bold)-3/4\(reset) \(grey)\(fullBar)\(reset) \(bold)0s\(reset) 0s/step"])
    }

    func testEpochHeader() {
        XCTAssertEqual(ProgressBar.epochHeader(epoch: 1, of: 5), "Epoch 1/5")
        XCTAssertEqual(ProgressBar.epochHeader(epoch: 12, of: 100), "Epoch 12/100")
    }

    // MARK: Formatting

    func testDurations() {
        let cases: [(Double, String)] = [
            (0, "0s"), (0.4, "0s"), (2.374, "2s"), (59.4, "59s"), (59.6, "1m 0s"), (63, "1m 3s"),
            (3599, "59m 59s"), (3720, "1h 2m"), (90_061, "25h 1m"),
            (-1, "0s"), (.nan, "0s"), (.infinity, "0s"), (1e300, "277777777h 46m"),
        ]
        for (seconds, expected) in cases {
            XCTAssertEqual(ProgressBar.formatDuration(seconds), expected, "\(seconds)")
        }
    }

    func testTimePerStep() {
        let cases: [(Double, String)] = [
            (0, "0s/step"), (1, "1s/step"), (2.6, "3s/step"), (0.999, "999ms/step"), (0.0016, "2ms/step"),
            (0.001, "1ms/step"), (0.000_85, "850us/step"), (0.000_000_4, "0us/step"),
            (-0.5, "0s/step"), (.nan, "0s/step"),
        ]
        for (seconds, expected) in cases {
            XCTAssertEqual(ProgressBar.formatTimePerStep(seconds), expected, "\(seconds)")
        }
        XCTAssertEqual(ProgressBar.formatTimePerStep(0.02, unit: "sample"), "20ms/sample")
    }

    func testMetricValues() {
        let cases: [(Double, String)] = [
            (0.514, "0.5140"), (0.81799, "0.8180"), (-2.5, "-2.5000"), (1234.5, "1234.5000"),
            (0.00012, "1.2000e-04"), (-0.00012, "-1.2000e-04"), (0.001, "1.0000e-03"), (0, "0.0000e+00"),
            (.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(ProgressBar.formatMetricValue(value), expected, "\(value)")
        }
    }

    // MARK: Terminal detection

    func testTerminalDetection() throws {
        var pipeEnds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pipeEnds), 0)
        defer { pipeEnds.forEach { _ = close($0) } }
        XCTAssertFalse(ProgressBar.isInteractiveTerminal(fileDescriptor: pipeEnds[1], environment: [:]), "a pipe")

        // The primary side of a pseudo-terminal is a terminal as far as isatty is concerned.
        let terminal = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard terminal >= 0, isatty(terminal) != 0 else {
            if terminal >= 0 { close(terminal) }
            throw XCTSkip("no pseudo-terminal available")
        }
        defer { close(terminal) }

        XCTAssertTrue(ProgressBar.isInteractiveTerminal(fileDescriptor: terminal, environment: ["TERM": "xterm"]))
        XCTAssertTrue(ProgressBar.isInteractiveTerminal(fileDescriptor: terminal, environment: ["CI": "false"]))
        XCTAssertTrue(ProgressBar.isInteractiveTerminal(fileDescriptor: terminal, environment: ["CI": ""]))
        XCTAssertFalse(ProgressBar.isInteractiveTerminal(fileDescriptor: terminal, environment: ["CI": "true"]))
        XCTAssertFalse(ProgressBar.isInteractiveTerminal(fileDescriptor: terminal, environment: ["CI": "1"]))
        XCTAssertFalse(ProgressBar.isInteractiveTerminal(fileDescriptor: terminal, environment: ["TERM": "dumb"]))
    }

    func testMonotonicClockAdvances() {
        let start = ProgressBar.monotonicSeconds()
        usleep(2_000)
        let elapsed = ProgressBar.monotonicSeconds() - start
        XCTAssertGreaterThanOrEqual(elapsed, 0.002)
        XCTAssertLessThan(elapsed, 5)
    }
}
