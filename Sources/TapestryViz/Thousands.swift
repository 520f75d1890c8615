/// Whole numbers grouped in thousands, as Keras's `summary()` writes parameter counts
/// (internal; the one home of this helper in TapestryViz).
enum Thousands {
    /// `50240` → `50,240`; `-4160` → `-4,160`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
