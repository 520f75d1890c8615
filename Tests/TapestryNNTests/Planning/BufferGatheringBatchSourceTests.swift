import Tapestry
import TapestryData
import TapestryNN
import XCTest

/// Gathering a batch into a buffer writes what `inputs(at:)` returns.
final class BufferGatheringBatchSourceTests: XCTestCase {
    func testLabeledImagesGatherTheirNormalisedPixels() {
        let images = LabeledImages(rows: 2, columns: 3, classCount: 4,
                                   pixels: (0..<(5 * 6)).map { UInt8($0 * 8) }, labels: [0, 1, 2, 3, 1])
        let indices = [4, 0, 2][...]
        var buffer = [Float](repeating: -1, count: 3 * 6 + 2)
        buffer.withUnsafeMutableBufferPointer { images.gatherInputs(at: indices, into: $0) }
        XCTAssertEqual(Array(buffer.prefix(18)), images.inputs(at: indices).scalars)
        XCTAssertEqual(buffer.suffix(2), [-1, -1], "nothing past the batch is written")
    }

    func testTensorDatasetsGatherTheirRows() throws {
        var generator = SeededRandomNumberGenerator(seed: 1)
        let data = try TensorDataset(inputs: Tensor<Double>(randomNormal: [6, 2, 2], using: &generator),
                                     labels: Tensor<Int32>(zeros: [6]))
        let indices = [5, 1, 1, 3][...]
        var buffer = [Double](repeating: .nan, count: 16)
        buffer.withUnsafeMutableBufferPointer { data.gatherInputs(at: indices, into: $0) }
        XCTAssertEqual(buffer, data.inputs(at: indices).scalars)
    }
}
