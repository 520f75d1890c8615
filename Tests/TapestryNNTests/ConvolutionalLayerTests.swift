import XCTest
import Tapestry
@testable import TapestryNN

/// Conv2D, pooling and Reshape as layers: shapes, parameter counts, summaries, bad input,
/// and a small CNN that learns.
final class ConvolutionalLayerTests: XCTestCase {
    /// The Fashion CNN of the demo: 121,930 parameters.
    static func fashionCNN() -> Sequential<Float> {
        Sequential<Float>(inputShape: [28, 28]) {
            Reshape([28, 28, 1])
            Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
            MaxPooling2D(poolSize: (2, 2))
            Conv2D(inputChannels: 32, filters: 64, kernelSize: (3, 3), activation: .relu)
            MaxPooling2D(poolSize: (2, 2))
            Flatten()
            Dense(inputSize: 1600, outputSize: 64, activation: .relu)
            Dense(inputSize: 64, outputSize: 10)
        }
    }

    func testFashionCNNHasKerasShapesAndParameterCounts() throws {
        let model = Self.fashionCNN()
        XCTAssertEqual(model.parameterCount, 121_930)
        XCTAssertEqual(try model.layerOutputShapes(),
                       [[28, 28, 1], [26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [1600], [64], [10]])
        let conv = try XCTUnwrap(model.layers[1] as? Conv2D<Float>)
        XCTAssertEqual(conv.name, "conv2d")
        XCTAssertEqual(conv.kernel.value.shape, [3, 3, 1, 32])
        XCTAssertEqual(model.layers[3].name, "conv2d_1")
        XCTAssertEqual(model.layers[2].name, "max_pooling2d")
        let summary = model.summaryText
        XCTAssertTrue(summary.contains("conv2d (Conv2D)"), summary)
        XCTAssertTrue(summary.contains("(None, 26, 26, 32)"), summary)
        XCTAssertTrue(summary.contains("(None, 5, 5, 64)"), summary)
        XCTAssertTrue(summary.contains("18,496"), summary)
        XCTAssertTrue(summary.contains("Total params: 121,930"), summary)
        XCTAssertEqual(model(Tensor(zeros: [2, 28, 28])).shape, [2, 10])
    }

    func testConvKernelIsGlorotUniformOverTheReceptiveField() {
        let conv = Conv2D<Double>(inputChannels: 32, filters: 64, kernelSize: (3, 3), seed: 1)
        let limit = (6.0 / Double(9 * (32 + 64))).squareRoot()
        let values = conv.kernel.value.scalars
        XCTAssertLessThanOrEqual(values.map(abs).max() ?? 0, limit)
        XCTAssertGreaterThan(values.map(abs).max() ?? 0, limit * 0.95)
        XCTAssertEqual(conv.bias.value, Tensor(zeros: [64]))
    }

    func testStridesPaddingAndDilationShapeTheOutput() throws {
        let same = Conv2D<Float>(inputChannels: 3, filters: 8, kernelSize: (3, 5), strides: (2, 2), padding: .same)
        XCTAssertEqual(try same.outputShape(forInputShape: [28, 27, 3]), [14, 14, 8])
        XCTAssertEqual(same(Tensor(zeros: [2, 28, 27, 3])).shape, [2, 14, 14, 8])
        let dilated = Conv2D<Float>(inputChannels: 1, filters: 2, kernelSize: (3, 3), dilation: (2, 2))
        XCTAssertEqual(try dilated.outputShape(forInputShape: [9, 10, 1]), [5, 6, 2])
        XCTAssertEqual(try AveragePooling2D<Float>(poolSize: (3, 3), strides: (2, 2), padding: .same)
            .outputShape(forInputShape: [7, 8, 4]), [4, 4, 4])
        XCTAssertEqual(try GlobalAveragePooling2D<Float>().outputShape(forInputShape: [7, 8, 4]), [4])
        XCTAssertEqual(try Reshape<Float>([-1, 4]).outputShape(forInputShape: [2, 6]), [3, 4])
    }

    func testImagesOfTheWrongRankSizeOrChannelsThrowNamingTheLayerAndBothShapes() throws {
        let model = Sequential<Float>(layers: [
            Conv2D(inputChannels: 3, filters: 4, kernelSize: (3, 3)), Flatten(),
        ])
        for bad in [[28, 28], [28, 28, 1], [2, 28, 3]] {
            XCTAssertThrowsError(try model.outputShape(forInputShape: bad)) { error in
                guard case .incompatibleInputShape(let layer, let expected, let got)? = error as? ModelError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(layer, "conv2d")
                XCTAssertEqual(got, bad)
                XCTAssertEqual(expected, "[height ≥ 3, width ≥ 3, 3]")
                XCTAssertTrue("\(error)".contains("conv2d") && "\(error)".contains("\(bad)"), "\(error)")
            }
        }
        // A model whose input is declared: predict names the first layer and both shapes.
        let declared = Sequential<Float>(inputShape: [28, 28, 1], layers: [Conv2D(inputChannels: 1, filters: 2, kernelSize: (3, 3))])
        XCTAssertThrowsError(try declared.predict(Tensor(zeros: [4, 28, 28, 3]))) { error in
            XCTAssertEqual(error as? ModelError,
                           .incompatibleInputShape(layer: "conv2d", expected: "[28, 28, 1]", got: [28, 28, 3]))
        }
    }

    func testAKernelLargerThanItsInputIsAnErrorWhenTheModelIsBuilt() {
        // 28 → 13 after the first block, 13 → 1 after a 13×13 kernel: a third 3×3 kernel does not fit.
        let model = Sequential<Float>(inputShape: [28, 28, 1]) {
            Conv2D(inputChannels: 1, filters: 2, kernelSize: (3, 3))
            MaxPooling2D()
            Conv2D(inputChannels: 2, filters: 2, kernelSize: (13, 13))
            Conv2D(inputChannels: 2, filters: 2, kernelSize: (3, 3))
        }
        XCTAssertThrowsError(try model.outputShape(forInputShape: [28, 28, 1])) { error in
            XCTAssertEqual(error as? ModelError,
                           .incompatibleInputShape(layer: "conv2d_2", expected: "[height ≥ 3, width ≥ 3, 2]", got: [1, 1, 2]))
        }
        model.compile(optimizer: SGD(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        XCTAssertThrowsError(try model.fit(Tensor(zeros: [2, 28, 28, 1]), Tensor<Int32>([0, 1]), verbose: 0))
        XCTAssertThrowsError(try MaxPooling2D<Float>(poolSize: (3, 3)).outputShape(forInputShape: [2, 5, 1]))
        XCTAssertThrowsError(try Reshape<Float>([28, 28, 1]).outputShape(forInputShape: [27, 28]))
    }

    func testASmallCNNLearnsBarOrientation() throws {
        // 8×8 images with one horizontal (class 0) or vertical (class 1) bar at a random place.
        var generator = SeededRandomNumberGenerator(seed: 5)
        var pixels: [Float] = [], labels: [Int32] = []
        for sample in 0..<64 {
            var image = [Float](repeating: 0, count: 64)
            let position = generator.nextIndex(below: 8), start = generator.nextIndex(below: 4)
            for step in 0..<4 {
                if sample % 2 == 0 { image[position * 8 + start + step] = 1 } else { image[(start + step) * 8 + position] = 1 }
            }
            pixels += image
            labels.append(Int32(sample % 2))
        }
        let x = Tensor<Float>(shape: [64, 8, 8, 1], scalars: pixels), y = Tensor<Int32>(labels)
        setRandomSeed(3)
        let model = Sequential<Float>(inputShape: [8, 8, 1]) {
            Conv2D(inputChannels: 1, filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu)
            MaxPooling2D()
            Conv2D(inputChannels: 4, filters: 8, kernelSize: (2, 2), strides: (2, 2), activation: .relu)
            GlobalAveragePooling2D()
            Dense(inputSize: 8, outputSize: 2)
        }
        model.compile(optimizer: Adam(learningRate: 0.02), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let before = try model.evaluate(x, y)
        let history = try model.fit(x, y, epochs: 40, batchSize: 16, verbose: 0, seed: 1)
        let after = try model.evaluate(x, y)
        XCTAssertLessThan(history["loss"].last!, history["loss"].first! / 3, "\(history["loss"])")
        XCTAssertGreaterThan(after.accuracy ?? 0, 0.95, "before \(before), after \(after)")
    }
}
