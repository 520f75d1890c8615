import Foundation
import Tapestry

/// Seeds every random choice Tapestry makes on its own: weight initialisation of layers
/// created without an explicit seed, and shuffling in `fit` without one (like
/// `keras.utils.set_random_seed`). The same seed gives the same weights and the same
/// `History`, bit for bit.
public func setRandomSeed(_ seed: UInt64) {
    RandomSeed.lock.withLock { RandomSeed.generator = SeededRandomNumberGenerator(seed: seed) }
}

enum RandomSeed {
    static let lock = NSLock()
    nonisolated(unsafe) static var generator = SeededRandomNumberGenerator(seed: 0)

    /// The next seed for a component that was given none.
    static func next() -> UInt64 { lock.withLock { generator.next() } }
}
