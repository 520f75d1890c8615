import XCTest
import Tapestry

/// The functional transforms, on functions whose derivatives are known in closed form.
final class DerivativeTransformsTests: XCTestCase {
    private func cube(_ x: Tensor<Double>) -> Tensor<Double> { x * x * x }

    func testDerivativesOfACubeToThirdOrder() {
        let x = Tensor<Double>(2)
        XCTAssertEqual(gradient(at: x, of: cube).scalar, 12, accuracy: 1e-12)                          // 3x²
        XCTAssertEqual(gradient(at: x) { gradient(at: $0, of: cube) }.scalar, 12, accuracy: 1e-12)     // 6x
        XCTAssertEqual(gradient(at: x) { gradient(at: $0) { gradient(at: $0, of: cube) } }.scalar, 6, accuracy: 1e-12)
        XCTAssertEqual(gradient(at: x) { gradient(at: $0) { gradient(at: $0) { gradient(at: $0, of: cube) } } }.scalar,
                       0, accuracy: 1e-12)
        // At x = 3 the orders differ: 27, 18, 6.
        let three = Tensor<Double>(3)
        XCTAssertEqual(gradient(at: three, of: cube).scalar, 27, accuracy: 1e-12)
        XCTAssertEqual(gradient(at: three) { gradient(at: $0, of: cube) }.scalar, 18, accuracy: 1e-12)
    }

    func testNestedTransformsSeeOnlyTheirOwnVariable() {
        // d/dx [ d/dy (x·y) at y = 3 ] = d/dx x = 1, with x closed over by the inner function.
        let outer = gradient(at: Tensor<Double>(5)) { x in
            gradient(at: Tensor<Double>(3)) { y in x * y }
        }
        XCTAssertEqual(outer.scalar, 1, accuracy: 1e-12)
        // d/dx [ d/dt (t · 2x) at t = x ] = d/dx 2x = 2: the inner gradient must not also flow
        // through the 2x that depends on x outside it.
        let mixed = gradient(at: Tensor<Double>(5)) { x in
            let twice = x * 2
            return gradient(at: x) { t in t * twice }
        }
        XCTAssertEqual(mixed.scalar, 2, accuracy: 1e-12)
    }

    func testRosenbrockHessianAtTheMinimum() {
        func rosenbrock(_ p: Tensor<Double>) -> Tensor<Double> {
            let x = p[0], y = p[1]
            return (1 - x).squared() + 100 * (y - x.squared()).squared()
        }
        let point = Tensor<Double>([1, 1])
        let h = hessian(at: point, of: rosenbrock)
        XCTAssertEqual(h.shape, [2, 2])
        XCTAssertTrue(h.isApproximatelyEqual(to: Tensor([[802, -400], [-400, 200]]), tolerance: 1e-9), "\(h)")
        XCTAssertTrue(gradient(at: point, of: rosenbrock).isApproximatelyEqual(to: Tensor([0, 0]), tolerance: 1e-12))
        // H·v without forming H, for two directions and a point off the minimum.
        let elsewhere = Tensor<Double>([-0.5, 2])
        let full = hessian(at: elsewhere, of: rosenbrock)
        for v in [Tensor<Double>([1, 0]), Tensor([0.3, -2])] {
            let product = hessianVectorProduct(at: elsewhere, along: v, of: rosenbrock)
            let expected = full.matmul(v.reshaped(to: [2, 1])).reshaped(to: [2])
            XCTAssertTrue(product.isApproximatelyEqual(to: expected, tolerance: 1e-9), "\(product) vs \(expected)")
        }
    }

    func testSoftmaxJacobianIsDiagonalMinusOuterProduct() {
        let x = Tensor<Double>([0.5, -1, 2, 0.1])
        let s = x.softmax()
        let j = jacobian(at: x) { $0.softmax() }
        var diagonal = Tensor<Double>(zeros: [4, 4])
        diagonal.withUnsafeMutableScalars { d in for i in 0..<4 { d[i * 5] = s.scalars[i] } }
        let expected = diagonal - s.reshaped(to: [4, 1]).matmul(s.reshaped(to: [1, 4]))
        XCTAssertEqual(j.shape, [4, 4])
        XCTAssertTrue(j.isApproximatelyEqual(to: expected, tolerance: 1e-12), "\(j)")
    }

    func testJacobianShapeAndJVPAgreeWithIt() {
        let x = Tensor<Double>([[0.2, -0.4, 1.1], [0.7, 0.3, -0.9]])
        let w = Tensor<Double>([[1, 2], [-1, 0.5], [0.3, 0.3]])
        func f(_ x: Tensor<Double>) -> Tensor<Double> { x.matmul(w).tanh() }
        let j = jacobian(at: x, of: f)
        XCTAssertEqual(j.shape, [2, 2, 2, 3])
        let v = Tensor<Double>([[1, 0, -1], [0.5, 2, 0]])
        let (value, tangent) = jvp(at: x, along: v, of: f)
        XCTAssertTrue(value.isApproximatelyEqual(to: f(x), tolerance: 1e-12))
        let expected = j.reshaped(to: [4, 6]).matmul(v.reshaped(to: [6, 1])).reshaped(to: [2, 2])
        XCTAssertTrue(tangent.isApproximatelyEqual(to: expected, tolerance: 1e-12), "\(tangent) vs \(expected)")
        // And the pullback is the transpose: ⟨u, Jv⟩ = ⟨Jᵀu, v⟩.
        let u = Tensor<Double>([[0.3, -1], [2, 0.1]])
        let (_, back) = pullback(at: x, of: f)
        XCTAssertEqual((u * tangent).sum().scalar, (back(u) * v).sum().scalar, accuracy: 1e-12)
    }

    func testJVPOfAJVPIsASecondDirectionalDerivative() {
        // d/dε d/dδ f(x + δv + εv) for f = Σ x³ is Σ 6x v².
        let x = Tensor<Double>([1, -2, 0.5]), v = Tensor<Double>([1, 0.5, 2])
        let second = jvp(at: x, along: v) { x in jvp(at: x, along: v) { ($0 * $0 * $0).sum() }.differential }.differential
        XCTAssertEqual(second.scalar, (6 * x * v * v).sum().scalar, accuracy: 1e-12)
    }

    func testSeveralArguments() {
        let a = Tensor<Double>([1, 2]), b = Tensor<Double>([3, -1])
        let (value, (da, db)) = valueWithGradient(at: (a, b)) { ($0 * $1 * $1).sum() }
        XCTAssertEqual(value.scalar, 1 * 9 + 2 * 1, accuracy: 1e-12)
        XCTAssertEqual(da.scalars, [9, 1])
        XCTAssertEqual(db.scalars, [6, -4])
        let pair = gradient(at: (a, b)) { ($0 * $1).sum() }
        XCTAssertEqual(pair.0.scalars, b.scalars)
        XCTAssertEqual(pair.1.scalars, a.scalars)
        let list = gradient(at: [a, b, Tensor(2.0)]) { $0[2] * ($0[0] * $0[1]).sum() }
        XCTAssertEqual(list.map(\.scalars), [[6, -2], [2, 4], [1]])
        let (product, back) = pullback(at: (a, b)) { $0 * $1 }
        XCTAssertEqual(product.scalars, [3, -2])
        let (dx, dy) = back(Tensor([1, 10]))
        XCTAssertEqual(dx.scalars, [3, -10])
        XCTAssertEqual(dy.scalars, [1, 20])
        // Mixed second derivative ∂²/∂a∂b of Σ a·b² is diag(2b).
        let mixed = jacobian(at: b) { b in gradient(at: a) { a in (a * b * b).sum() } }
        XCTAssertEqual(mixed.scalars, [6, 0, 0, -2])
    }

    func testFloatTransforms() {
        let x = Tensor<Float>([0.5, -1])
        let h = hessian(at: x) { ($0.exp() * $0).sum() }   // diag((x + 2)eˣ)
        XCTAssertEqual(h[0, 0], 2.5 * Float.exp(0.5), accuracy: 1e-5)
        XCTAssertEqual(h[1, 1], 1 * Float.exp(-1), accuracy: 1e-5)
        XCTAssertEqual(h[0, 1], 0)
    }

    func testTransformsOnATrackedInputRecordOnItsTape() {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor(2.0), name: "x")
        let slope = gradient(at: x, of: cube)        // 3x², recorded on `tape`
        XCTAssertTrue(slope.isTracked)
        XCTAssertEqual(tape.gradient(of: slope, wrt: x).scalar, 12, accuracy: 1e-12)
        // An untracked input gives untracked results from a private tape.
        let plain = gradient(at: Tensor<Double>(2), of: cube)
        XCTAssertFalse(plain.isTracked)
    }

    func testAFunctionThatIgnoresItsInputHasZeroDerivatives() {
        let x = Tensor<Double>([1, 2])
        XCTAssertEqual(gradient(at: x) { _ in Tensor(3.0) }.scalars, [0, 0])
        XCTAssertEqual(jacobian(at: x) { _ in Tensor([1.0, 2.0, 3.0]) }.shape, [3, 2])
        XCTAssertEqual(hessian(at: x) { $0.sum() }.scalars, [0, 0, 0, 0])
    }
}
