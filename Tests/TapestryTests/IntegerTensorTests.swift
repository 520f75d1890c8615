import XCTest
import Tapestry

/// Integer tensors: labels and indices, never tracked.
final class IntegerTensorTests: XCTestCase {
    func testConstruction() {
        let labels = Tensor<Int32>([3, 0, 9])
        XCTAssertEqual(labels.shape, [3])
        XCTAssertEqual(labels.scalars, [3, 0, 9])
        XCTAssertEqual(labels.scalars[2], 9)
        XCTAssertEqual(Tensor<Int32>(9).scalar, 9)
        XCTAssertEqual(Tensor<Int32>(0..<4).scalars, [0, 1, 2, 3])
        XCTAssertEqual(Tensor<Int64>(5..<7).scalars, [5, 6])
        XCTAssertEqual(Tensor<Int32>(zeros: [2, 2]).scalars, [0, 0, 0, 0])
        XCTAssertEqual(Tensor<Int32>(ones: [3]).scalars, [1, 1, 1])
        XCTAssertEqual(Tensor<Int32>(repeating: 7, shape: [2]).scalars, [7, 7])
        let matrix = Tensor<Int32>([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(matrix.shape, [2, 3])
        XCTAssertEqual(matrix.rank, 2)
        XCTAssertEqual(matrix.scalarCount, 6)
        XCTAssertEqual(matrix[1, 2], 6)
        XCTAssertEqual(Tensor<Int32>(shape: [3, 1], scalars: [1, 2, 3]).shape, [3, 1])
        XCTAssertFalse(matrix.isTracked)
        XCTAssertFalse(matrix.requiresGradient)
        XCTAssertEqual(Int32.dtypeName, "I32")
        XCTAssertEqual(Int64.dtypeName, "I64")
        XCTAssertEqual(Float.dtypeName, "F32")
    }

    func testElementAssignmentCopiesOnWrite() {
        var a = Tensor<Int32>([1, 2, 3])
        let b = a
        a[0] = 10
        XCTAssertEqual(a.scalars, [10, 2, 3])
        XCTAssertEqual(b.scalars, [1, 2, 3])
    }

    func testConversionBothWays() {
        let floats = Tensor<Float>([[1.7, -1.7], [2.5, 0]])
        XCTAssertEqual(Tensor<Int32>(converting: floats), Tensor<Int32>([[1, -1], [2, 0]]), "truncates toward zero")
        XCTAssertEqual(Tensor<Int32>(converting: floats, rounding: .toNearestOrAwayFromZero), Tensor<Int32>([[2, -2], [3, 0]]))
        XCTAssertEqual(Tensor<Int32>(converting: floats, rounding: .down), Tensor<Int32>([[1, -2], [2, 0]]))
        let integers = Tensor<Int32>([[-3, 0], [16_777_217, 5]])
        let asDouble = Tensor<Double>(converting: integers)
        XCTAssertEqual(asDouble.shape, [2, 2])
        XCTAssertEqual(asDouble.scalars, [-3, 0, 16_777_217, 5])
        XCTAssertEqual(Tensor<Float>(converting: Tensor<Int32>([1, 2])), Tensor<Float>([1, 2]))
        XCTAssertEqual(Tensor<Int64>(converting: integers).scalars, [-3, 0, 16_777_217, 5])
        XCTAssertEqual(Tensor<Int32>(converting: Tensor<Int64>([Int64(Int32.max), -1])).scalars, [Int32.max, -1])
    }

    func testArgmaxIsAnIntegerTensorWithoutTheAxis() {
        let m = Tensor<Float>([[1, 5, 3], [4, 2, 6]])
        XCTAssertEqual(m.argmax(alongAxis: 1), Tensor<Int32>([1, 2]))
        XCTAssertEqual(m.argmax(alongAxis: 0), Tensor<Int32>([1, 0, 1]))
        XCTAssertEqual(m.argmax(), Tensor<Int32>([1, 2]), "the last axis by default")
        let cube = Tensor<Double>(shape: [2, 3, 2], scalars: [0, 9, 1, 1, 2, 2, 5, 0, 5, 1, 4, 7])
        let alongMiddle = cube.argmax(alongAxis: 1)
        XCTAssertEqual(alongMiddle.shape, [2, 2])
        XCTAssertEqual(alongMiddle.scalars, [2, 0, 0, 2], "first maximum on ties")
        XCTAssertEqual(Tensor<Float>([0.1, 0.7, 0.2]).argmax(alongAxis: 0).shape, [])
        XCTAssertEqual(Tensor<Float>([0.1, 0.7, 0.2]).argmax(alongAxis: 0).scalar, 1)
    }

    func testClassIndicesKeepTheShape() {
        XCTAssertEqual(Tensor<Float>([[2], [0], [1]]).classIndices(), Tensor<Int32>([[2], [0], [1]]))
        XCTAssertNil(Tensor<Float>([1, 2.5]).classIndices())
        XCTAssertNil(Tensor<Float>([1, -1]).classIndices())
        XCTAssertNil(Tensor<Double>([.nan]).classIndices())
    }

    func testOneHotFromAnIntegerTensor() {
        XCTAssertEqual(Tensor<Float>(oneHot: Tensor<Int32>([2, 0]), depth: 3), Tensor([[0, 0, 1], [1, 0, 0]]))
        let grid = Tensor<Double>(oneHot: Tensor<Int32>([[1, 0], [0, 1]]), depth: 2)
        XCTAssertEqual(grid.shape, [2, 2, 2])
        XCTAssertEqual(grid.scalars, [0, 1, 1, 0, 1, 0, 0, 1])
        XCTAssertEqual(Tensor<Float>(oneHot: [1], depth: 2), Tensor([[0, 1]]))
    }

    func testGatherReshapeAndTranspose() {
        let m = Tensor<Int32>([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.gathering(atIndices: [1, 1, 0]), Tensor<Int32>([[4, 5, 6], [4, 5, 6], [1, 2, 3]]))
        XCTAssertEqual(m.reshaped(to: [3, -1]), Tensor<Int32>([[1, 2], [3, 4], [5, 6]]))
        XCTAssertEqual(m.transposed(), Tensor<Int32>([[1, 4], [2, 5], [3, 6]]))
        let cube = Tensor<Int64>(shape: [2, 1, 3], scalars: (0..<6).map(Int64.init))
        let permuted = cube.transposed(permutation: [2, 0, 1])
        XCTAssertEqual(permuted.shape, [3, 2, 1])
        XCTAssertEqual(permuted.scalars, [0, 3, 1, 4, 2, 5])
    }

    func testEqualityComparesShapeAndScalars() {
        XCTAssertEqual(Tensor<Int32>([1, 2]), Tensor<Int32>([1, 2]))
        XCTAssertNotEqual(Tensor<Int32>([1, 2]), Tensor<Int32>([2, 1]))
        XCTAssertNotEqual(Tensor<Int32>([1, 2]), Tensor<Int32>([[1, 2]]))
    }

    func testSparseCrossEntropyTakesIntegerTensorLabels() {
        let logits = Tensor<Double>([[2, 1, 0.1], [0.5, 2.5, 0.3]])
        let fromTensor = Tensor.sparseSoftmaxCrossEntropy(logits: logits, labels: Tensor<Int32>([0, 1]))
        let fromColumn = Tensor.sparseSoftmaxCrossEntropy(logits: logits, labels: Tensor<Int32>([[0], [1]]))
        let fromArray = Tensor.sparseSoftmaxCrossEntropy(logits: logits, labels: [0, 1])
        let expected = -(logits.logSoftmax()[0, 0] + logits.logSoftmax()[1, 1]) / 2
        XCTAssertEqual(fromTensor.scalar, expected, accuracy: 1e-12)
        XCTAssertEqual(fromColumn, fromTensor)
        XCTAssertEqual(fromArray, fromTensor)
    }

    func testDescriptionPrintsLikeNumPy() {
        XCTAssertEqual(Tensor<Int32>([[1, 2], [3, 4]]).description, "[[1, 2],\n [3, 4]]")
        XCTAssertEqual(Tensor<Int32>(7).description, "7")
        XCTAssertEqual(Tensor<Int64>([5, -6]).debugDescription, "Tensor<Int64>(shape: [2], [5, -6])")
    }
}
