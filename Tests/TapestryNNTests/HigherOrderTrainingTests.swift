import XCTest
import Tapestry
import TapestryNN

/// Training with second derivatives: Newton's method from the core's `hessian(at:of:)`, and
/// a WGAN-GP gradient penalty inside TapestryNN's `valueWithGradient`. This file imports
/// both modules, so it also shows that the core's transforms over tensors and TapestryNN's
/// `valueWithGradient(at: [Parameter])` resolve without ambiguity.
final class HigherOrderTrainingTests: XCTestCase {
    /// The solution of the small dense system `a · x = b` by Gaussian elimination with
    /// partial pivoting.
    private func solve(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Tensor<Double> {
        let n = b.scalarCount
        var m = a.scalars, v = b.scalars
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0 * n + column]) < abs(m[$1 * n + column]) } ?? column
            for k in 0..<n { m.swapAt(column * n + k, pivot * n + k) }
            v.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = m[row * n + column] / m[column * n + column]
                for k in column..<n { m[row * n + k] -= factor * m[column * n + k] }
                v[row] -= factor * v[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            let rest = ((row + 1)..<n).reduce(0) { $0 + m[row * n + $1] * x[$1] }
            x[row] = (v[row] - rest) / m[row * n + row]
        }
        return Tensor(x)
    }

    func testNewtonsMethodReachesTheGradientDescentOptimumInTenSteps() {
        // Logistic regression with an L2 term on 80 noisy points: [x₁, x₂, 1] · w.
        var generator = SeededRandomNumberGenerator(seed: 4)
        let features = Tensor<Double>(randomNormal: [80, 2], using: &generator)
        let x = Tensor(concatenating: [features, Tensor(ones: [80, 1])], alongAxis: 1)
        let noise = Tensor<Double>(randomNormal: [80, 1], using: &generator)
        let y = (x.matmul(Tensor([[1.5], [-2], [0.5]])) + noise).elementsGreater(than: 0)
        func loss(_ w: Tensor<Double>) -> Tensor<Double> {
            let z = x.matmul(w.reshaped(to: [3, 1]))
            return ((z.exp() + 1).log() - y * z).mean() + 0.005 * (w * w).sum()
        }

        var descended = Tensor<Double>(zeros: [3])
        for _ in 0..<10_000 { descended = descended - 1.0 * gradient(at: descended, of: loss) }

        var w = Tensor<Double>(zeros: [3])
        var steps = 0
        while steps < 10, gradient(at: w, of: loss).squared().sum().scalar.squareRoot() > 1e-12 {
            w = w - solve(hessian(at: w, of: loss), gradient(at: w, of: loss))
            steps += 1
        }
        XCTAssertLessThanOrEqual(steps, 10)
        XCTAssertGreaterThan(steps, 2, "Newton should need a few steps from zero")
        XCTAssertTrue(w.isApproximatelyEqual(to: descended, tolerance: 1e-7), "Newton \(w) vs gradient descent \(descended)")
        XCTAssertLessThan(loss(w).scalar, loss(Tensor(zeros: [3])).scalar - 0.1)

        // The core's transforms over tensors resolve here next to TapestryNN's
        // valueWithGradient(at: [Parameter]) (used by the WGAN-GP test below).
        let (value, slopes) = valueWithGradient(at: [w, Tensor(2.0)]) { loss($0[0]) * $0[1] }
        XCTAssertEqual(value.scalar, 2 * loss(w).scalar, accuracy: 1e-12)
        XCTAssertEqual(slopes[1].scalar, loss(w).scalar, accuracy: 1e-12)
        XCTAssertLessThan(slopes[0].squared().sum().scalar, 1e-20)
        XCTAssertEqual(valueWithGradient(at: w, of: loss).value.scalar, loss(w).scalar)
    }

    func testAWGANGradientPenaltyTrainsACritic() throws {
        setRandomSeed(3)
        var generator = SeededRandomNumberGenerator(seed: 9)
        let real = Tensor<Float>(randomNormal: [64, 2], using: &generator) * 0.2 + 1
        let fake = Tensor<Float>(randomNormal: [64, 2], using: &generator) * 0.2 - 1
        let critic = Sequential<Float>(inputShape: [2]) {
            Dense(inputSize: 2, outputSize: 16, activation: .tanh)
            Dense(inputSize: 16, outputSize: 1)
        }
        let optimizer = Adam<Float>(learningRate: 0.01)
        let lambda: Float = 10

        var losses: [Float] = [], penalties: [Float] = []
        for _ in 0..<150 {
            let t = Tensor<Float>(randomUniform: [64, 1], using: &generator)
            let interpolates = real * t + fake * (1 - t)
            var penalty = Tensor<Float>(0)
            let (loss, gradients) = try valueWithGradient(at: critic.trainableParameters) {
                // ∇ₓD(x̂) per sample (the rows are independent), recorded so that the
                // penalty λ(‖∇ₓD(x̂)‖ − 1)² differentiates with respect to the weights.
                let slopes = gradient(at: interpolates) { critic($0).sum() }
                let norms = (slopes.squared().sum(alongAxis: 1) + 1e-12).sqrt()
                penalty = lambda * (norms - 1).squared().mean()
                return critic(fake).mean() - critic(real).mean() + penalty
            }
            XCTAssertTrue(gradients.allSatisfy(\.isFinite))
            optimizer.update(critic.trainableParameters, with: gradients)
            losses.append(loss.scalar)
            penalties.append(penalty.scalar)
        }
        // The critic loss falls (the Wasserstein estimate grows) while the penalty keeps the
        // critic's slope near 1.
        let early = losses.prefix(10).reduce(0, +) / 10, late = losses.suffix(10).reduce(0, +) / 10
        XCTAssertLessThan(late, early - 1, "critic loss \(early) → \(late)")
        XCTAssertLessThan(penalties.suffix(10).reduce(0, +) / 10, 0.5)
        let separation = critic(real).mean().scalar - critic(fake).mean().scalar
        XCTAssertGreaterThan(separation, 1)
    }

    func testThePenaltyGradientMatchesFiniteDifferences() throws {
        // d/dw of (‖∇ₓ(x·w)ᵀ tanh‖ − 1)² through TapestryNN's valueWithGradient, against
        // central differences of the same penalty in Double.
        let layer = Dense<Double>(inputSize: 2, outputSize: 1, activation: .tanh, seed: 1)
        let x = Tensor<Double>([[0.3, -0.7], [1.1, 0.4]])
        func penalty() -> Tensor<Double> {
            let slopes = gradient(at: x) { layer($0).sum() }
            return ((slopes.squared().sum(alongAxis: 1)).sqrt() - 1).squared().mean()
        }
        let (_, gradients) = try valueWithGradient(at: layer.trainableParameters, of: penalty)
        for (parameter, analytic) in zip(layer.trainableParameters, gradients) {
            let original = parameter.value
            for element in 0..<original.scalarCount {
                var plus = original, minus = original
                plus.withUnsafeMutableScalars { $0[element] += 1e-6 }
                minus.withUnsafeMutableScalars { $0[element] -= 1e-6 }
                parameter.value = plus
                let high = penalty().scalar
                parameter.value = minus
                let low = penalty().scalar
                parameter.value = original
                XCTAssertEqual(analytic.scalars[element], (high - low) / 2e-6, accuracy: 1e-6)
            }
        }
    }
}
