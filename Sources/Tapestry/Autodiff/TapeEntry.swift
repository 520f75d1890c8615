/// One record of a `Tape`: a leaf (a watched variable or a named constant) or an op
/// applied to earlier entries.
///
/// Entries are plain read-only data, so that tools such as TapestryViz can draw the
/// recorded computation graph directly from the tape.
public struct TapeEntry: Sendable, Hashable {
    /// What an entry records.
    public enum Kind: Sendable, Hashable {
        /// A leaf whose gradient is wanted (a parameter), from `Tape.watch(_:name:)`.
        case variable
        /// A leaf recorded for the picture only (an input batch), from
        /// `Tape.constant(_:name:)`; no gradient flows into it.
        case constant
        /// An op applied to earlier entries.
        case operation
    }

    /// The entry's position on its tape; inputs always have smaller indices.
    public let index: Int
    /// Leaf or op.
    public let kind: Kind
    /// The op's name (`"matmul"`, `"relu"`, …), or `"variable"` / `"constant"` for leaves.
    public let op: String
    /// The name given to a leaf (for example `dense_1.kernel`), if any.
    public let name: String?
    /// The indices of the tracked inputs, in operand order.
    public var inputs: [Int] { operands.filter { $0 >= 0 } }
    /// One index per operand of the op, `-1` where the operand was not tracked (a literal,
    /// an untracked batch).
    public let operands: [Int]
    /// The shape of the entry's value.
    public let shape: [Int]
    /// The label that was current when the entry was recorded, usually the layer's name
    /// (see `Tape.withLabel(_:_:)`); nested labels are joined with `/`.
    public let label: String?
    /// `0` for the forward computation; `k ≥ 1` for an op recorded by a backward sweep that
    /// builds a graph (`createGraph: true`) of order `k`, or applied to such an op's result:
    /// the first derivative's ops (and, say, a gradient penalty computed from it) have
    /// order 1, the ops of a gradient of those have order 2, and so on.
    public let derivativeOrder: Int

    /// Whether a backward sweep recorded this entry (it computes a derivative, so that
    /// the derivative can be differentiated again); `false` for the forward computation.
    public var isBackward: Bool { derivativeOrder > 0 }

    /// A record; `derivativeOrder` is 0 for the forward computation.
    init(index: Int, kind: Kind, op: String, name: String?, operands: [Int], shape: [Int], label: String?,
         derivativeOrder: Int = 0) {
        self.index = index
        self.kind = kind
        self.op = op
        self.name = name
        self.operands = operands
        self.shape = shape
        self.label = label
        self.derivativeOrder = derivativeOrder
    }
}
