/// A Wengert list: the ops applied to tracked tensors, in execution order, each with its
/// pullback (vector–Jacobian product).
///
/// ```swift
/// let tape = Tape<Double>()
/// let x = tape.watch(Tensor([1, 2, 3]), name: "x")
/// let y = (x * x).sum()                        // recorded: multiply, sum
/// let dx = tape.gradient(of: y, wrt: x)        // [2, 4, 6]
/// ```
///
/// Tensors refer to their tape weakly: keep the tape alive while you record and
/// differentiate. A tape is used from one thread at a time. Only floating-point tensors
/// are recorded (`Tape<Float>`, `Tape<Double>`).
///
/// The backward sweep undoes broadcasting in one place: a pullback may return an operand's
/// cotangent in the op's broadcast shape, and the sweep sums it over the broadcast axes
/// down to the operand's recorded shape.
///
/// A sweep with `createGraph: true` records the ops it applies on the tape itself, so the
/// gradients it returns are tracked and can be differentiated again (a Hessian, a gradient
/// penalty); the functional transforms (`gradient(at:of:)`, `hessian(at:of:)`, …) build on
/// it.
public final class Tape<Scalar: TensorElement>: @unchecked Sendable {
    /// A pullback maps the cotangent of an op's output to the cotangents of its operands
    /// (`nil` for an operand that needs no gradient).
    public typealias Pullback = (_ cotangent: Tensor<Scalar>) -> [Tensor<Scalar>?]

    /// A pullback that is told which operands need a cotangent; it returns `nil` for the
    /// others instead of computing them.
    public typealias SelectivePullback = (_ cotangent: Tensor<Scalar>, _ needs: NeededGradients) -> [Tensor<Scalar>?]

    /// The records, in execution order.
    public private(set) var entries: [TapeEntry] = []
    private var pullbacks: [SelectivePullback?] = []
    /// Per entry, which of its operands need a cotangent.
    private var needs: [NeededGradients] = []
    private var labels: [String] = []

    /// Whether ops on tracked tensors are being recorded now (see `withoutRecording(_:)`).
    public private(set) var isRecording = true

    /// The `derivativeOrder` given to the entries recorded now: 0 in the forward pass, one
    /// more than the swept output's during a backward sweep that creates a graph.
    var recordingOrder = 0
    /// Whether a sweep that creates a graph has recorded here (only then do entries look
    /// up their operands' orders).
    var hasBackwardEntries = false
    /// The entries whose pullback cannot be differentiated (see
    /// `Tensor.differentiable(_:operands:isOnceDifferentiable:forward:pullback:)`).
    var onceDifferentiable: Set<Int> = []
    /// The ops whose cotangents a sweep that built a graph put behind a barrier, in order.
    var onceDifferentiableOps: [String] = []

    /// When true, each recorded op's output and each pullback's cotangents are checked for
    /// NaN and infinity, and the first offender is kept in `firstAnomaly` (in the spirit
    /// of `torch.autograd.detect_anomaly`).
    public var detectsAnomalies = false

    /// The first NaN or infinity seen while `detectsAnomalies` was on.
    public private(set) var firstAnomaly: Anomaly?

    /// Creates an empty tape that records.
    public init() where Scalar: TensorScalar {}

    /// The labels joined, kept up to date by `withLabel` rather than joined per entry.
    private var currentLabel: String?

    // MARK: Labels and pausing

    /// Runs `body` with `label` attached to every entry it records (layers pass their
    /// names, so the tape groups ops by layer).
    public func withLabel<Result>(_ label: String, _ body: () throws -> Result) rethrows -> Result {
        labels.append(label)
        currentLabel = labels.joined(separator: "/")
        defer {
            labels.removeLast()
            currentLabel = labels.isEmpty ? nil : labels.joined(separator: "/")
        }
        return try body()
    }

    /// Runs `body` without recording anything (like `torch.no_grad`): its results are
    /// untracked.
    public func withoutRecording<Result>(_ body: () throws -> Result) rethrows -> Result {
        let wasRecording = isRecording
        isRecording = false
        defer { isRecording = wasRecording }
        return try body()
    }
}

extension Tape where Scalar: TensorScalar {
    // MARK: Leaves

    /// Starts tracking `value` as a variable: ops on the returned tensor are recorded, and
    /// gradients with respect to it can be asked for.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func watch(_ value: Tensor<Scalar>, name: String? = nil) -> Tensor<Scalar> {
        appendLeaf(value, kind: .variable, name: name, requiresGradient: true)
    }

    /// Records `value` as a named constant: it appears on the tape (and in its pictures),
    /// but no gradient is computed for it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func constant(_ value: Tensor<Scalar>, name: String? = nil) -> Tensor<Scalar> {
        appendLeaf(value, kind: .constant, name: name, requiresGradient: false)
    }

    private func appendLeaf(_ value: Tensor<Scalar>, kind: TapeEntry.Kind, name: String?, requiresGradient: Bool) -> Tensor<Scalar> {
        let index = entries.count
        entries.append(TapeEntry(index: index, kind: kind, op: kind == .variable ? "variable" : "constant",
                                 name: name, operands: [], shape: value.shape, label: currentLabel,
                                 derivativeOrder: recordingOrder))
        pullbacks.append(nil)
        needs.append(NeededGradients())
        var tracked = value
        tracked.node = TapeNode(tape: self, index: index, requiresGradient: requiresGradient)
        return tracked
    }

    // MARK: Recording ops

    /// Appends an op with its pullback and returns `output` tracked by this tape.
    ///
    /// Differentiable ops call this after computing their forward value; see
    /// `Tensor.differentiable(_:operands:forward:pullback:)` for the public way to define
    /// your own op. The pullback is called only if some operand needs a cotangent, and is
    /// told which (`needs[i]`); it returns `nil` for the others, and may return an
    /// operand's cotangent in the broadcast shape of the op (the sweep sums it down).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    func record(
        _ op: String, operands: [Tensor<Scalar>], output: Tensor<Scalar>, pullback: @escaping SelectivePullback
    ) -> Tensor<Scalar> {
        let index = entries.count
        var needed = NeededGradients()
        var operandIndices = [Int](repeating: -1, count: operands.count)
        var order = recordingOrder
        for (position, operand) in operands.enumerated() {
            guard let node = operand.node else { continue }
            guard node.tape === self else {
                if let other = node.tape, other.isRecording { mixedTapes(op, operand: position, shape: operand.shape) }
                continue
            }
            operandIndices[position] = node.index
            if node.requiresGradient { needed.insert(position) }
            // An op on a derivative belongs to that derivative's computation.
            if hasBackwardEntries { order = Swift.max(order, entries[node.index].derivativeOrder) }
        }
        entries.append(TapeEntry(index: index, kind: .operation, op: op, name: nil,
                                 operands: operandIndices, shape: output.shape, label: currentLabel,
                                 derivativeOrder: order))
        pullbacks.append(pullback)
        needs.append(needed)
        if detectsAnomalies && firstAnomaly == nil && !output.isFinite {
            firstAnomaly = Anomaly(entry: entries[index], phase: .forward)
        }
        var tracked = output
        tracked.node = TapeNode(tape: self, index: index, requiresGradient: !needed.isEmpty)
        return tracked
    }

    /// Traps: an op's operand is tracked by another tape that is recording too, so the op
    /// would be recorded here with that operand as a constant and the other tape's
    /// gradients through it would be silently wrong.
    private func mixedTapes(_ op: String, operand position: Int, shape: [Int]) -> Never {
        preconditionFailure("""
            \(op): operand \(position) (shape \(shape)) is recorded on another tape that is also recording; \
            an op cannot join two tapes. To differentiate inside a computation recorded on a tape (a gradient \
            penalty, a Hessian), give the inner gradient an input tracked on that tape (tape.watch(x)), or nest \
            the transforms (gradient(at:of:) inside gradient(at:of:) share one tape)
            """)
    }

    /// Appends an op over entries given by index (`-1`: untracked) and returns `output`
    /// tracked; for the sweep's own bookkeeping ops (see `onceDifferentiableCotangents`).
    func record(
        _ op: String, operandIndices: [Int], output: Tensor<Scalar>, pullback: @escaping SelectivePullback
    ) -> Tensor<Scalar> {
        let index = entries.count
        let order = operandIndices.lazy.filter { $0 >= 0 }.map { self.entries[$0].derivativeOrder }.reduce(recordingOrder, Swift.max)
        entries.append(TapeEntry(index: index, kind: .operation, op: op, name: nil, operands: operandIndices,
                                 shape: output.shape, label: currentLabel, derivativeOrder: order))
        pullbacks.append(pullback)
        needs.append(NeededGradients(operandIndices.indices.filter { operandIndices[$0] >= 0 }))
        var tracked = output
        tracked.node = TapeNode(tape: self, index: index, requiresGradient: true)
        return tracked
    }

    /// `value` tracked as the output of this tape's entry `index` (a custom op's pullback
    /// receives its output so during a sweep that creates a graph).
    func tracked(_ value: Tensor<Scalar>, asEntry index: Int) -> Tensor<Scalar> {
        var tracked = value
        tracked.node = TapeNode(tape: self, index: index, requiresGradient: !needs[index].isEmpty)
        return tracked
    }

    /// Appends an op whose pullback computes every operand's cotangent it can (it may check
    /// `operand.requiresGradient` itself); cotangents for operands that need none are
    /// dropped.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    func record(
        _ op: String, operands: [Tensor<Scalar>], output: Tensor<Scalar>, pullback: @escaping Pullback
    ) -> Tensor<Scalar> {
        record(op, operands: operands, output: output) { g, _ in pullback(g) }
    }

    // MARK: Differentiation

    /// Sweeps the tape once in reverse from `output`, seeded with `seed` (ones of the
    /// output's shape when `nil`, which differentiates the sum of the output), and returns
    /// the cotangent of every entry.
    ///
    /// Pass `keepingIntermediates: true` to keep the cotangent of every op, not only of the
    /// leaves (for example to draw the gradient flow).
    ///
    /// With `createGraph: false` (the default) the sweep records nothing: the cotangents
    /// come back untracked, from the ops' fused kernels, accumulated in place. With
    /// `createGraph: true` the sweep records every op it applies on this tape (as entries
    /// with `derivativeOrder ≥ 1`), so the cotangents are tracked and can be differentiated
    /// again, to any order (PyTorch's `create_graph=True`).
    ///
    /// ```swift
    /// let tape = Tape<Double>()
    /// let x = tape.watch(Tensor(2.0))
    /// let y = x * x * x
    /// let dy = tape.backward(from: y, createGraph: true)[x]      // 3x² = 12, tracked
    /// let d2y = tape.gradient(of: dy, wrt: x)                     // 6x = 12
    /// ```
    ///
    /// - Precondition: `output` was recorded on this tape, and `seed` has its shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(
        from output: Tensor<Scalar>, seed: Tensor<Scalar>? = nil, keepingIntermediates: Bool = false,
        createGraph: Bool = false
    ) -> Gradients<Scalar> {
        Gradients(cotangents: sweep(from: output, seed: seed, keepingIntermediates: keepingIntermediates,
                                    createGraph: createGraph, requested: []))
    }

    /// The one reverse sweep behind `backward` and `gradient`: stops below the lowest of
    /// `requested` (when given) and keeps their cotangents even if they are ops.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func sweep(
        from output: Tensor<Scalar>, seed: Tensor<Scalar>?, keepingIntermediates: Bool, createGraph: Bool,
        requested: [Int]
    ) -> [Tensor<Scalar>?] {
        guard let node = output.node, node.tape === self else {
            preconditionFailure("gradient: the output (shape \(output.shape)) was not recorded on this tape")
        }
        let seed = seed ?? Tensor(ones: output.shape)
        precondition(seed.shape == output.shape,
                     "gradient: seed shape \(seed.shape) does not match output shape \(output.shape)")
        // Without createGraph, pullbacks may use the public ops and nothing they compute is
        // recorded; with it, everything they compute is recorded, one order higher.
        let wasRecording = isRecording, outerOrder = recordingOrder
        isRecording = createGraph
        if createGraph {
            recordingOrder = entries[node.index].derivativeOrder + 1
            hasBackwardEntries = true
        }
        defer {
            isRecording = wasRecording
            recordingOrder = outerOrder
        }
        // Building a graph, every cotangent is tracked — the seed too, as a constant if it is
        // not already — so a pullback that returns an untracked one has bypassed the tape
        // (its cotangent goes behind a barrier; see OnceDifferentiable.swift).
        let trackedSeed = createGraph && !seed.isRecorded(on: self) ? constant(seed.detached(), name: "seed") : seed
        let count = entries.count
        var cotangents = [Tensor<Scalar>?](repeating: nil, count: count)
        cotangents[node.index] = createGraph ? trackedSeed : seed.detached()
        let lowest = requested.min() ?? 0
        let keptOperations = requested.filter { $0 < count && entries[$0].kind == .operation }
        for index in stride(from: node.index, through: Swift.max(lowest, 0), by: -1) {
            guard let cotangent = cotangents[index], let pullback = pullbacks[index] else { continue }
            let entry = entries[index]
            let needed = needs[index]
            if needed.isEmpty { continue }
            let operandCotangents = createGraph && onceDifferentiable.contains(index)
                ? onceDifferentiableCotangents(entry, pullback, cotangent, needed)
                : pullback(cotangent, needed)
            precondition(operandCotangents.count == entry.operands.count,
                         "\(entry.op): pullback returned \(operandCotangents.count) cotangents for \(entry.operands.count) operands")
            for (position, (operand, returned)) in zip(entry.operands, operandCotangents).enumerated() {
                guard operand >= 0, needed[position], var incoming = returned else { continue }
                let operandShape = entries[operand].shape
                if incoming.shape != operandShape {
                    // Undo broadcasting: sum over the axes the operand was broadcast along.
                    precondition(Broadcasting.broadcasts(operandShape, to: incoming.shape),
                                 "\(entry.op): pullback returned shape \(incoming.shape) for an operand of shape \(operandShape)")
                    incoming = incoming.summed(toShape: operandShape)
                }
                if createGraph && !incoming.isRecorded(on: self) {
                    // The pullback bypassed the tape: first order is right, second would not be.
                    incoming = behindBarrier(incoming, of: entry, cotangent: cotangent)
                }
                if detectsAnomalies && firstAnomaly == nil && !incoming.isFinite {
                    firstAnomaly = Anomaly(entry: entry, phase: .backward)
                }
                if createGraph {
                    // Recorded sums, so the total cotangent stays differentiable.
                    cotangents[operand] = cotangents[operand].map { $0 + incoming } ?? incoming
                } else if var existing = cotangents[operand] {
                    cotangents[operand] = nil          // keep `existing` uniquely referenced
                    existing.addInPlace(incoming)
                    cotangents[operand] = existing
                } else {
                    cotangents[operand] = incoming.detached()
                }
            }
            if !keepingIntermediates && entry.kind == .operation
                && (keptOperations.isEmpty || !keptOperations.contains(index)) {
                cotangents[index] = nil          // no longer needed
            }
        }
        return cotangents
    }

    /// The gradient of `output` (summed, if it is not a scalar) with respect to each of
    /// `variables`; a variable that does not reach the output gets zeros.
    ///
    /// The variables may be any tensors recorded on this tape (watched leaves or op
    /// results). With `createGraph: true` the gradients are tracked and can be
    /// differentiated again (see `backward(from:seed:keepingIntermediates:createGraph:)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(
        of output: Tensor<Scalar>, wrt variables: [Tensor<Scalar>], seed: Tensor<Scalar>? = nil,
        createGraph: Bool = false
    ) -> [Tensor<Scalar>] {
        let requested = variables.map { variable -> Int in
            guard let node = variable.node, node.tape === self else {
                preconditionFailure("gradient: asked for the gradient with respect to a tensor of shape \(variable.shape) that was not recorded on this tape; watch it first")
            }
            return node.index
        }
        let gradients = Gradients(cotangents: sweep(from: output, seed: seed, keepingIntermediates: false,
                                                    createGraph: createGraph, requested: requested))
        return variables.map { gradients[$0] }
    }

    /// The gradient of `output` (summed, if it is not a scalar) with respect to `variable`;
    /// tracked, to be differentiated again, when `createGraph` is true.
    ///
    /// ```swift
    /// let tape = Tape<Double>()
    /// let x = tape.watch(Tensor(2.0))
    /// let dy = tape.gradient(of: x * x * x, wrt: x, createGraph: true)   // 12
    /// let d2y = tape.gradient(of: dy, wrt: x, createGraph: true)         // 12
    /// let d3y = tape.gradient(of: d2y, wrt: x)                           // 6
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(
        of output: Tensor<Scalar>, wrt variable: Tensor<Scalar>, seed: Tensor<Scalar>? = nil, createGraph: Bool = false
    ) -> Tensor<Scalar> {
        gradient(of: output, wrt: [variable], seed: seed, createGraph: createGraph)[0]
    }
}

/// The cotangents of a backward sweep, per tape entry. Intermediate ops' cotangents are
/// released during the sweep unless it was asked to keep them; leaves keep theirs.
public struct Gradients<Scalar: TensorScalar>: Sendable {
    /// The cotangent of each entry that received one (leaves), indexed like `Tape.entries`.
    public let cotangents: [Tensor<Scalar>?]

    /// The gradient for a tensor recorded on the swept tape: zeros of its shape when no
    /// gradient reached it.
    ///
    /// - Precondition: `variable` is tracked.
    public subscript(variable: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let node = variable.node else {
            preconditionFailure("gradient: asked for the gradient of an untracked tensor of shape \(variable.shape); watch it on the tape first")
        }
        guard node.index < cotangents.count, let gradient = cotangents[node.index] else {
            return Tensor(zeros: variable.shape)
        }
        return gradient
    }
}

/// The first NaN or infinity that anomaly detection saw, and where.
public struct Anomaly: Sendable, Hashable, CustomStringConvertible {
    /// The pass in which the bad value appeared.
    public enum Phase: String, Sendable, Hashable {
        /// In the op's output.
        case forward
        /// In a cotangent its pullback produced.
        case backward
    }

    /// The entry whose output (forward) or pullback (backward) was not finite.
    public let entry: TapeEntry
    /// Where the value appeared.
    public let phase: Phase

    /// For example `NaN or infinity in the forward pass of op 'log' (layer dense_1), output shape [32, 10]`.
    public var description: String {
        let layer = entry.label.map { " (layer \($0))" } ?? ""
        let what = phase == .forward ? "output" : "cotangent of an operand"
        return "NaN or infinity in the \(phase.rawValue) pass of op '\(entry.op)'\(layer), \(what); output shape \(entry.shape)"
    }
}

/// Where a tracked tensor was recorded.
@usableFromInline
struct TapeNode<Scalar: TensorElement>: Sendable {
    @usableFromInline weak var tape: Tape<Scalar>?
    @usableFromInline let index: Int
    @usableFromInline let requiresGradient: Bool
}

extension Tensor {
    /// Whether a tape is tracking this tensor.
    public var isTracked: Bool { node?.tape != nil }

    /// The tape tracking this tensor, if any (layers use it to label what they record).
    public var tape: Tape<Scalar>? { node?.tape }

    /// Whether gradients flow into this tensor: it is a watched variable or an op result
    /// that depends on one.
    public var requiresGradient: Bool { node.map { $0.requiresGradient && $0.tape != nil } ?? false }

    /// The same value, no longer tracked: gradients stop here (`stop_gradient`, `detach`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func detached() -> Tensor {
        var copy = self
        copy.node = nil
        return copy
    }

    /// The tape recording ops on this tensor now, if any.
    @usableFromInline
    var recordingTape: Tape<Scalar>? {
        guard let tape = node?.tape, tape.isRecording else { return nil }
        return tape
    }

    /// The tape that records an op with these operands, if any of them is tracked.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @usableFromInline
    static func recordingTape(_ a: Tensor, _ b: Tensor) -> Tape<Scalar>? {
        a.recordingTape ?? b.recordingTape
    }

}

extension Tensor where Scalar: TensorScalar {
    /// Whether every scalar is finite (no NaN, no infinity).
    public var isFinite: Bool {
        withUnsafeScalars { ElementwiseKernels.allFinite($0) }
    }
}
