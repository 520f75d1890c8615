import Foundation

/// A numeric axis with "nice" ticks: steps of 1, 2 or 5 times a power of ten.
struct NiceAxis: Equatable, Sendable {
    /// Smallest value on the axis (the first tick).
    let lower: Double
    /// Largest value on the axis (the last tick).
    let upper: Double
    /// Distance between ticks.
    let step: Double
    /// Tick values from `lower` to `upper`.
    let ticks: [Double]

    /// An axis covering every finite value in `values` with about `targetTickCount` ticks.
    /// With no finite value the axis is 0...1; a constant value gets a small band around it.
    /// When every finite value lies in `limits` (e.g. 0...1 for an accuracy), the axis does
    /// not extend past them.
    init(covering values: [Double], limits: ClosedRange<Double>? = nil, targetTickCount: Int = 5) {
        let finite = values.filter(\.isFinite)
        guard let dataLow = finite.min(), let dataHigh = finite.max() else {
            self.init(lower: limits?.lowerBound ?? 0, upper: limits?.upperBound ?? 1, step: 0.2)
            return
        }
        var low = dataLow, high = dataHigh
        if high - low <= max(abs(low), abs(high)) * 1e-9 {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let intervals = Double(max(targetTickCount - 1, 1))
        // Dividing before subtracting keeps the span finite even for huge values.
        let step = NiceAxis.niceStep(high / intervals - low / intervals)
        var first = (low / step).rounded(.down)
        var last = (high / step).rounded(.up)
        if let limits, limits.contains(dataLow), limits.contains(dataHigh) {
            first = max(first, (limits.lowerBound / step).rounded(.up))
            last = min(last, (limits.upperBound / step).rounded(.down))
        }
        if last <= first { last = first + 1 }
        self.init(lower: first * step, upper: last * step, step: step)
    }

    /// An axis of whole epochs 1...`count` (a single epoch sits in the middle of 0...2).
    init(epochCount count: Int, targetTickCount: Int = 6) {
        guard count > 1 else {
            self.lower = 0
            self.upper = 2
            self.step = 1
            self.ticks = [1]
            return
        }
        // Label every epoch while they fit; otherwise whole 1-2-5 steps.
        let step = count <= 12
            ? 1 : max(1, NiceAxis.niceStep(Double(count - 1) / Double(max(targetTickCount - 1, 1))))
        var ticks: [Double] = []
        var multiple = step
        while multiple <= Double(count) {
            ticks.append(multiple)
            multiple += step
        }
        // Label epoch 1 unless the first multiple of the step crowds it.
        if (ticks.first ?? Double(count)) - 1 >= 0.6 * step {
            ticks.insert(1, at: 0)
        }
        self.lower = 1
        self.upper = Double(count)
        self.step = step
        self.ticks = ticks
    }

    private init(lower: Double, upper: Double, step: Double) {
        self.lower = lower
        self.upper = upper
        self.step = step
        let first = (lower / step).rounded()
        let last = (upper / step).rounded()
        var ticks: [Double] = []
        var index = first
        while index <= last && ticks.count <= 100 {
            // Index × step (not repeated addition) keeps ticks free of accumulated error.
            ticks.append(index * step == 0 ? 0 : index * step)
            index += 1
        }
        self.ticks = ticks
    }

    /// The smallest 1-, 2- or 5-times-a-power-of-ten step at least `raw` (1 for non-positive
    /// or non-finite input).
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        // A little slack so that 0.05000000000000002 counts as 5 × 0.01, not 10 × 0.01.
        let fraction = raw / magnitude * (1 - 1e-9)
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// Where `value` falls on the axis: 0 at `lower`, 1 at `upper`.
    func fraction(of value: Double) -> Double {
        let span = upper - lower
        guard span.isFinite, span > 0 else { return 0.5 }
        return (value - lower) / span
    }

    /// A tick label with just enough decimals for the step (e.g. `0.25` never, `0.2`, `0.05`).
    func label(for value: Double) -> String {
        let largest = max(abs(lower), abs(upper))
        if largest >= 1e6 || step < 1e-5 {
            return String(format: "%.3g", value)
        }
        let decimals = max(0, -Int((log10(step) + 1e-9).rounded(.down)))
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
