import Tapestry
import TapestryData
@testable import TapestryNN
import XCTest

/// The planned step computes what the tape computes: the same loss, predictions and
/// gradients for random MLPs, layer sizes, activations, batch sizes and losses.
final class SequentialStepPlanTests: XCTestCase {
    func testPlannedLossAndGradientsEqualTheTapesInFloat() throws {
        try checkPlanMatchesTape(Float.self, tolerance: 1e-6)
    }

    func testPlannedLossAndGradientsEqualTheTapesInDouble() throws {
        try checkPlanMatchesTape(Double.self, tolerance: 1e-12)
    }

    func testAPlanForFullBatchesTakesShorterOnes() throws {
        var generator = SeededRandomNumberGenerator(seed: 11)
        let model = Self.model(Float.self, sampleShape: [6], sizes: [6, 5, 3], activations: [.relu, .linear], seed: 4)
        let loss = SparseCategoricalCrossentropy(fromLogits: true)
        let plan = try XCTUnwrap(SequentialStepPlan(layers: model.layers, sampleShape: [6], maximumBatchSize: 32, loss: loss,
                                                    parameters: model.trainableParameters))
        for rows in [32, 7, 1, 32] {
            let x = Tensor<Float>(randomNormal: [rows, 6], using: &generator)
            let labels = Tensor<Int32>((0..<rows).map { _ in Int32(generator.next() % 3) })
            let (planned, _) = Self.run(plan, inputs: x, targets: .labels(labels))
            let tape = try model.trainingStep(inputs: x, targets: .labels(labels), weights: nil,
                                              parameters: model.trainableParameters, loss: loss)
            XCTAssertEqual(Double(planned), Double(tape.loss), accuracy: 1e-6 * max(1, abs(Double(tape.loss))), "\(rows) rows")
        }
    }

    func testReshapeAndStandaloneReLULayersArePlannedAsTheTape() throws {
        var generator = SeededRandomNumberGenerator(seed: 12)
        let model = Sequential<Double>(inputShape: [2, 3]) {
            Reshape([6])
            Dense(inputSize: 6, outputSize: 16, seed: 1)
            ReLU()
            Dense(inputSize: 16, outputSize: 3, seed: 2)
        }
        let loss = SparseCategoricalCrossentropy(fromLogits: true)
        let plan = try XCTUnwrap(SequentialStepPlan(layers: model.layers, sampleShape: [2, 3], maximumBatchSize: 9, loss: loss,
                                                    parameters: model.trainableParameters))
        let x = Tensor<Double>(randomNormal: [9, 2, 3], using: &generator)
        let labels = Tensor<Int32>((0..<9).map { _ in Int32(generator.next() % 3) })
        let (planned, predictions) = Self.run(plan, inputs: x, targets: .labels(labels))
        let tape = try model.trainingStep(inputs: x, targets: .labels(labels), weights: nil,
                                          parameters: model.trainableParameters, loss: loss)
        XCTAssertEqual(planned, tape.loss, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(Self.relativeDifference(predictions, tape.predictions), 1e-12)
        for (index, (a, b)) in zip(plan.gradients, tape.gradients).enumerated() {
            XCTAssertLessThanOrEqual(Self.relativeDifference(a, b), 1e-12, "gradient \(index)")
        }
    }

    func testLayersAndLossesThatCannotBePlannedMakeNoPlan() {
        let dropout = Sequential<Float>(inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 3, activation: .relu, seed: 1)
            Dropout(rate: 0.5, seed: 2)
            Dense(inputSize: 3, outputSize: 2, seed: 3)
        }
        XCTAssertNil(SequentialStepPlan(layers: dropout.layers, sampleShape: [4], maximumBatchSize: 8,
                                        loss: SparseCategoricalCrossentropy(fromLogits: true), parameters: dropout.trainableParameters))
        let tanh = Self.model(Float.self, sampleShape: [4], sizes: [4, 2], activations: [.tanh], seed: 1)
        XCTAssertNil(SequentialStepPlan(layers: tanh.layers, sampleShape: [4], maximumBatchSize: 8,
                                        loss: MeanSquaredError(), parameters: tanh.trainableParameters))
        let mlp = Self.model(Float.self, sampleShape: [4], sizes: [4, 2], activations: [.linear], seed: 1)
        XCTAssertNil(SequentialStepPlan(layers: mlp.layers, sampleShape: [4], maximumBatchSize: 8,
                                        loss: SparseCategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1),
                                        parameters: mlp.trainableParameters))
        XCTAssertNil(SequentialStepPlan(layers: mlp.layers, sampleShape: [4], maximumBatchSize: 8,
                                        loss: BinaryCrossentropy(), parameters: mlp.trainableParameters))
        // Parameters other than exactly the layers' (one frozen) go to the tape.
        XCTAssertNil(SequentialStepPlan(layers: mlp.layers, sampleShape: [4], maximumBatchSize: 8,
                                        loss: MeanSquaredError(), parameters: Array(mlp.trainableParameters.dropLast())))
    }

    // MARK: - Helpers

    private func checkPlanMatchesTape<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Double) throws {
        var generator = SeededRandomNumberGenerator(seed: 2026)
        // Sample shape, layer sizes, activations (the last one's decides the losses).
        let architectures: [(sampleShape: [Int], sizes: [Int], activations: [Activation])] = [
            ([4], [4, 3], [.linear]),
            ([6], [6, 8, 5], [.relu, .linear]),
            ([3, 4], [12, 16, 16, 10], [.relu, .relu, .linear]),
            ([7], [7, 9, 4], [.relu, .softmax]),
        ]
        for (architecture, (sampleShape, sizes, activations)) in architectures.enumerated() {
            let model = Self.model(Scalar.self, sampleShape: sampleShape, sizes: sizes, activations: activations,
                                   seed: UInt64(architecture + 1))
            let classes = sizes[sizes.count - 1]
            let losses: [any Loss] = activations.last == .softmax
                ? [SparseCategoricalCrossentropy(), CategoricalCrossentropy(), MeanSquaredError()]
                : [SparseCategoricalCrossentropy(fromLogits: true), CategoricalCrossentropy(fromLogits: true), MeanSquaredError()]
            for loss in losses {
                let plan = try XCTUnwrap(SequentialStepPlan(
                    layers: model.layers, sampleShape: sampleShape, maximumBatchSize: 32, loss: loss,
                    parameters: model.trainableParameters), "\(sizes) \(loss.name)")
                for rows in [1, 7, 32] {
                    let x = Tensor<Scalar>(randomNormal: [rows] + sampleShape, using: &generator)
                    let labels = Tensor<Int32>((0..<rows).map { _ in Int32(generator.next() % UInt64(classes)) })
                    let given: Targets<Scalar> = loss is MeanSquaredError
                        ? .values(Tensor(randomUniform: [rows, classes], using: &generator)) : .labels(labels)
                    let targets = try loss.prepare(given, outputShape: [classes])
                    let context = "\(Scalar.self) \(sizes) \(activations) \(loss.name), \(rows) rows"

                    let (plannedLoss, plannedPredictions) = Self.run(plan, inputs: x, targets: targets)
                    let tape = try model.trainingStep(inputs: x, targets: targets, weights: nil,
                                                      parameters: model.trainableParameters, loss: loss)
                    XCTAssertLessThanOrEqual(abs(Double(plannedLoss) - Double(tape.loss)),
                                             tolerance * max(abs(Double(tape.loss)), 1), "loss, " + context)
                    XCTAssertLessThanOrEqual(Self.relativeDifference(plannedPredictions, tape.predictions), tolerance, "predictions, " + context)
                    XCTAssertEqual(plan.gradients.count, tape.gradients.count)
                    for (index, (planned, recorded)) in zip(plan.gradients, tape.gradients).enumerated() {
                        XCTAssertEqual(planned.shape, recorded.shape)
                        XCTAssertGreaterThan(Self.norm(recorded.scalars.map(Double.init)), 0, "a gradient worth comparing, " + context)
                        XCTAssertLessThanOrEqual(Self.relativeDifference(planned, recorded), tolerance,
                                                 "gradient \(index), " + context)
                    }
                }
            }
        }
    }

    /// A Sequential of Dense layers (behind a Flatten for samples of rank > 1).
    static func model<Scalar: TensorScalar>(
        _: Scalar.Type, sampleShape: [Int], sizes: [Int], activations: [Activation], seed: UInt64
    ) -> Sequential<Scalar> {
        var layers: [any Layer<Scalar>] = sampleShape.count > 1 ? [Flatten()] : []
        for index in activations.indices {
            layers.append(Dense(inputSize: sizes[index], outputSize: sizes[index + 1], activation: activations[index],
                                seed: seed * 100 + UInt64(index)))
        }
        return Sequential(inputShape: sampleShape, layers: layers)
    }

    /// Runs the plan on a batch: its loss and predictions.
    static func run<Scalar: TensorScalar>(
        _ plan: SequentialStepPlan<Scalar>, inputs: Tensor<Scalar>, targets: Targets<Scalar>
    ) -> (loss: Scalar, predictions: Tensor<Scalar>) {
        let rows = inputs.shape[0]
        inputs.withUnsafeScalars { source in
            for (index, value) in source.enumerated() { plan.inputs.base[index] = value }
        }
        plan.gatherTargets(targets, at: Array(0..<rows)[...])
        let loss = plan.run(rows: rows)
        return (loss, plan.batch(rows: rows).predictionTensor)
    }

    static func norm(_ values: [Double]) -> Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// `‖a − b‖ / ‖b‖` (or `‖a − b‖` when `b` is zero).
    static func relativeDifference<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Double {
        guard a.shape == b.shape else { return .infinity }
        let difference = norm(zip(a.scalars, b.scalars).map { Double($0) - Double($1) })
        let size = norm(b.scalars.map(Double.init))
        return size > 0 ? difference / size : difference
    }
}

/// Layers large enough to split their products over the helper threads compute what the
/// tape computes, as do the same plans on one thread.
final class SplitStepPlanTests: XCTestCase {
    private var savedWidth = 1

    override func setUp() {
        savedWidth = HelperThreads.width
    }

    override func tearDown() {
        HelperThreads.width = savedWidth
    }

    func testSplitLayersComputeWhatTheTapeComputesInFloat() throws {
        try checkSplitPlan(Float.self, tolerance: 1e-5)
    }

    func testSplitLayersComputeWhatTheTapeComputesInDouble() throws {
        try checkSplitPlan(Double.self, tolerance: 1e-12)
    }

    func testKernelRowsOfThePartsCoverTheInputOnce() {
        for (inputSize, parts) in [(784, 2), (784, 3), (17, 8), (416, 1)] {
            let slices = (0..<parts).map { kernelRows(ofPart: $0, of: parts, inputSize: inputSize) }
            XCTAssertEqual(slices.first?.lowerBound, 0)
            XCTAssertEqual(slices.last?.upperBound, inputSize)
            for (a, b) in zip(slices, slices.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
            XCTAssertLessThanOrEqual(slices.map(\.count).max()! - slices.map(\.count).min()!, 1, "\(inputSize) in \(parts)")
        }
    }

    /// The first layer (416 × 512 at 32 rows: 6.8M multiply-adds) and the second (512 × 64:
    /// 1M, and the input's gradient is needed) are split; the last is not.
    private func checkSplitPlan<Scalar: TensorScalar>(_: Scalar.Type, tolerance: Double) throws {
        var generator = SeededRandomNumberGenerator(seed: 77)
        let model = SequentialStepPlanTests.model(Scalar.self, sampleShape: [416], sizes: [416, 512, 64, 10],
                                                  activations: [.relu, .relu, .linear], seed: 9)
        let loss = SparseCategoricalCrossentropy(fromLogits: true)
        for width in [2, 1, 3] {
            HelperThreads.width = width
            let plan = try XCTUnwrap(SequentialStepPlan(layers: model.layers, sampleShape: [416], maximumBatchSize: 32, loss: loss,
                                                        parameters: model.trainableParameters))
            for rows in [32, 7, 1] {
                let x = Tensor<Scalar>(randomNormal: [rows, 416], using: &generator)
                let labels = Tensor<Int32>((0..<rows).map { _ in Int32(generator.next() % 10) })
                let (planned, predictions) = SequentialStepPlanTests.run(plan, inputs: x, targets: .labels(labels))
                let tape = try model.trainingStep(inputs: x, targets: .labels(labels), weights: nil,
                                                  parameters: model.trainableParameters, loss: loss)
                let context = "\(Scalar.self), width \(width), \(rows) rows"
                XCTAssertEqual(Double(planned), Double(tape.loss), accuracy: tolerance * max(1, abs(Double(tape.loss))), context)
                XCTAssertLessThanOrEqual(SequentialStepPlanTests.relativeDifference(predictions, tape.predictions), tolerance, context)
                for (index, (a, b)) in zip(plan.gradients, tape.gradients).enumerated() {
                    XCTAssertLessThanOrEqual(SequentialStepPlanTests.relativeDifference(a, b), tolerance, "gradient \(index), " + context)
                }
            }
        }
    }
}
