import Foundation
import XCTest
import Tapestry
@testable import TapestryNN

/// The README's CNN example, verbatim (and checked to be quoted there).
final class ConvolutionalReadmeTests: XCTestCase {
    func testReadmeCNNExample() throws {
        setRandomSeed(7)
        var generator = SeededRandomNumberGenerator(seed: 7)
        let images = Tensor<Float>(randomUniform: [64, 28, 28], using: &generator)
        let labels = Tensor<Int32>((0..<64).map { Int32($0 % 10) })
        // README: cnn begin
        let model = Sequential<Float>(inputShape: [28, 28]) {
            Reshape([28, 28, 1])                       // one grayscale channel, NHWC
            Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
            MaxPooling2D(poolSize: (2, 2))
            Conv2D(inputChannels: 32, filters: 64, kernelSize: (3, 3), activation: .relu)
            MaxPooling2D(poolSize: (2, 2))
            Flatten()
            Dense(inputSize: 1600, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 10)
        }
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        print(model.summaryText)                       // conv2d (Conv2D) │ (None, 26, 26, 32) │ 320 …
        let history = try model.fit(images, labels, epochs: 2, batchSize: 32, verbose: 0)
        let evaluation = try model.evaluate(images, labels)
        // README: cnn end
        XCTAssertEqual(model.parameterCount, 121_930)
        XCTAssertTrue(model.summaryText.contains("(None, 26, 26, 32)"))
        XCTAssertEqual(history.epochs.count, 2)
        XCTAssertTrue(evaluation.loss.isFinite)
    }

    func testReadmeQuotesTheCNNExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let text = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: "// README: cnn begin")), stop = try XCTUnwrap(text.range(of: "// README: cnn end"))
        let lines = text[start.upperBound..<stop.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst().dropLast()
        let indent = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        let snippet = lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")
        XCTAssertTrue(readme.contains(snippet), "README.md must quote the CNN example:\n\(snippet)")
        XCTAssertLessThan(readme.range(of: "## Convolutional networks")?.lowerBound ?? readme.endIndex,
                          readme.range(of: "## Pictures")?.lowerBound ?? readme.startIndex)
    }
}
