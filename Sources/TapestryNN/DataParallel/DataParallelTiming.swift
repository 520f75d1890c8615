/// Where the time of data-parallel training steps went on one rank.
public struct DataParallelTiming: Sendable, Equatable {
    /// The steps recorded.
    public private(set) var steps = 0
    /// Forward, backward and gradient exchange of all steps, in seconds (the optimizer's
    /// update is not included).
    public private(set) var stepSeconds = 0.0
    /// The all-reduce of all steps, in seconds (including waiting for slower ranks).
    public private(set) var allReduceSeconds = 0.0
    /// The fastest step's all-reduce, in seconds (the least waiting: closest to the transfer alone).
    public private(set) var fastestAllReduceSeconds = Double.infinity

    /// Creates an empty record.
    public init() {}

    /// Adds one step.
    public mutating func record(stepSeconds: Double, allReduceSeconds: Double) {
        steps += 1
        self.stepSeconds += stepSeconds
        self.allReduceSeconds += allReduceSeconds
        fastestAllReduceSeconds = min(fastestAllReduceSeconds, allReduceSeconds)
    }
}
