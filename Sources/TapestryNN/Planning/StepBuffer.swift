import Tapestry

/// Scalars allocated once for a planned training step and reused by every step: the
/// activations, cotangents and gathered batches of a `SequentialStepPlan` live in these.
///
/// The memory is zeroed when allocated and freed with the buffer; it never moves, so a plan
/// may keep `base` for as long as it keeps the buffer.
public final class StepBuffer<Scalar> {
    /// The first scalar.
    public let base: UnsafeMutablePointer<Scalar>
    /// The number of scalars.
    public let count: Int

    /// Allocates `count` scalars set to `zero`.
    ///
    /// - Precondition: `count >= 0`.
    public init(count: Int, zero: Scalar) {
        checkPrecondition(count >= 0, "StepBuffer: count must be ≥ 0, got \(count)")
        self.count = count
        base = UnsafeMutablePointer<Scalar>.allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: zero, count: Swift.max(count, 1))
    }

    deinit { base.deallocate() }
}

extension StepBuffer where Scalar: Numeric {
    /// Allocates `count` zeros.
    public convenience init(count: Int) { self.init(count: count, zero: 0) }
}
