import Foundation
import XCTest
import Tapestry
import TapestryNN
import TapestryViz

/// The README's pictures example, run for real.
final class ReadmeVizExampleTests: XCTestCase {
    func testReadmePicturesExample() throws {
        // README: pictures begin
        // A small model trained for three epochs on random data.
        let model = Sequential<Float>(inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 8, activation: .relu)
            Dense(inputSize: 8, outputSize: 3)
        }
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        var generator = SeededRandomNumberGenerator(seed: 3)
        let x = Tensor<Float>(randomNormal: [16, 4], using: &generator)
        let y = Tensor<Int32>(shape: [16], scalars: (0..<16).map { Int32($0 % 3) })
        let history = try model.fit(x, y, epochs: 3, verbose: 0)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-pictures")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        // The layer diagram, and one recorded training step with its gradient flow.
        try ModelDiagram(model, direction: .leftToRight).write(to: folder.appendingPathComponent("model.svg"))
        let step = try model.recordStep(inputs: x, labels: y)
        try TapeGraph(step: step).write(to: folder.appendingPathComponent("tape.svg"))

        // Training curves from the History, and any DOT text through the same bridge.
        try TrainingCurves(TrainingHistory(loss: history["loss"], accuracy: history["accuracy"]))
            .write(to: folder.appendingPathComponent("curves.png"))
        let svg = try Graphviz.renderSVG("digraph { input -> \(DOT.quoted("my \"layer\"")) }")
        // README: pictures end
        defer { try? FileManager.default.removeItem(at: folder) }

        for name in ["model.svg", "tape.svg", "curves.png"] {
            let size = (try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 500, name)
        }
        XCTAssertTrue(svg.contains("my &quot;layer&quot;"), svg)
    }
}
