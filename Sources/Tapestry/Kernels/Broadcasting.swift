/// NumPy's broadcasting rules: shapes are aligned at their last dimension, and each pair of
/// dimensions must be equal or contain a 1.
enum Broadcasting {
    /// The shape two operands broadcast to.
    ///
    /// - Precondition: the shapes are compatible; the message names `op` and both shapes.
    static func shape(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let da = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
            let db = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1,
                         "\(op): shapes \(a) and \(b) cannot be broadcast together")
            result[axis] = da == 1 ? db : da
        }
        return result
    }

    /// Whether an operand of `shape` broadcasts to `target` (aligned at the last dimension,
    /// each of its dimensions equal to the target's or 1): its cotangent can then be summed
    /// from `target` down to `shape`.
    static func broadcasts(_ shape: [Int], to target: [Int]) -> Bool {
        guard shape.count <= target.count else { return false }
        let offset = target.count - shape.count
        for axis in shape.indices where shape[axis] != 1 && shape[axis] != target[axis + offset] { return false }
        return true
    }

    /// Row-major strides of `shape` as seen from `target` (0 along broadcast dimensions).
    static func strides(of shape: [Int], broadcastTo target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            let targetAxis = axis + target.count - shape.count
            strides[targetAxis] = shape[axis] == 1 ? 0 : step
            step *= shape[axis]
        }
        return strides
    }
}
