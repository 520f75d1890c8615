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

/// The README shows the code of the README tests verbatim: every region of a test file
/// between `// README: <name> begin` and `// README: <name> end` (or the unnamed
/// `// README: begin` / `// README: end`) must appear in README.md, de-indented.
final class ReadmeStaysInSyncTests: XCTestCase {
    func testReadmeQuotesTheTestedExamples() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let tests = root.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        var quoted = 0
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (name, snippet) in Self.regions(in: text) {
                quoted += 1
                XCTAssertTrue(readme.contains(snippet),
                              "README.md must quote the region «\(name)» of \(file.path):\n\(snippet)")
            }
        }
        XCTAssertGreaterThanOrEqual(quoted, 6, "the README examples are quoted from tests")
    }

    /// The marked regions of a source file, each de-indented, with its name.
    static func regions(in text: String) -> [(name: String, snippet: String)] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var result: [(String, String)] = []
        var open: (name: String, start: Int)?
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("// README:") else { continue }
            let words = trimmed.dropFirst("// README:".count).trimmingCharacters(in: .whitespaces)
            if words.hasSuffix("begin") {
                open = (String(words.dropLast("begin".count)).trimmingCharacters(in: .whitespaces), index + 1)
            } else if words.hasSuffix("end"), let region = open {
                let body = lines[region.start..<index]
                let indent = body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                    .map { $0.prefix { $0 == " " }.count }.min() ?? 0
                result.append((region.name, body.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")))
                open = nil
            }
        }
        return result
    }
}
