import XCTest
import Tapestry

/// The README's "Higher-order derivatives" example, verbatim, so it cannot rot.
final class HigherOrderReadmeTests: XCTestCase {
    func testReadmeHigherOrderExample() {
        // README: higher-order begin
        // Derivatives of derivatives: the transforms compose, to any order.
        let x = Tensor<Double>(2)
        let cube = { (x: Tensor<Double>) in x * x * x }
        let d1 = gradient(at: x, of: cube)                                              // 3x² = 12
        let d2 = gradient(at: x) { gradient(at: $0, of: cube) }                         // 6x = 12
        let d3 = gradient(at: x) { gradient(at: $0) { gradient(at: $0, of: cube) } }    // 6

        // Rosenbrock's Hessian at its minimum, and a Hessian-vector product without forming it.
        func rosenbrock(_ p: Tensor<Double>) -> Tensor<Double> {
            (1 - p[0]).squared() + 100 * (p[1] - p[0].squared()).squared()
        }
        let h = hessian(at: Tensor([1, 1]), of: rosenbrock)                             // [[802, -400], [-400, 200]]
        let hv = hessianVectorProduct(at: Tensor([1, 1]), along: Tensor([1, 0]), of: rosenbrock)   // [802, -400]

        // Jacobians, and Jacobian-vector products.
        let s = Tensor<Double>([0.5, -1, 2])
        let j = jacobian(at: s) { $0.softmax() }                                        // diag(σ) − σσᵀ
        let (_, jv) = jvp(at: s, along: Tensor([1, 0, 0])) { $0.softmax() }            // j's first column

        // On a tape: createGraph keeps a gradient differentiable.
        let tape = Tape<Double>()
        let w = tape.watch(Tensor([0.5, -1]), name: "w")
        let slope = tape.gradient(of: (w * w * w).sum(), wrt: w, createGraph: true)     // 3w², tracked
        let curvature = tape.gradient(of: slope.sum(), wrt: w)                          // 6w = [3, -6]

        // Second derivatives against finite differences of the gradient.
        let report = gradgradcheck({ ($0[0].tanh() * $0[1]).sum() },
                                   at: [Tensor([0.3, -1.0]), Tensor([2.0, 0.5])])
        print(report.passed)                                                            // true
        // README: higher-order end

        XCTAssertEqual([d1, d2, d3].map(\.scalar), [12, 12, 6])
        XCTAssertTrue(h.isApproximatelyEqual(to: Tensor([[802, -400], [-400, 200]]), tolerance: 1e-9))
        XCTAssertTrue(hv.isApproximatelyEqual(to: Tensor([802, -400]), tolerance: 1e-9))
        let sigma = s.softmax().scalars
        for row in 0..<3 {
            for column in 0..<3 {
                XCTAssertEqual(j[row, column], (row == column ? sigma[row] : 0) - sigma[row] * sigma[column], accuracy: 1e-12)
            }
        }
        XCTAssertTrue(jv.isApproximatelyEqual(to: Tensor((0..<3).map { j[$0, 0] }), tolerance: 1e-12))
        XCTAssertEqual(curvature.scalars, [3, -6])
        XCTAssertTrue(report.passed, report.description)
    }

    func testReadmeQuotesTheHigherOrderExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let text = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let begin = "// README: higher-order " + "begin", end = "// README: higher-order " + "end"
        let start = try XCTUnwrap(text.range(of: begin)), stop = try XCTUnwrap(text.range(of: end))
        let lines = text[start.upperBound..<stop.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst().dropLast()
        let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix { $0 == " " }.count }.min() ?? 0
        let snippet = lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")
        XCTAssertTrue(readme.contains(snippet), "README.md must quote the example between «\(begin)» and «\(end)»:\n\(snippet)")
        // The section sits right before the Keras workflow.
        let section = try XCTUnwrap(readme.range(of: "## Higher-order derivatives"))
        let keras = try XCTUnwrap(readme.range(of: "## A Keras workflow, in Swift"))
        XCTAssertLessThan(section.lowerBound, keras.lowerBound)
    }
}
