import Foundation
import Tapestry
import TapestryNN
import XCTest

@testable import TapestryViz

final class TapeGraphTests: XCTestCase {
    private static let layerLabels = ["flatten", "dense", "dense_1", "dense_2", "loss"]

    /// The demo's Fashion-MNIST MLP, compiled as the demo compiles it.
    private func fashionModel() -> Sequential<Float> {
        let model = Sequential<Float>(inputShape: [28, 28]) {
            Flatten()
            Dense(inputSize: 784, outputSize: 64, activation: .relu, seed: 1)
            Dense(inputSize: 64, outputSize: 64, activation: .relu, seed: 2)
            Dense(inputSize: 64, outputSize: 10, seed: 3)
        }
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        return model
    }

    /// A recorded step on two all-zero images with labels 1 and 3.
    private func zerosStep(_ model: Sequential<Float>) throws -> RecordedStep<Float> {
        try model.recordStep(inputs: Tensor(zeros: [2, 28, 28]), targets: Tensor([1, 3]))
    }

    /// Two images of deterministic, non-zero pixels (zero images leave the ReLUs dead).
    private func patternStep(_ model: Sequential<Float>) throws -> RecordedStep<Float> {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let pixels = (0..<(2 * 784)).map { _ in Float.random(in: 0...1, using: &generator) }
        return try model.recordStep(inputs: Tensor(shape: [2, 28, 28], scalars: pixels), targets: Tensor([1, 3]))
    }

    /// The L2 norm computed here, independently of `TapeGraph.norm(of:)`.
    private func l2(_ tensor: Tensor<Float>) -> Double {
        tensor.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    private func svg(_ graph: TapeGraph, file: StaticString = #filePath, line: UInt = #line) throws -> SVGDocument {
        try XCTUnwrap(SVGDocument(try graph.renderSVG(), file: file, line: line), file: file, line: line)
    }

    private func groups(_ document: SVGDocument, class name: String) -> [SVGDocument.Element] {
        document.elements(named: "g").filter { $0.attributes["class"] == name }
    }

    /// Every edge statement of a graph, clusters included.
    private func edges(_ statements: [DOTStatement]) -> [(tail: String, head: String, attributes: DOTAttributes)] {
        statements.flatMap { statement -> [(tail: String, head: String, attributes: DOTAttributes)] in
            switch statement {
            case .edge(let tail, let head, let attributes): [(tail, head, attributes)]
            case .subgraph(let subgraph): edges(subgraph.statements)
            case .node: []
            }
        }
    }

    /// The attributes of node `id`, wherever it is declared.
    private func node(_ id: String, in statements: [DOTStatement]) -> DOTAttributes? {
        for statement in statements {
            switch statement {
            case .node(let nodeID, let attributes) where nodeID == id: return attributes
            case .subgraph(let subgraph): if let found = node(id, in: subgraph.statements) { return found }
            default: continue
            }
        }
        return nil
    }

    private func text(_ value: DOTValue?) -> String {
        switch value {
        case .string(let text)?, .html(let text)?, .raw(let text)?: text
        default: ""
        }
    }

    // MARK: Structure

    func testOneClusterPerLayerHoldingItsOpsAndParameters() throws {
        let step = try zerosStep(fashionModel())
        let graph = TapeGraph(step: step, showsGradients: false)
        let document = try svg(graph)
        let clusters = groups(document, class: "cluster")
        XCTAssertEqual(clusters.count, Self.layerLabels.count)
        let titles = document.elements(named: "title").map(\.text)
        for label in Self.layerLabels {
            XCTAssertTrue(titles.contains("cluster_" + label), "no cluster for \(label) in \(titles)")
            XCTAssertTrue(document.texts.contains(label), "cluster \(label) is not captioned")
        }
        // Each cluster holds the ops recorded under its label and the parameters they use.
        let statements = graph.makeGraph().statements
        var members: [String: [String]] = [:]
        for case .subgraph(let cluster) in statements {
            members[cluster.name ?? ""] = cluster.statements.compactMap {
                if case .node(let id, _) = $0 { return id } else { return nil }
            }
        }
        let entries = step.tape.entries
        for entry in entries where entry.kind == .operation {
            XCTAssertEqual(members["cluster_" + (entry.label ?? "")]?.contains("e\(entry.index)"), true, "\(entry)")
        }
        XCTAssertEqual(Set(members["cluster_dense_1"] ?? []), ["e2", "e3", "e10", "e11"])
        XCTAssertNil(members.values.first { $0.contains("e6") }, "the input belongs to no layer")
        XCTAssertEqual(groups(document, class: "node").count, entries.count)
        XCTAssertEqual(groups(document, class: "edge").count, entries.reduce(0) { $0 + $1.inputs.count })
    }

    func testShowsEveryParameterNameOpNameAndTheOutput() throws {
        let model = fashionModel()
        let step = try zerosStep(model)
        let graph = TapeGraph(step: step)
        let texts = try svg(graph).texts
        for name in model.namedParameters.map(\.name) + ["input"] {
            XCTAssertTrue(texts.contains(name), "missing parameter \(name)")
        }
        // Dense records one fused `linear` op (matmul + bias) since e8dbe56.
        let ops = Set(step.tape.entries.filter { $0.kind == .operation }.map(\.op))
        XCTAssertEqual(ops, ["reshape", "linear", "relu", "sparse_softmax_cross_entropy"])
        for op in ops {
            XCTAssertTrue(texts.contains(op), "missing op \(op)")
        }
        XCTAssertEqual(texts.filter { $0 == "linear" }.count, 3)
        XCTAssertEqual(texts.filter { $0 == "relu" }.count, 2)
        for shape in ["(784, 64)", "(2, 28, 28)", "(2, 784)", "(2, 64)", "(2, 10)", "scalar"] {
            XCTAssertTrue(texts.contains(shape), "missing shape \(shape)")
        }
        XCTAssertEqual(graph.outputIndex, step.tape.entries.count - 1)
        let loss = try XCTUnwrap(node("e13", in: graph.makeGraph().statements))
        XCTAssertEqual(text(loss["fillcolor"]), "#ffe4c2", "the loss is highlighted")
        XCTAssertTrue(text(loss["label"]).contains("output"))
    }

    func testCollapsedModeHasExactlyOneNodePerLayer() throws {
        let step = try zerosStep(fashionModel())
        let graph = TapeGraph(step: step, collapsesLayers: true)
        let document = try svg(graph)
        XCTAssertTrue(groups(document, class: "cluster").isEmpty)
        let nodes = groups(document, class: "node")
        XCTAssertEqual(nodes.count, Self.layerLabels.count + 1, "one node per layer, plus the input")
        let texts = document.texts
        for label in Self.layerLabels {
            XCTAssertEqual(texts.filter { $0 == label }.count, 1, "layer \(label)")
        }
        XCTAssertEqual(texts.filter { $0 == "linear · relu" }.count, 2)
        XCTAssertTrue(texts.contains("sparse_softmax_cross_entropy"))
        // Edges between layers carry the shape of the tensor that crosses them.
        let edgeLabels = edges(graph.makeGraph().statements).map { text($0.attributes["label"]) }
        XCTAssertEqual(edgeLabels.count, 5)
        XCTAssertEqual(edgeLabels.map { $0.components(separatedBy: "\n")[0] },
                       ["(2, 28, 28)", "(2, 784)", "(2, 64)", "(2, 64)", "(2, 10)"])
        for shape in ["(2, 28, 28)", "(2, 784)", "(2, 10)"] {
            XCTAssertTrue(texts.contains(shape), "edge shape \(shape) missing")
        }
    }

    /// A step recorded with the core alone (no model, no TapestryNN) draws like a model's.
    func testStepRecordedWithTheCoreAloneIsDrawn() throws {
        let tape = Tape<Float>()
        let kernel = tape.watch(Tensor([0.5, -1, 2]), name: "scale.kernel")
        let input = tape.constant(Tensor([3, 4, 12]), name: "input")
        let scaled = tape.withLabel("scale") { input * kernel }
        let loss = tape.withLabel("loss") { scaled.sum() }
        let step = RecordedStep(tape: tape, loss: loss, gradients: tape.backward(from: loss, keepingIntermediates: true))
        let graph = TapeGraph(step: step)
        let statements = graph.makeGraph().statements
        var members: [String: [String]] = [:]
        for case .subgraph(let cluster) in statements {
            members[cluster.name ?? ""] = cluster.statements.compactMap {
                if case .node(let id, _) = $0 { return id } else { return nil }
            }
        }
        XCTAssertEqual(members, ["cluster_scale": ["e0", "e2"], "cluster_loss": ["e3"]],
                       "the kernel is drawn with the one layer that uses it; the input with none")
        XCTAssertEqual(graph.outputIndex, 3)
        // ∂loss/∂kernel is the input: ‖(3, 4, 12)‖ = 13.
        XCTAssertEqual(graph.gradientNorms?[0], 13)
        let texts = try svg(graph).texts
        for expected in ["scale.kernel", "input", "‖∇‖ 13", "Parameters: 0 vanishing · 1 normal · 0 exploding"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
    }

    // MARK: Gradient flow

    func testGradientNormsMatchTheCotangents() throws {
        let step = try zerosStep(fashionModel())
        let graph = TapeGraph(step: step)
        let cotangents = step.gradients.cotangents
        let texts = try svg(graph).texts
        for entry in step.tape.entries where entry.kind == .variable {
            let gradient = try XCTUnwrap(cotangents[entry.index], "\(entry.name ?? "")")
            XCTAssertTrue(texts.contains("‖∇‖ " + TapeGraph.formattedNorm(l2(gradient))), "\(entry.name ?? "")")
        }
        var labelled = 0
        for edge in edges(graph.makeGraph().statements) {
            let source = try XCTUnwrap(Int(edge.tail.dropFirst()))
            if let cotangent = cotangents[source] {
                XCTAssertEqual(text(edge.attributes["label"]), TapeGraph.formattedNorm(l2(cotangent)), "edge \(edge)")
                labelled += 1
            } else {
                XCTAssertNil(edge.attributes["label"], "no gradient flows out of entry \(source)")
                XCTAssertEqual(text(edge.attributes["style"]), "dashed")
            }
        }
        XCTAssertEqual(labelled, 11, "every edge but the input's two carries a cotangent")
        // The collapsed graph labels its layer edges with the same numbers.
        let collapsed = TapeGraph(step: step, collapsesLayers: true)
        let logits = try XCTUnwrap(cotangents[12])
        XCTAssertTrue(edges(collapsed.makeGraph().statements).contains {
            text($0.attributes["label"]) == "(2, 10)\n‖∇‖ " + TapeGraph.formattedNorm(l2(logits))
        })
        XCTAssertEqual(TapeGraph.norm(of: logits), l2(logits))
    }

    func testNormFormattingAndBands() throws {
        XCTAssertEqual(TapeGraph.formattedNorm(0), "0")
        XCTAssertEqual(TapeGraph.formattedNorm(0.012345), "0.0123")
        XCTAssertEqual(TapeGraph.formattedNorm(6.0649), "6.06")
        XCTAssertEqual(TapeGraph.formattedNorm(1.2345e-5), "1.23e-05")
        XCTAssertEqual(TapeGraph.formattedNorm(.nan), "NaN")
        XCTAssertEqual(TapeGraph.formattedNorm(.infinity), "∞")
        let graph = TapeGraph(step: try zerosStep(fashionModel()))
        XCTAssertEqual(graph.referenceNorm, 1, "the seed of a scalar loss")
        XCTAssertEqual(graph.band(forNorm: 0), .vanishing)
        XCTAssertEqual(graph.band(forNorm: 9e-7), .vanishing)
        XCTAssertEqual(graph.band(forNorm: 2e-6), .normal)
        XCTAssertEqual(graph.band(forNorm: 500), .normal)
        XCTAssertEqual(graph.band(forNorm: 2e3), .exploding)
        XCTAssertEqual(graph.band(forNorm: .nan), .exploding)
        XCTAssertEqual(graph.band(forNorm: .infinity), .exploding)
    }

    func testVanishingLayerGetsTheVanishingColour() throws {
        let model = fashionModel()
        let healthyStep = try patternStep(model)
        let healthy = TapeGraph(step: healthyStep)
        let healthyStatements = healthy.makeGraph().statements
        for entry in healthyStep.tape.entries where entry.kind == .variable {
            XCTAssertEqual(text(node("e\(entry.index)", in: healthyStatements)?["color"]), "#5e9155", "\(entry)")
        }
        XCTAssertTrue(healthy.dotSource.contains("Parameters: 0 vanishing · 6 normal · 0 exploding"))

        // Scaling the middle kernel by 1e-8 starves everything below it and dense_2's kernel.
        let middle = try XCTUnwrap(model.layers[2] as? Dense<Float>)
        middle.kernel.value = middle.kernel.value * 1e-8
        let step = try patternStep(model)
        let graph = TapeGraph(step: step)
        let statements = graph.makeGraph().statements
        let vanishing = ["dense.kernel", "dense.bias", "dense_2.kernel"]
        for entry in step.tape.entries where entry.kind == .variable {
            let attributes = try XCTUnwrap(node("e\(entry.index)", in: statements))
            let name = entry.name ?? ""
            let norm = l2(try XCTUnwrap(step.gradients.cotangents[entry.index]))
            if vanishing.contains(name) {
                XCTAssertLessThan(norm, 1e-6, name)
                XCTAssertEqual(graph.band(forNorm: norm), .vanishing, name)
                XCTAssertEqual(text(attributes["color"]), "#2166ac", name)
            } else {
                XCTAssertEqual(graph.band(forNorm: norm), .normal, name)
                XCTAssertEqual(text(attributes["color"]), "#5e9155", name)
            }
        }
        let starved = edges(statements).filter { $0.tail == "e0" }
        XCTAssertEqual(starved.map { text($0.attributes["color"]) }, ["#2166ac"])
        XCTAssertEqual(starved.map { text($0.attributes["penwidth"]) }, ["1"])
        let document = try svg(graph)
        XCTAssertTrue(document.texts.contains("Parameters: 3 vanishing · 3 normal · 0 exploding"))
        XCTAssertTrue(document.elements(named: "polygon").contains { $0.attributes["stroke"] == "#2166ac" })
        XCTAssertTrue(document.texts.contains { $0.hasPrefix("vanishing: ‖∇‖ < 1e-6") }, "the legend explains blue")
    }

    func testExplodingGradientsAreRed() throws {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1e5, -1e5]), name: "x")
        let y = tape.watch(Tensor([1e-3, 2e-3]), name: "y")
        let loss = tape.withLabel("loss") { (x * x + y).sum() }
        let gradients = tape.backward(from: loss, keepingIntermediates: true)
        let graph = try TapeGraph(tape: tape, gradients: gradients)
        let statements = graph.makeGraph().statements
        XCTAssertEqual(text(node("e0", in: statements)?["color"]), "#c62828", "‖2x‖ ≈ 2.8e5")
        XCTAssertEqual(text(node("e1", in: statements)?["color"]), "#5e9155", "‖1‖ is normal")
        let fromX = edges(statements).filter { $0.tail == "e0" }
        XCTAssertEqual(fromX.count, 2, "x feeds the product twice")
        XCTAssertEqual(fromX.map { text($0.attributes["color"]) }, ["#c62828", "#c62828"])
        XCTAssertEqual(fromX.map { text($0.attributes["penwidth"]) }, ["3", "3"], "widest beyond the threshold")
        XCTAssertTrue(try svg(graph).texts.contains("Parameters: 0 vanishing · 1 normal · 1 exploding"))
    }

    func testWithoutIntermediatesOnlyParametersAreAnnotated() throws {
        let model = fashionModel()
        let step = try patternStep(model)
        let leavesOnly = step.tape.backward(from: step.loss)
        let graph = try TapeGraph(tape: step.tape, gradients: leavesOnly)
        let statements = graph.makeGraph().statements
        for edge in edges(statements) {
            let source = try XCTUnwrap(Int(edge.tail.dropFirst()))
            if step.tape.entries[source].kind == .operation {
                XCTAssertNil(edge.attributes["label"], "op edge \(edge) has no norm to show")
                XCTAssertNil(edge.attributes["color"], "op edge \(edge) keeps the plain colour")
            }
        }
        let kernel = try XCTUnwrap(leavesOnly.cotangents[0])
        XCTAssertTrue(try svg(graph).texts.contains("‖∇‖ " + TapeGraph.formattedNorm(l2(kernel))))
    }

    // MARK: Input checking and edge cases

    func testOutputChoiceAndMismatchedGradientsAreChecked() throws {
        let model = fashionModel()
        let step = try zerosStep(model)
        let logits = try TapeGraph(tape: step.tape, output: 12)
        XCTAssertEqual(logits.entries.count, 13, "the loss comes after the output")
        XCTAssertEqual(text(node("e12", in: logits.makeGraph().statements)?["fillcolor"]), "#ffe4c2")
        XCTAssertThrowsError(try TapeGraph(tape: step.tape, output: 14)) { error in
            XCTAssertTrue("\(error)".contains("14"), "\(error)")
        }
        XCTAssertThrowsError(try TapeGraph(tape: step.tape, output: -1))
        let other = Tape<Float>()
        let v = other.watch(Tensor([1, 2]), name: "v")
        let otherGradients = other.backward(from: (v * v).sum())
        XCTAssertThrowsError(try TapeGraph(tape: step.tape, gradients: otherGradients))
        XCTAssertThrowsError(try logits.annotated(with: otherGradients))
        let annotated = try logits.annotated(with: step.gradients)
        XCTAssertEqual(annotated.gradientNorms?.count, 13)
        XCTAssertEqual(annotated.referenceNorm, l2(try XCTUnwrap(step.gradients.cotangents[12])))

        let empty = try TapeGraph(tape: Tape<Float>())
        XCTAssertNil(empty.outputIndex)
        XCTAssertTrue(try svg(empty).texts.contains("empty tape"))
    }

    func testDoubleBackwardTapeTellsForwardOpsFromRecordedBackwardOps() throws {
        // y = Σ x³; the gradient 3x² recorded (createGraph), then ∂/∂x of Σ 3x² recorded too.
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2]), name: "x")
        let y = (x * x * x).sum()
        let forwardCount = tape.entries.count
        let slope = tape.gradient(of: y, wrt: x, createGraph: true)
        let curvature = tape.gradient(of: slope.sum(), wrt: x, createGraph: true)
        XCTAssertEqual(curvature.scalars, [6, 12])
        let graph = try TapeGraph(tape: tape, title: "grad of grad")
        let statements = graph.makeGraph().statements
        let orders = Set(tape.entries.map(\.derivativeOrder))
        XCTAssertEqual(orders, [0, 1, 2])
        for entry in tape.entries where entry.kind == .operation && entry.index != graph.outputIndex {
            let fill = text(node("e\(entry.index)", in: statements)?["fillcolor"])
            switch entry.derivativeOrder {
            case 0: XCTAssertEqual(fill, "", "forward op \(entry.op) keeps the default white")
            case 1: XCTAssertEqual(fill, "#eee5f8", "first-derivative op \(entry.op)")
            default: XCTAssertEqual(fill, "#ddf2ee", "second-derivative op \(entry.op)")
            }
        }
        XCTAssertTrue(tape.entries[..<forwardCount].allSatisfy { !$0.isBackward })
        // Edges into backward ops take their order's colour.
        let intoSecondOrder = edges(statements).filter { edge in
            tape.entries[Int(edge.head.dropFirst())!].derivativeOrder == 2
        }
        XCTAssertFalse(intoSecondOrder.isEmpty)
        XCTAssertTrue(intoSecondOrder.allSatisfy { text($0.attributes["color"]) == "#2a8c80" })
        // The legend explains the colours and counts the recorded ops.
        let document = try svg(graph)
        let backward = tape.entries.filter { $0.kind == .operation && $0.isBackward }.count
        XCTAssertTrue(document.texts.contains { $0.contains("(\(backward) recorded by backward sweeps)") })
        XCTAssertTrue(document.texts.contains { $0.hasPrefix("backward ∂¹: the first derivative") })
        XCTAssertTrue(document.texts.contains { $0.hasPrefix("backward ∂²: ops of derivative order 2") })
        XCTAssertTrue(document.texts.contains("backward ∂²"), "a second-order node says so")
        // A plain first-order tape has no such key.
        let plain = Tape<Double>()
        let z = plain.watch(Tensor([1, 2]), name: "z")
        _ = plain.gradient(of: (z * z).sum(), wrt: z)
        XCTAssertFalse(try svg(try TapeGraph(tape: plain)).texts.contains { $0.hasPrefix("backward ∂") })
    }

    func testGraphIsDeterministic() throws {
        let step = try zerosStep(fashionModel())
        XCTAssertEqual(TapeGraph(step: step).dotSource, TapeGraph(step: step).dotSource)
        let wide = TapeGraph(step: step, collapsesLayers: true, direction: .leftToRight)
        XCTAssertTrue(wide.dotSource.contains("rankdir=\"LR\""))
    }

    func testHostileLayerNamesRenderToValidSVG() throws {
        let layers: [any TapestryNN.Layer<Float>] = hostileNames.map { Dense(inputSize: 3, outputSize: 3, name: $0) }
        let model = Sequential<Float>(inputShape: [3], layers: layers)
        model.compile(optimizer: SGD(), loss: MeanSquaredError())
        let step = try model.recordStep(inputs: Tensor([[1, 2, 3], [4, 5, 6]]), targets: Tensor(zeros: [2, 3]))
        for collapsed in [false, true] {
            let graph = TapeGraph(step: step, collapsesLayers: collapsed, title: hostileNames[2])
            let document = try svg(graph)
            if !collapsed { XCTAssertEqual(groups(document, class: "cluster").count, hostileNames.count + 1) }
            for name in hostileNames {
                for line in displayedLines(of: name) where !line.isEmpty {
                    XCTAssertTrue(document.texts.contains(line), "\(line.debugDescription), collapsed: \(collapsed)")
                }
            }
            for line in displayedLines(of: hostileNames[3] + ".kernel") where !line.isEmpty {
                XCTAssertTrue(document.texts.contains(line), "parameter line \(line.debugDescription) missing")
            }
        }
    }
}
