/// Which operands of a recorded op need a cotangent: those that are, or depend on, a
/// watched variable of the tape. A pullback returns `nil` for the others and so never
/// computes a cotangent nobody uses (the weight's gradient of a layer, but not its input
/// batch's).
///
/// ```swift
/// Tensor.differentiable("multiply", operands: [a, b]) { $0[0] * $0[1] }
///     pullback: { g, xs, _, needs in
///         [needs[0] ? g * xs[1] : nil, needs[1] ? g * xs[0] : nil]
///     }
/// ```
public struct NeededGradients: Sendable, Hashable {
    /// Bit `i` set: operand `i < 64` needs a cotangent.
    private var low: UInt64 = 0
    /// Operands from 64 on that need one (a concatenation of many tensors); empty, so not
    /// allocated, for almost every op.
    private var high: [Int] = []

    /// No operand needs a cotangent.
    public init() {}

    /// The operands at `positions` need a cotangent.
    public init(_ positions: some Sequence<Int>) {
        for position in positions { insert(position) }
    }

    /// Marks operand `position` as needing a cotangent.
    public mutating func insert(_ position: Int) {
        precondition(position >= 0, "NeededGradients: negative operand position \(position)")
        if position < 64 { low |= 1 << UInt64(position) } else if !high.contains(position) { high.append(position) }
    }

    /// Whether operand `position` needs a cotangent.
    public subscript(position: Int) -> Bool {
        position >= 0 && position < 64 ? low & (1 << UInt64(position)) != 0 : high.contains(position)
    }

    /// Whether no operand needs a cotangent (then the op's pullback is never called).
    public var isEmpty: Bool { low == 0 && high.isEmpty }
}
