import Foundation
import XCTest
import Tapestry
import TapestryData
import TapestryNN

final class FunctionalTests: XCTestCase {
    private func batch(_ rows: Int, _ columns: Int, seed: UInt64) -> Tensor<Float> {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return Tensor(shape: [rows, columns], scalars: (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// A residual block's forward pass is the layers composed by hand: head(x + inner(x)).
    func testResidualGraphMatchesTheLayersComposedByHand() throws {
        let stem = Dense<Float>(inputSize: 4, outputSize: 8, activation: .relu, seed: 1)
        let inner = Dense<Float>(inputSize: 8, outputSize: 8, activation: .relu, seed: 2)
        let head = Dense<Float>(inputSize: 8, outputSize: 3, seed: 3)
        let input = Input<Float>(shape: [4])
        let x = try stem(input)
        let output = try head(Add()([x, try inner(x)]))
        let model = try Functional(name: "residual", inputs: [input], outputs: [output])

        let samples = batch(5, 4, seed: 9)
        let hidden = stem(samples)
        XCTAssertEqual(model(samples).scalars, head(hidden + inner(hidden)).scalars)
        XCTAssertEqual(model.layers.map(\.name), ["dense", "dense_1", "add", "dense_2"])
        XCTAssertEqual(model.namedParameters.map(\.name),
                       ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias"])
        XCTAssertEqual(try model.outputShape(forInputShape: [4]), [3])
    }

    func testResidualModelTrainsWithFitLikeSequential() throws {
        setRandomSeed(4)
        let input = Input<Float>(shape: [2])
        let x = try Dense<Float>(inputSize: 2, outputSize: 16, activation: .relu)(input)
        let y = try Add<Float>()([x, try Dense<Float>(inputSize: 16, outputSize: 16, activation: .relu)(x)])
        let model = try Functional(inputs: [input], outputs: [try Dense<Float>(inputSize: 16, outputSize: 2)(y)])
        let points = batch(128, 2, seed: 5)
        let labels = Tensor<Int32>(shape: [128], scalars: points.scalars.enumerated().filter { $0.offset % 2 == 0 }.map { $0.element > 0 ? 1 : 0 })
        model.compile(optimizer: Adam(learningRate: 0.02), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
        let history = try model.fit(points, labels, epochs: 15, batchSize: 32, verbose: 0, seed: 1)
        XCTAssertLessThan(history["loss"].last!, history["loss"].first! * 0.5)
        XCTAssertGreaterThan(try model.evaluate(points, labels).accuracy ?? 0, 0.9)
        XCTAssertEqual(try model.predict(points).shape, [128, 2])
    }

    /// Two inputs, two outputs, a loss per output with weights: the logged loss is the
    /// weighted sum of the per-output losses, which are logged too.
    func testOneImageInputTwoOutputsPredicts() throws {
        // A non-flat single input with two outputs goes through predict(inputs:) packed.
        let image = Input<Float>(shape: [3, 2], name: "image")
        let flat = try Flatten<Float>()(image)
        let left = try Dense<Float>(inputSize: 6, outputSize: 2, seed: 1, name: "left")(flat)
        let right = try Dense<Float>(inputSize: 6, outputSize: 3, seed: 2, name: "right")(flat)
        let model = try Functional(name: "two_heads", inputs: [image], outputs: [left, right])
        let x = Tensor<Float>(shape: [4, 3, 2], scalars: (0..<24).map { Float($0) / 24 })
        let outputs = try model.predict(inputs: [x], batchSize: 3)
        let direct = model([x])
        XCTAssertEqual(outputs.map(\.shape), [[4, 2], [4, 3]])
        XCTAssertTrue(outputs[0].isApproximatelyEqual(to: direct[0], tolerance: 1e-6))
        XCTAssertTrue(outputs[1].isApproximatelyEqual(to: direct[1], tolerance: 1e-6))
        XCTAssertThrowsError(try model.predict(inputs: [Tensor<Float>(zeros: [4, 2, 3])]))
    }

    func testTwoInputsTwoOutputsTrainWithPerOutputLossesAndWeights() throws {
        setRandomSeed(6)
        let a = Input<Float>(shape: [3], name: "a")
        let b = Input<Float>(shape: [2], name: "b")
        let joined = try Concatenate<Float>()([a, b])
        let hidden = try Dense<Float>(inputSize: 5, outputSize: 16, activation: .relu)(joined)
        let kind = try Dense<Float>(inputSize: 16, outputSize: 2, name: "kind")(hidden)
        let size = try Dense<Float>(inputSize: 16, outputSize: 1, name: "size")(hidden)
        let model = try Functional(inputs: [a, b], outputs: [kind, size])
        XCTAssertEqual(model.outputNames, ["kind", "size"])

        let xa = batch(64, 3, seed: 7), xb = batch(64, 2, seed: 8)
        let sums = (0..<64).map { xa[$0].scalars.reduce(0, +) + xb[$0].scalars.reduce(0, +) }
        let kinds = Tensor<Int32>(shape: [64], scalars: sums.map { $0 > 0 ? 1 : 0 })
        let sizes = Tensor<Float>(shape: [64, 1], scalars: sums.map { $0 / 5 })
        try model.compile(optimizer: Adam(learningRate: 0.01),
                          losses: ["kind": SparseCategoricalCrossentropy(fromLogits: true), "size": MeanSquaredError()],
                          lossWeights: ["size": 0.5], metrics: ["kind": [.accuracy]])
        let before = try model.evaluate(inputs: [xa, xb], targets: [.labels(kinds), .values(sizes)])
        XCTAssertEqual(before.loss, before.metrics["kind_loss"]! + 0.5 * before.metrics["size_loss"]!, accuracy: 1e-5)

        // The per-output losses are those of the outputs computed by hand.
        let predictions = try model.predict(inputs: [xa, xb])
        XCTAssertEqual(predictions.map(\.shape), [[64, 2], [64, 1]])
        let mse = Double(MeanSquaredError()(predictions: predictions[1], targets: .values(sizes)).scalar)
        XCTAssertEqual(before.metrics["size_loss"]!, mse, accuracy: 1e-5)

        let history = try model.fit(inputs: [xa, xb], targets: [.labels(kinds), .values(sizes)], epochs: 30, batchSize: 16, verbose: 0, seed: 2)
        XCTAssertEqual(Set(history.metricNames), ["loss", "kind_loss", "size_loss", "kind_accuracy"])
        let after = try model.evaluate(inputs: [xa, xb], targets: [.labels(kinds), .values(sizes)])
        XCTAssertLessThan(after.loss, before.loss * 0.5)
        XCTAssertGreaterThan(after.metrics["kind_accuracy"]!, 0.85)
    }

    /// The README's example of a model with two inputs and two outputs.
    func testReadmeTwoOutputExample() throws {
        setRandomSeed(6)
        // README: two outputs begin
        // Two inputs, two outputs: a class (`kind`) and a value (`size`), each with its loss.
        let a = Input<Float>(shape: [3], name: "a"), b = Input<Float>(shape: [2], name: "b")
        let hidden = try Dense<Float>(inputSize: 5, outputSize: 16, activation: .relu)(try Concatenate<Float>()([a, b]))
        let kind = try Dense<Float>(inputSize: 16, outputSize: 2, name: "kind")(hidden)
        let size = try Dense<Float>(inputSize: 16, outputSize: 1, name: "size")(hidden)
        let model = try Functional(name: "two_heads", inputs: [a, b], outputs: [kind, size])
        try model.compile(optimizer: Adam(learningRate: 0.01),
                          losses: ["kind": SparseCategoricalCrossentropy(fromLogits: true), "size": MeanSquaredError()],
                          lossWeights: ["size": 0.5], metrics: ["kind": [.accuracy]])

        var generator = SeededRandomNumberGenerator(seed: 7)
        let xa = Tensor<Float>(randomUniform: [64, 3], in: -1..<1, using: &generator)
        let xb = Tensor<Float>(randomUniform: [64, 2], in: -1..<1, using: &generator)
        let total = xa.sum(alongAxis: 1) + xb.sum(alongAxis: 1)
        let kinds = Tensor<Int32>(shape: [64], scalars: total.scalars.map { $0 > 0 ? 1 : 0 })
        let sizes = (total / 5).reshaped(to: [64, 1])
        let history = try model.fit(inputs: [xa, xb], targets: [.labels(kinds), .values(sizes)],
                                    epochs: 30, batchSize: 16, verbose: 0)
        print(history.metricNames)                        // loss, kind_loss, size_loss, kind_accuracy
        let outputs = try model.predict(inputs: [xa, xb]) // [64, 2] and [64, 1]
        // README: two outputs end
        XCTAssertEqual(Set(history.metricNames), ["loss", "kind_loss", "size_loss", "kind_accuracy"])
        XCTAssertEqual(outputs.map(\.shape), [[64, 2], [64, 1]])
        XCTAssertGreaterThan(history["kind_accuracy"].last ?? 0, 0.8)
        XCTAssertLessThan(history["loss"].last ?? 1, history["loss"].first ?? 0)
    }

    func testSharedLayerAppliesTheSameParametersOnBothPaths() throws {
        let shared = Dense<Float>(inputSize: 3, outputSize: 4, activation: .tanh, seed: 11, name: "shared")
        let left = Input<Float>(shape: [3], name: "left"), right = Input<Float>(shape: [3], name: "right")
        let merged = try Multiply<Float>()([try shared(left), try shared(right)])
        let model = try Functional(name: "siamese", inputs: [left, right], outputs: [merged])
        XCTAssertEqual(model.layers.count, 2)
        XCTAssertEqual(model.parameters.count, 2, "the shared layer's parameters count once")
        let x1 = batch(3, 3, seed: 1), x2 = batch(3, 3, seed: 2)
        XCTAssertEqual(model([x1, x2])[0].scalars, (shared(x1) * shared(x2)).scalars)

        let description = model.modelDescription
        XCTAssertEqual(description.nodes.map(\.name), ["left", "right", "shared", "multiply"])
        XCTAssertEqual(description["shared"]?.inputs, ["left", "right"])
        XCTAssertEqual(description["multiply"]?.inputs, ["shared", "shared"])
        XCTAssertEqual(description["shared"]?.dtypeName, "float32")
        XCTAssertTrue(model.summaryText.contains("shared[0][0],"))
        XCTAssertTrue(model.summaryText.contains("shared[1][0]"))
    }

    func testFunctionalModelInsideSequentialAndSequentialInsideFunctional() throws {
        // A functional block used as a layer of a Sequential …
        let blockInput = Input<Float>(shape: [6])
        let inner = Dense<Float>(inputSize: 6, outputSize: 6, activation: .relu, seed: 3)
        let block = try Functional(name: "block", input: blockInput, output: try Add()([blockInput, try inner(blockInput)]))
        let outer = Dense<Float>(inputSize: 6, outputSize: 2, seed: 4)
        let sequential = Sequential<Float>(inputShape: [6], layers: [block, outer])
        let x = batch(4, 6, seed: 3)
        XCTAssertEqual(sequential(x).scalars, outer(x + inner(x)).scalars)
        XCTAssertEqual(sequential.namedParameters.map(\.name).first, "block.dense.kernel")

        // … and a Sequential used as a layer of a functional model, itself nested again.
        let encoder = Sequential<Float>(name: "encoder", inputShape: [6]) {
            Dense(inputSize: 6, outputSize: 3, activation: .relu, seed: 5)
        }
        let input = Input<Float>(shape: [6])
        let model = try Functional(name: "outer", input: input, output: try outer(try block(input)))
        let wrapper = try Functional(name: "wrapper", input: input, output: try encoder(try block(input)))
        XCTAssertEqual(model(x).scalars, outer(block(x)).scalars)
        XCTAssertEqual(wrapper(x).scalars, encoder(block(x)).scalars)
        let description = wrapper.modelDescription
        XCTAssertEqual(description["encoder"]?.nested?.nodes.filter { $0.kind == .layer }.count, 1)
        XCTAssertEqual(description["block"]?.nested?.nodes.map(\.name), ["input", "dense", "add"])
        XCTAssertEqual(try wrapper.outputShape(forInputShape: [6]), [3])
    }

    func testSummaryHasTheConnectedToColumn() throws {
        let input = Input<Float>(shape: [4], name: "features")
        let dense = try Dense<Float>(inputSize: 4, outputSize: 4, activation: .relu, seed: 0)(input)
        let output = try Add<Float>()([input, dense])
        let model = try Functional(name: "skip", inputs: [input], outputs: [output])
        let expected = """
        Model: "skip"
        ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
        ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃ Connected to      ┃
        ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
        │ features (InputLayer)           │ (None, 4)              │             0 │ -                 │
        ├─────────────────────────────────┼────────────────────────┼───────────────┼───────────────────┤
        │ dense (Dense)                   │ (None, 4)              │            20 │ features[0][0]    │
        ├─────────────────────────────────┼────────────────────────┼───────────────┼───────────────────┤
        │ add (Add)                       │ (None, 4)              │             0 │ features[0][0],   │
        │                                 │                        │               │ dense[0][0]       │
        └─────────────────────────────────┴────────────────────────┴───────────────┴───────────────────┘
         Total params: 20 (80.00 B)
         Trainable params: 20 (80.00 B)
         Non-trainable params: 0 (0.00 B)
        """
        XCTAssertEqual(model.summaryText, expected)
    }

    func testConstructionErrorsNameLayersAndShapes() throws {
        let input = Input<Float>(shape: [4], name: "x")
        let wide = try Dense<Float>(inputSize: 4, outputSize: 8, name: "wide")(input)
        // A merge of unequal shapes.
        XCTAssertThrowsError(try Add<Float>(name: "join")([input, wide])) { error in
            XCTAssertEqual("\(error)", "layer join cannot merge operands of shapes [4], [8]: the operands must have the same shape")
        }
        // A layer that rejects its input's shape.
        XCTAssertThrowsError(try Dense<Float>(inputSize: 3, outputSize: 2, name: "head")(wide)) { error in
            XCTAssertEqual("\(error)", "layer head (applied to wide: [8]) expects input samples of shape [3], got [8]")
        }
        // An output that needs an input the model is not given.
        let other = Input<Float>(shape: [4], name: "other")
        let both = try Add<Float>(name: "both")([input, other])
        XCTAssertThrowsError(try Functional(inputs: [input], outputs: [both])) { error in
            XCTAssertEqual(error as? ModelError, .graphDisconnected(output: "both", layer: "both", missingInput: "other"))
        }
        // Two layers with one name.
        let first = try Dense<Float>(inputSize: 4, outputSize: 4, name: "same")(input)
        let second = try Dense<Float>(inputSize: 4, outputSize: 4, name: "same")(first)
        XCTAssertThrowsError(try Functional(inputs: [input], outputs: [second])) { error in
            XCTAssertTrue("\(error)".contains("the name same is used by two inputs or layers"))
        }
        // Concatenate checks that the axis exists.
        XCTAssertThrowsError(try Concatenate<Float>(axis: 1, name: "cat")([input, wide])) { error in
            XCTAssertEqual("\(error)", "layer cat cannot merge operands of shapes [4], [8]: axis 1 must exist in operands of equal rank")
        }
        XCTAssertEqual(try Concatenate<Float>()([input, wide]).shape, [12])
    }

    /// Callbacks see a functional model with several outputs as they see a Sequential: every
    /// epoch's logs (with the per-output names), and the power to stop.
    func testCallbacksAndValidationSplitWorkWithSeveralOutputs() throws {
        final class StopAfterTwo: Callback {
            var seen: [[String]] = []
            func epochDidEnd(_ epoch: Int, logs: [String: Double], model: Model<Float>) throws -> CallbackDecision {
                seen.append(logs.keys.sorted())
                return epoch == 2 ? .stop(reason: "two epochs") : .proceed
            }
        }
        setRandomSeed(8)
        let input = Input<Float>(shape: [2])
        let hidden = try Dense<Float>(inputSize: 2, outputSize: 4, activation: .relu)(input)
        let model = try Functional(inputs: [input], outputs: [try Dense<Float>(inputSize: 4, outputSize: 1, name: "p")(hidden),
                                                              try Dense<Float>(inputSize: 4, outputSize: 1, name: "q")(hidden)])
        try model.compile(optimizer: SGD(learningRate: 0.1), losses: [MeanSquaredError(), MeanSquaredError()], lossWeights: [1, 2])
        let x = batch(20, 2, seed: 3)
        let callback = StopAfterTwo()
        let history = try model.fit(inputs: [x], targets: [.values(x.sliced(alongAxis: 1, from: 0, to: 1)), .values(x.sliced(alongAxis: 1, from: 1, to: 2))],
                                    epochs: 5, batchSize: 4, validationSplit: 0.25, callbacks: [callback], verbose: 0)
        XCTAssertEqual(history.epochs.count, 2)
        XCTAssertEqual(history.stopReason, "two epochs")
        XCTAssertEqual(callback.seen.last, ["loss", "p_loss", "q_loss", "val_loss", "val_p_loss", "val_q_loss"])
    }

    func testAverageAndConcatenateComputeWhatTheySay() throws {
        let a = batch(2, 3, seed: 1), b = batch(2, 3, seed: 2)
        XCTAssertEqual(Average<Float>()([a, b]).scalars, ((a + b) * 0.5).scalars)
        XCTAssertEqual(Concatenate<Float>()([a, b]).shape, [2, 6])
        XCTAssertEqual(Concatenate<Float>()([a, b])[0].scalars, a[0].scalars + b[0].scalars)
    }
}
