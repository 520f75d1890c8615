import Tapestry

/// Randomly zeroes a fraction `rate` of its input while training and scales the rest by
/// `1 / (1 − rate)` (inverted dropout); the identity in inference (`evaluate`, `predict`,
/// a plain call). Keras's `Dropout`.
///
/// The masks come from the layer's own seeded generator, so a run with the same seed drops
/// the same units.
public final class Dropout<Scalar: TensorScalar>: Layer, RandomizedLayer {
    /// The layer's name.
    public var name: String
    /// The fraction of units dropped while training.
    public let rate: Double
    /// The generator the masks come from (`BackupAndRestore` saves and restores it).
    public var generator: SeededRandomNumberGenerator

    /// Creates a dropout layer.
    ///
    /// - Parameters:
    ///   - rate: the fraction dropped, in `[0, 1)`.
    ///   - seed: seeds the masks; without one the seed comes from the sequence
    ///     `setRandomSeed(_:)` fixes.
    ///   - name: a name; `Sequential` assigns one if you leave it empty.
    public init(rate: Double, seed: UInt64? = nil, name: String = "") {
        checkPrecondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        generator = SeededRandomNumberGenerator(seed: seed ?? RandomSeed.next())
        self.name = name
    }

    /// The input with units dropped (training) or unchanged (inference).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        guard LearningPhase.isTraining else { return input }
        return input.droppedOut(rate: rate, using: &generator)
    }

    /// The input's shape.
    public func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}
