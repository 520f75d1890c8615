/// A reproducible random number generator: xoshiro256** seeded through SplitMix64.
///
/// The same seed gives the same sequence on every platform and every Swift version (unlike
/// `SystemRandomNumberGenerator`, and unlike the standard library's `random(in:using:)`
/// helpers, whose algorithms are not promised to stay fixed). Tapestry's own sampling
/// (`Tensor(randomUniform:…)`, shuffling in `fit`) uses only `next()`.
public struct SeededRandomNumberGenerator: RandomNumberGenerator, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        words = (next(), next(), next(), next())
    }

    /// The generator's whole state, four words of xoshiro256**: save it to continue the
    /// same sequence later with `init(state:)` (training checkpoints do this).
    public var state: [UInt64] { [words.0, words.1, words.2, words.3] }

    /// Creates a generator that continues where the one whose `state` was read stopped.
    ///
    /// Returns `nil` unless `state` holds four words, not all zero (xoshiro's one forbidden state).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        words = (state[0], state[1], state[2], state[3])
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(words.1 &* 5, by: 7) &* 9
        let t = words.1 << 17
        words.2 ^= words.0
        words.3 ^= words.1
        words.1 ^= words.2
        words.0 ^= words.3
        words.2 ^= t
        words.3 = rotateLeft(words.3, by: 45)
        return result
    }

    /// A uniform sample in `[0, 1)` with the full precision of `Scalar`'s significand.
    public mutating func nextUnitInterval<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> Scalar {
        let bits = Swift.min(Scalar.significandBitCount + 1, 64)
        return Scalar(next() >> UInt64(64 - bits)) / Scalar(sign: .plus, exponent: Scalar.Exponent(bits), significand: 1)
    }

    /// A uniform integer in `0..<upperBound` (Lemire's method without bias).
    public mutating func nextIndex(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextIndex(below:): upper bound must be positive, got \(upperBound)")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// Shuffles `array` in place (Fisher–Yates with `nextIndex(below:)`).
    ///
    /// Inlinable so that callers in other modules get it specialised for their element
    /// type: unspecialised, each swap boxed its two elements (two mallocs per sample per
    /// epoch in `fit`).
    @inlinable
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, nextIndex(below: i + 1))
        }
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension Tensor where Scalar: TensorScalar {
    /// Samples uniformly from `[lowerBound, upperBound)`.
    public init(
        randomUniform shape: [Int], in range: Range<Scalar> = 0..<1,
        using generator: inout SeededRandomNumberGenerator
    ) {
        self.init(uninitializedShape: shape)
        let width = range.upperBound - range.lowerBound
        for i in 0..<scalarCount {
            storage.base[i] = range.lowerBound + width * generator.nextUnitInterval(as: Scalar.self)
        }
    }

    /// Samples from a normal distribution (Box–Muller).
    public init(
        randomNormal shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
        using generator: inout SeededRandomNumberGenerator
    ) {
        self.init(uninitializedShape: shape)
        var i = 0
        while i < scalarCount {
            // 1 − u keeps the logarithm's argument in (0, 1].
            let u1 = 1 - generator.nextUnitInterval(as: Scalar.self)
            let u2: Scalar = generator.nextUnitInterval()
            let radius = Scalar.sqrt(-2 * Scalar.log(u1))
            let angle = 2 * Scalar.pi * u2
            storage.base[i] = mean + standardDeviation * radius * Scalar.cos(angle)
            if i + 1 < scalarCount { storage.base[i + 1] = mean + standardDeviation * radius * Scalar.sin(angle) }
            i += 2
        }
    }

    /// Glorot (Xavier) uniform initialisation, Keras's default for dense kernels: uniform in
    /// `±sqrt(6 / (fanIn + fanOut))`, where the fans are the first and last dimensions.
    public init(glorotUniform shape: [Int], using generator: inout SeededRandomNumberGenerator) {
        precondition(shape.count >= 2, "Tensor(glorotUniform:): needs rank ≥ 2, got shape \(shape)")
        let receptive = shape.dropFirst().dropLast().reduce(1, *)
        let fanIn = Scalar(shape[0] * receptive), fanOut = Scalar(shape[shape.count - 1] * receptive)
        let limit = Scalar.sqrt(6 / (fanIn + fanOut))
        self.init(randomUniform: shape, in: -limit..<limit, using: &generator)
    }
}
