import Foundation
import XCTest
import Tapestry
import TapestryData
import TapestryNN
import TapestryViz

/// Diagrams of real functional models: branches, merges with all their edges, a shared
/// layer once, nested models collapsed or expanded, and the dtype and parameter toggles.
final class FunctionalModelDiagramTests: XCTestCase {
    private func edges(_ statements: [DOTStatement]) -> [(tail: String, head: String)] {
        statements.flatMap { statement -> [(tail: String, head: String)] in
            switch statement {
            case .edge(let tail, let head, _): [(tail, head)]
            case .subgraph(let subgraph): edges(subgraph.statements)
            case .node: []
            }
        }
    }

    private func nodeCount(_ statements: [DOTStatement]) -> Int {
        statements.reduce(0) { count, statement in
            switch statement {
            case .node: count + 1
            case .subgraph(let subgraph): count + nodeCount(subgraph.statements)
            case .edge: count
            }
        }
    }

    /// left, right → shared (twice) → add; add and a nested block → concatenate.
    private func graph() throws -> Functional<Float> {
        let left = Input<Float>(shape: [4], name: "left"), right = Input<Float>(shape: [4], name: "right")
        let shared = Dense<Float>(inputSize: 4, outputSize: 4, activation: .relu, seed: 1, name: "shared")
        let sum = try Add<Float>()([try shared(left), try shared(right)])
        let block = Sequential<Float>(name: "block", inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 4, activation: .tanh, seed: 2)
            Dense(inputSize: 4, outputSize: 2, seed: 3)
        }
        return try Functional(name: "two_paths", inputs: [left, right], outputs: [try Concatenate<Float>()([sum, try block(left)])])
    }

    func testBranchesMergesSharedLayerAndNestedModel() throws {
        let model = try graph()
        let collapsed = ModelDiagram(model).makeGraph()
        XCTAssertEqual(nodeCount(collapsed.statements), 6, "left, right, shared once, add, block, concatenate")
        XCTAssertEqual(edges(collapsed.statements).count, 7, "2 into shared, 2 into add, 1 into block, 2 into concatenate")

        let expanded = ModelDiagram(model, expandsNested: true).makeGraph()
        XCTAssertEqual(nodeCount(expanded.statements), 8, "the block's input and two layers instead of one box")
        let svg = try ModelDiagram(model, expandsNested: true).renderSVG()
        XCTAssertTrue(svg.contains("two_paths · 50 params (50 trainable)"), svg)
    }

    func testDTypeAndParameterToggles() throws {
        let model = try graph()
        let plain = try ModelDiagram(model).renderSVG()
        XCTAssertFalse(plain.contains("float32"))
        XCTAssertTrue(plain.contains(">Params<"))
        let detailed = try ModelDiagram(model, direction: .leftToRight, showsDTypes: true, showsParameterCounts: false).renderSVG()
        XCTAssertTrue(detailed.contains(">float32<"))
        XCTAssertFalse(detailed.contains(">Params<"))
    }

    /// A ResNet-like functional model of 20 residual blocks: every node and edge, rendered
    /// within a generous bound in this debug build (`make bench` measures the release one).
    func testTwentyResidualBlocksRenderEveryNodeAndEdge() throws {
        let input = Input<Float>(shape: [32], name: "input")
        var x = input
        for _ in 0..<20 {
            let inner = try Dense<Float>(inputSize: 32, outputSize: 32, activation: .relu, seed: 1)(x)
            x = try Add<Float>()([x, try Dense<Float>(inputSize: 32, outputSize: 32, seed: 2)(inner)])
        }
        let model = try Functional(name: "resnet_like", input: input, output: x)
        let start = Date()
        let svg = try ModelDiagram(model).renderSVG()
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(svg.components(separatedBy: "class=\"node\"").count - 1, 61)
        XCTAssertEqual(svg.components(separatedBy: "class=\"edge\"").count - 1, 80)
        XCTAssertLessThan(seconds, 2, "rendering took \(seconds) s")
    }
}

/// The README's functional example: a residual Fashion model, trained briefly on a subset,
/// saved as one file, loaded back and drawn.
final class ResidualFashionExampleTests: XCTestCase {
    func testResidualFashionModelTrainsSavesLoadsAndDraws() throws {
        let directory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist", isDirectory: true)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("train-images-idx3-ubyte.gz").path) else {
            throw XCTSkip("Fashion-MNIST is not installed at \(directory.path)")
        }
        setRandomSeed(2026)

        // README: functional begin
        // Flatten → Dense 128 → three residual blocks (Dense + skip Add) → Dense 10.
        let image = Input<Float>(shape: [28, 28], name: "image")
        var x = try Dense<Float>(inputSize: 784, outputSize: 128, activation: .relu)(try Flatten<Float>()(image))
        for _ in 0..<3 {
            let inner = try Dense<Float>(inputSize: 128, outputSize: 128, activation: .relu)(x)
            x = try Add<Float>()([x, inner])
        }
        let logits = try Dense<Float>(inputSize: 128, outputSize: 10, name: "logits")(x)
        let model = try Functional(name: "residual_fashion", inputs: [image], outputs: [logits])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        print(model.summaryText)                          // … │ add (Add) │ (None, 128) │ 0 │ dense[0][0], │ …

        // A quick run on the first 1,500 training images.
        let data = try FashionMNIST.load()
        let subset = data.train.batch(at: Array(0..<1500)[...])
        try model.fit(TensorDataset(inputs: subset.inputs, targets: subset.targets), epochs: 3, batchSize: 64, verbose: 0)

        // One file: the architecture as JSON and the weights; no code needed to load it.
        let folder = FileManager.default.temporaryDirectory
        try model.save(to: folder.appendingPathComponent("residual.safetensors"))
        let loaded = try Model<Float>.load(from: folder.appendingPathComponent("residual.safetensors"))
        try ModelDiagram(loaded).write(to: folder.appendingPathComponent("residual-model.svg"))
        // README: functional end

        defer {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("residual.safetensors"))
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("residual-model.svg"))
        }
        let test = data.test.batch(at: Array(0..<500)[...])
        let testing = try TensorDataset(inputs: test.inputs, targets: test.targets)
        loaded.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let accuracy = try XCTUnwrap(try loaded.evaluate(testing).accuracy)
        XCTAssertGreaterThan(accuracy, 0.7)
        XCTAssertEqual(try loaded.predict(test.inputs).scalars, try model.predict(test.inputs).scalars)
        XCTAssertTrue(model.summaryText.contains("│ add (Add)"))
        let svg = try String(contentsOf: folder.appendingPathComponent("residual-model.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains(">add_2<"), "three Add nodes")
        // `TAPESTRY_WRITE_DOCS=1 swift test --filter ResidualFashionExampleTests` regenerates the docs picture.
        if ProcessInfo.processInfo.environment["TAPESTRY_WRITE_DOCS"] == "1" {
            let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Docs/residual-model.svg")
            try ModelDiagram(loaded, showsTrainability: true).write(to: docs)
        }
    }
}
