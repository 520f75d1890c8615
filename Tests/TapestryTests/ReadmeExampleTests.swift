import XCTest
import Tapestry

/// The README's custom-autodiff example, verbatim, so it cannot rot.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeExample() {
        // README: begin
        // A custom op: softplus(x) = log(1 + eˣ), whose derivative is sigmoid(x).
        func softplus(_ x: Tensor<Double>) -> Tensor<Double> {
            Tensor.differentiable("softplus", operands: [x]) { xs in
                (xs[0].exp() + 1).log()
            } pullback: { cotangent, xs, _ in
                [cotangent * xs[0].sigmoid()]
            }
        }

        // Record a small model on a tape and differentiate it.
        let tape = Tape<Double>()
        let w = tape.watch(Tensor([[0.5, -1.0], [2.0, 0.25]]), name: "w")
        let x = Tensor<Double>([[1.0, 2.0]])
        let loss = softplus(x.matmul(w)).sum()
        let dw = tape.gradient(of: loss, wrt: w)
        print(tape.entries.map(\.op))      // ["variable", "matmul", "softplus", "sum"]

        // Check the custom op's pullback against finite differences.
        let report = gradcheck({ softplus($0[0] * $0[1]).sum() },
                               at: [Tensor([0.3, -2.0]), Tensor([1.5, 0.7])])
        print(report)                      // input 0: max abs error 1e-11 …, ok
        // README: end

        XCTAssertEqual(tape.entries.map(\.op), ["variable", "matmul", "softplus", "sum"])
        XCTAssertTrue(report.passed)
        // d/dw Σ softplus(x·w) = xᵀ · sigmoid(x·w)
        let z = x.matmul(Tensor([[0.5, -1.0], [2.0, 0.25]]))
        XCTAssertTrue(dw.isApproximatelyEqual(to: x.transposed().matmul(z.sigmoid()), tolerance: 1e-12))
    }
}

/// The README shows the code of the README tests verbatim.
final class ReadmeStaysInSyncTests: XCTestCase {
    func testReadmeQuotesTheTestedExamples() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let sources = [
            ("Tests/TapestryTests/ReadmeExampleTests.swift", "// README: begin", "// README: end"),
            ("Tests/TapestryNNTests/CustomLayerTests.swift", "// README: custom layer begin", "// README: custom layer end"),
            ("Tests/TapestryNNTests/CustomLayerTests.swift", "// README: custom training begin", "// README: custom training end"),
            ("Tests/TapestryVizTests/ReadmeVizExampleTests.swift", "// README: pictures begin", "// README: pictures end"),
            ("Tests/TapestryVizTests/FunctionalModelDiagramTests.swift", "// README: functional begin", "// README: functional end"),
        ]
        for (path, begin, end) in sources {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let start = try XCTUnwrap(text.range(of: begin), path), stop = try XCTUnwrap(text.range(of: end), path)
            let lines = text[start.upperBound..<stop.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
                .dropFirst().dropLast()
            let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                .map { $0.prefix { $0 == " " }.count }.min() ?? 0
            let snippet = lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")
            XCTAssertTrue(readme.contains(snippet), "README.md must quote \(path) between «\(begin)» and «\(end)»:\n\(snippet)")
        }
    }
}
