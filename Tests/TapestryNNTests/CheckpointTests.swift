import Foundation
import XCTest
import Tapestry
import TapestryIO
@testable import TapestryNN

/// Model-level checkpoints: `save(weightsTo:)`, `load(weightsFrom:)` and `ModelCheckpoint`.
final class CheckpointTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tapestry-checkpoints-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func testWeightsRoundTripExactly() throws {
        setRandomSeed(11)
        let trained = SequentialTests.fashionMLP()
        let url = directory.appendingPathComponent("weights.safetensors")
        try trained.save(weightsTo: url)
        let fresh = SequentialTests.fashionMLP()
        XCTAssertNotEqual(fresh.parameters.map(\.value), trained.parameters.map(\.value))
        try fresh.load(weightsFrom: url)
        XCTAssertEqual(fresh.parameters.map(\.value), trained.parameters.map(\.value), "bit-for-bit")
        let file = try SafeTensors(contentsOf: url)
        XCTAssertEqual(Set(file.names), Set(trained.namedParameters.map(\.name)))
        XCTAssertEqual(file.metadata["framework"], "tapestry")
    }

    func testEachCorruptionIsRejectedAndLeavesWeightsUnchanged() throws {
        let url = directory.appendingPathComponent("weights.safetensors")
        try SequentialTests.fashionMLP().save(weightsTo: url)
        let good = try Array(Data(contentsOf: url))
        let model = SequentialTests.fashionMLP()
        let before = model.parameters.map(\.value)

        func expectRejection(_ bytes: [UInt8], mentioning text: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let corrupt = directory.appendingPathComponent("corrupt-\(UUID().uuidString).safetensors")
            try Data(bytes).write(to: corrupt)
            XCTAssertThrowsError(try model.load(weightsFrom: corrupt), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(text), "«\(error)» should mention «\(text)»", file: file, line: line)
            }
            XCTAssertEqual(model.parameters.map(\.value), before, "weights must stay unchanged", file: file, line: line)
        }

        // Truncated body: the message names a tensor and byte offsets.
        try expectRejection(Array(good.dropLast(100)), mentioning: "dense")
        // Malformed header.
        var malformed = good
        malformed[8] = UInt8(ascii: "x")     // the opening brace of the JSON header
        try expectRejection(malformed, mentioning: "byte")
        // Too short to hold the header length.
        try expectRejection([1, 2, 3], mentioning: "bytes")

        // Missing tensor, wrong shape, wrong dtype: written with the public API.
        let parameters = SequentialTests.fashionMLP().namedParameters
        var missing = try SafeTensors(tensors: parameters.dropLast().map { (name: $0.name, tensor: $0.parameter.value) })
        try expectRejection(try missing.encoded(), mentioning: "dense_2.bias")
        missing.setTensor(Tensor<Float>(zeros: [11]), named: "dense_2.bias")
        try expectRejection(try missing.encoded(), mentioning: "dense_2.bias")
        let doubles = try SafeTensors(tensors: parameters.map { (name: $0.name, tensor: Tensor<Double>(converting: $0.parameter.value)) })
        try expectRejection(try doubles.encoded(), mentioning: "F64")
    }

    func testModelCheckpointSavesOnlyImprovements() throws {
        setRandomSeed(2)
        let (x, y) = TrainingTests.twoSpirals(perClass: 40)
        let model = TrainingTests.spiralModel()
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let every = ModelCheckpoint<Float>(path: directory.appendingPathComponent("epoch-{epoch}.safetensors").path)
        let best = ModelCheckpoint<Float>(path: directory.appendingPathComponent("best.safetensors").path,
                                          monitor: "loss", saveBestOnly: true)
        let history = try model.fit(x, y, epochs: 4, callbacks: [every, best], verbose: 0)
        XCTAssertEqual(every.savedFiles.map(\.lastPathComponent), (1...4).map { "epoch-\($0).safetensors" })
        let improvements = zip(history["loss"], [Double.infinity] + history["loss"].indices.map { history["loss"][...$0].min()! })
            .filter { $0.0 < $0.1 }.count
        XCTAssertEqual(best.savedFiles.count, improvements)
        XCTAssertEqual(best.best, history["loss"].min())
        let restored = TrainingTests.spiralModel()
        try restored.load(weightsFrom: directory.appendingPathComponent("epoch-4.safetensors"))
        XCTAssertEqual(restored.parameters.map(\.value), model.parameters.map(\.value))
    }
}
