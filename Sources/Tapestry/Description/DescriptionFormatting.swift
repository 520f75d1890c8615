// The number and shape formats that summaries, diagrams and messages share.

extension BinaryInteger {
    /// The decimal digits grouped by thousands with commas, independent of the locale, as
    /// Keras's `summary()` writes parameter counts: `55050.groupedByThousands` is `55,050`.
    public var groupedByThousands: String {
        let digits = String(magnitude)
        var result = self < 0 ? "-" : ""
        result.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}

extension ModelDescription {
    /// A sample shape with the batch as `None`, as Keras prints it: `(None, 26, 26, 32)`,
    /// `(None,)` for scalar samples, `?` when unknown.
    public static func batchShapeText(_ shape: [Int]?) -> String {
        guard let shape else { return "?" }
        return shape.isEmpty ? "(None,)" : "(None, " + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
