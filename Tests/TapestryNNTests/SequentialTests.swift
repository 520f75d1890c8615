import XCTest
import Tapestry
@testable import TapestryNN

final class SequentialTests: XCTestCase {
    static func fashionMLP() -> Sequential<Float> {
        Sequential<Float>(inputShape: [28, 28]) {
            Flatten()
            Dense(inputSize: 784, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 10)
        }
    }

    func testKerasStyleNamesAndDottedParameterNames() {
        let model = Self.fashionMLP()
        XCTAssertEqual(model.layers.map { $0.name }, ["flatten", "dense", "dense_1", "dense_2"])
        XCTAssertEqual(model.namedParameters.map(\.name), [
            "dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias",
        ])
        XCTAssertEqual(Sequential<Float>.snakeCase("ReLU"), "re_lu")
        XCTAssertEqual(Sequential<Float>.snakeCase("DenseBlock"), "dense_block")
        let named = Sequential<Float>(layers: [Dense(inputSize: 2, outputSize: 2, name: "dense"), Dense(inputSize: 2, outputSize: 2)])
        XCTAssertEqual(named.layers.map { $0.name }, ["dense", "dense_1"])
    }

    func testFashionSummaryShows55050Parameters() {
        let model = Self.fashionMLP()
        XCTAssertEqual(model.parameterCount, 55_050)
        let expected = """
        Model: "sequential"
        ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
        ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
        ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
        │ flatten (Flatten)               │ (None, 784)            │             0 │
        ├─────────────────────────────────┼────────────────────────┼───────────────┤
        │ dense (Dense)                   │ (None, 64)             │        50,240 │
        ├─────────────────────────────────┼────────────────────────┼───────────────┤
        │ dense_1 (Dense)                 │ (None, 64)             │         4,160 │
        ├─────────────────────────────────┼────────────────────────┼───────────────┤
        │ dense_2 (Dense)                 │ (None, 10)             │           650 │
        └─────────────────────────────────┴────────────────────────┴───────────────┘
         Total params: 55,050 (215.04 KB)
         Trainable params: 55,050 (215.04 KB)
         Non-trainable params: 0 (0.00 B)
        """
        XCTAssertEqual(model.summaryText, expected)
    }

    func testForwardLabelsEveryOpWithItsLayer() throws {
        let model = Self.fashionMLP()
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let step = try model.recordStep(inputs: Tensor(zeros: [2, 28, 28]), targets: Tensor([1, 3]))
        let ops = step.tape.entries.filter { $0.kind == .operation }
        XCTAssertEqual(ops.map(\.op), ["reshape", "linear", "relu", "linear", "relu", "linear",
                                       "sparse_softmax_cross_entropy"])
        XCTAssertEqual(ops.map { $0.label ?? "" }, ["flatten", "dense", "dense", "dense_1", "dense_1", "dense_2", "loss"])
        XCTAssertEqual(step.tape.entries.filter { $0.kind == .variable }.compactMap(\.name), model.namedParameters.map(\.name))
        XCTAssertEqual(step.gradients.cotangents.compactMap { $0 }.count, step.tape.entries.count - 2,
                       "every entry but the input constant and its reshape gets a cotangent")
        XCTAssertFalse(model.parameters[0].value.isTracked, "recordStep leaves the parameters untracked")
    }

    func testSameSeedGivesSameWeights() {
        setRandomSeed(5)
        let a = Self.fashionMLP()
        setRandomSeed(5)
        let b = Self.fashionMLP()
        XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value))
        XCTAssertNotEqual(a.parameters[0].value, Self.fashionMLP().parameters[0].value)
    }
}
