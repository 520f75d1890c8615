// SummaryHistogram.swift: the distribution of a tensor's values, as TensorBoard's
// `HistogramProto` holds it.

import Tapestry

/// A histogram of values for TensorBoard: count, sum, sum of squares, extremes and equal-width
/// buckets (TensorFlow 2's `tf.summary.histogram` uses 30).
public struct SummaryHistogram: Sendable, Equatable {
    /// The smallest value (0 for no values).
    public var minimum: Double
    /// The largest value (0 for no values).
    public var maximum: Double
    /// How many values there are.
    public var count: Double
    /// Their sum.
    public var sum: Double
    /// The sum of their squares.
    public var sumOfSquares: Double
    /// Each bucket's upper edge, increasing; the first bucket starts at `minimum`.
    public var bucketLimits: [Double]
    /// Each bucket's count.
    public var bucketCounts: [Double]

    /// The histogram of `values` in `bucketCount` equal-width buckets between the smallest and
    /// largest finite value (one bucket when they are equal). Non-finite values are counted in
    /// `count`, `sum` and the extremes but in no bucket.
    public init(_ values: some Sequence<Double>, bucketCount: Int = 30) {
        checkPrecondition(bucketCount > 0, "SummaryHistogram: bucketCount must be positive, got \(bucketCount)")
        var minimum = Double.infinity, maximum = -Double.infinity
        var finiteMinimum = Double.infinity, finiteMaximum = -Double.infinity
        var count = 0.0, sum = 0.0, squares = 0.0
        for value in values {
            count += 1
            sum += value
            squares += value * value
            minimum = Swift.min(minimum, value)
            maximum = Swift.max(maximum, value)
            if value.isFinite {
                finiteMinimum = Swift.min(finiteMinimum, value)
                finiteMaximum = Swift.max(finiteMaximum, value)
            }
        }
        self.count = count
        self.sum = sum
        self.sumOfSquares = squares
        self.minimum = count > 0 ? minimum : 0
        self.maximum = count > 0 ? maximum : 0
        guard finiteMinimum <= finiteMaximum else {
            bucketLimits = []
            bucketCounts = []
            return
        }
        let buckets = finiteMinimum == finiteMaximum ? 1 : bucketCount
        let width = (finiteMaximum - finiteMinimum) / Double(buckets)
        bucketLimits = (1...buckets).map { $0 == buckets ? finiteMaximum : finiteMinimum + Double($0) * width }
        var counts = [Double](repeating: 0, count: buckets)
        for value in values where value.isFinite {
            let index = width > 0 ? Int(((value - finiteMinimum) / width).rounded(.down)) : 0
            counts[Swift.min(Swift.max(index, 0), buckets - 1)] += 1
        }
        bucketCounts = counts
    }

    /// The `HistogramProto` message.
    var message: ProtobufWriter {
        var proto = ProtobufWriter()
        proto.double(1, minimum)
        proto.double(2, maximum)
        proto.double(3, count)
        proto.double(4, sum)
        proto.double(5, sumOfSquares)
        proto.packedDoubles(6, bucketLimits)
        proto.packedDoubles(7, bucketCounts)
        return proto
    }
}
