import Tapestry
import TapestryData
@testable import TapestryNN
import XCTest

/// `fit` and `trainOnBatch` on a planned step train exactly as on the tape, fall back to
/// the tape for what cannot be planned, and follow parameters the user changes.
final class SequentialStepPlanTrainingTests: XCTestCase {
    /// 150 samples in batches of 16 (the last has 6), two epochs: 20 steps.
    func testTwentyPlannedFitStepsEqualTheTapesWithSparseLabels() throws {
        var generator = SeededRandomNumberGenerator(seed: 3)
        let x = Tensor<Float>(randomNormal: [150, 2, 3], using: &generator)
        let y = Tensor<Int32>((0..<150).map { _ in Int32(generator.next() % 4) })
        let (planned, _) = try fitBoth(Float.self, sampleShape: [2, 3], loss: SparseCategoricalCrossentropy(fromLogits: true)) {
            try $0.fit(x, y, epochs: 2, batchSize: 16, validationSplit: 0, callbacks: [], verbose: 0, seed: 9)
        }
        XCTAssertEqual(planned.epochs.count, 2)
        XCTAssertEqual(Set(planned.metricNames), ["loss", "accuracy"])
    }

    func testTwentyPlannedFitStepsEqualTheTapesWithOneHotRowsAndValidation() throws {
        var generator = SeededRandomNumberGenerator(seed: 4)
        let x = Tensor<Float>(randomNormal: [188, 6], using: &generator)
        let y = Tensor<Float>(oneHot: Tensor<Int32>((0..<188).map { _ in Int32(generator.next() % 4) }), depth: 4)
        // 188 · 0.2 = 37 held out; 151 train in 10 batches of 16: 20 steps over two epochs.
        let (planned, _) = try fitBoth(Float.self, sampleShape: [6], loss: CategoricalCrossentropy(fromLogits: true)) {
            try $0.fit(x, y, epochs: 2, batchSize: 16, validationSplit: 0.2, verbose: 0, seed: 1)
        }
        XCTAssertEqual(Set(planned.metricNames), ["loss", "accuracy", "val_loss", "val_accuracy"])
    }

    func testTwentyPlannedFitStepsEqualTheTapesForRegressionInDouble() throws {
        var generator = SeededRandomNumberGenerator(seed: 5)
        let x = Tensor<Double>(randomNormal: [70, 6], using: &generator)
        let y = Tensor<Double>(randomNormal: [70, 4], using: &generator)
        _ = try fitBoth(Double.self, sampleShape: [6], loss: MeanSquaredError()) {
            try $0.fit(x, y, epochs: 4, batchSize: 14, verbose: 0, seed: 2)
        }
    }

    func testTrainOnBatchOfChangingSizesEqualsTheTape() throws {
        var generator = SeededRandomNumberGenerator(seed: 6)
        let planned = Self.model(Float.self, sampleShape: [6]), taped = Self.model(Float.self, sampleShape: [6])
        for (model, plans) in [(planned, true), (taped, false)] {
            model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [],
                          plansTrainingSteps: plans)
        }
        for rows in [32, 7, 1, 40, 32] {
            let x = Tensor<Float>(randomNormal: [rows, 6], using: &generator)
            let y = Tensor<Int32>((0..<rows).map { _ in Int32(generator.next() % 4) })
            let plannedLoss = try planned.trainOnBatch(x, y), tapedLoss = try taped.trainOnBatch(x, y)
            XCTAssertEqual(plannedLoss, tapedLoss, accuracy: 1e-6 * max(1, abs(tapedLoss)), "\(rows) rows")
        }
        XCTAssertNotNil(planned.trainingConfiguration?.stepPlans.plan, "trainOnBatch used a plan")
        XCTAssertEqual(planned.trainingConfiguration?.stepPlans.plan?.maximumBatchSize, 40)
        Self.assertSameParameters(planned, taped, tolerance: 1e-5)
    }

    func testAParameterSetBetweenStepsIsUsed() throws {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let x = Tensor<Float>(randomNormal: [16, 6], using: &generator)
        let y = Tensor<Int32>((0..<16).map { _ in Int32(generator.next() % 4) })
        let planned = Self.model(Float.self, sampleShape: [6]), taped = Self.model(Float.self, sampleShape: [6])
        for (model, plans) in [(planned, true), (taped, false)] {
            model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [],
                          plansTrainingSteps: plans)
        }
        _ = try planned.trainOnBatch(x, y)
        _ = try taped.trainOnBatch(x, y)
        let plan = planned.trainingConfiguration?.stepPlans.plan
        XCTAssertNotNil(plan)
        // The user rewrites a kernel: the next planned step must see it.
        let kernel = Tensor<Float>(randomNormal: [6, 8], using: &generator)
        for model in [planned, taped] { (model.layers[0] as? Dense<Float>)?.kernel.value = kernel }
        let plannedLoss = try planned.trainOnBatch(x, y), tapedLoss = try taped.trainOnBatch(x, y)
        XCTAssertEqual(plannedLoss, tapedLoss, accuracy: 1e-6 * max(1, abs(tapedLoss)))
        XCTAssertTrue(planned.trainingConfiguration?.stepPlans.plan === plan, "a new value of the same shape keeps the plan")
        Self.assertSameParameters(planned, taped, tolerance: 1e-5)

        // A frozen parameter changes the trainable set: that step runs on the tape.
        for model in [planned, taped] { (model.layers[1] as? Dense<Float>)?.bias.isTrainable = false }
        XCTAssertFalse(planned.plansTrainingSteps)
        let frozenLoss = try planned.trainOnBatch(x, y), frozenTapedLoss = try taped.trainOnBatch(x, y)
        XCTAssertEqual(frozenLoss, frozenTapedLoss, accuracy: 1e-6 * max(1, abs(frozenTapedLoss)))
        Self.assertSameParameters(planned, taped, tolerance: 1e-5)
        // Thawed again, a new plan is made for the full set.
        for model in [planned, taped] { (model.layers[1] as? Dense<Float>)?.bias.isTrainable = true }
        XCTAssertTrue(planned.plansTrainingSteps)
        let thawedLoss = try planned.trainOnBatch(x, y), thawedTapedLoss = try taped.trainOnBatch(x, y)
        XCTAssertEqual(thawedLoss, thawedTapedLoss, accuracy: 1e-6 * max(1, abs(thawedTapedLoss)))
        Self.assertSameParameters(planned, taped, tolerance: 1e-5)
    }

    func testAModelWithALayerThatCannotBePlannedTrainsOnTheTape() throws {
        var generator = SeededRandomNumberGenerator(seed: 8)
        let x = Tensor<Float>(randomNormal: [64, 4], using: &generator)
        let y = Tensor<Int32>(x.scalars.enumerated().filter { $0.offset % 4 == 0 }.map { $0.element > 0 ? 1 : 0 })
        let dropout = Sequential<Float>(inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 16, activation: .relu, seed: 1)
            Dropout(rate: 0.1, seed: 2)
            Dense(inputSize: 16, outputSize: 2, seed: 3)
        }
        let custom = Sequential<Float>(inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 16, activation: .relu, seed: 1)
            Doubling()
            Dense(inputSize: 16, outputSize: 2, seed: 3)
        }
        for model in [dropout, custom] {
            model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: true))
            XCTAssertFalse(model.plansTrainingSteps)
            let history = try model.fit(x, y, epochs: 8, batchSize: 16, verbose: 0, seed: 1)
            XCTAssertNil(model.trainingConfiguration?.stepPlans.plan)
            let losses = history["loss"]
            XCTAssertLessThan(try XCTUnwrap(losses.last), try XCTUnwrap(losses.first) * 0.9, "\(model.layers[1].typeName) trained")
        }
    }

    func testWeightedOrAnomalyCheckedStepsUseTheTape() throws {
        var generator = SeededRandomNumberGenerator(seed: 9)
        let x = Tensor<Float>(randomNormal: [32, 6], using: &generator)
        let y = Tensor<Int32>((0..<32).map { _ in Int32(generator.next() % 4) })
        let weighted = Self.model(Float.self, sampleShape: [6])
        weighted.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        XCTAssertTrue(weighted.plansTrainingSteps)
        try weighted.fit(x, y, batchSize: 8, classWeights: [0: 2], verbose: 0)
        XCTAssertNil(weighted.trainingConfiguration?.stepPlans.plan)
        let checked = Self.model(Float.self, sampleShape: [6])
        checked.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        checked.detectsAnomalies = true
        XCTAssertFalse(checked.plansTrainingSteps)
        try checked.fit(x, y, batchSize: 8, verbose: 0)
        XCTAssertNil(checked.trainingConfiguration?.stepPlans.plan)
    }

    func testPlannedFitStillRefusesNonFiniteInputs() throws {
        var x = Tensor<Float>(zeros: [20, 6])
        x[13, 2] = .nan
        let y = Tensor<Int32>(zeros: [20])
        let model = Self.model(Float.self, sampleShape: [6])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        XCTAssertThrowsError(try model.fit(x, y, batchSize: 8, shuffle: false, verbose: 0)) { error in
            guard case .nonFiniteData("fit", "input", 13, 2, "nan")? = error as? ModelError else { return XCTFail("\(error)") }
        }
    }

    func testPlannedTrainOnBatchStillChecksLabelsAndInputs() throws {
        let model = Self.model(Float.self, sampleShape: [6])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true))
        var x = Tensor<Float>(zeros: [8, 6])
        try model.trainOnBatch(x, Tensor<Int32>(zeros: [8]))
        XCTAssertNotNil(model.trainingConfiguration?.stepPlans.plan)
        let before = model.parameters.map(\.value)
        XCTAssertThrowsError(try model.trainOnBatch(x, Tensor<Int32>([0, 1, 2, 3, 4, 0, 0, 0]))) { error in
            guard case .labelOutOfRange(4, 4, 4)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        x[5, 1] = .infinity
        XCTAssertThrowsError(try model.trainOnBatch(x, Tensor<Int32>(zeros: [8]))) { error in
            guard case .nonFiniteData("trainOnBatch", "input", 5, 1, _)? = error as? ModelError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(model.parameters.map(\.value), before, "no update from a refused batch")
        XCTAssertThrowsError(try model.trainOnBatch(Tensor<Float>(zeros: [8, 5]), Tensor<Int32>(zeros: [8]))) { error in
            guard case .incompatibleInputShape? = error as? ModelError else { return XCTFail("\(error)") }
        }
    }

    // MARK: - Helpers

    /// Fits a planned and a taped copy of the same model with `fit` and checks that they
    /// end with the same parameters and history; returns both histories.
    private func fitBoth<Scalar: TensorScalar>(
        _: Scalar.Type, sampleShape: [Int], loss: some Loss, fit: (Sequential<Scalar>) throws -> History
    ) throws -> (planned: History, taped: History) {
        let planned = Self.model(Scalar.self, sampleShape: sampleShape), taped = Self.model(Scalar.self, sampleShape: sampleShape)
        planned.compile(optimizer: Adam(learningRate: 0.01), loss: loss, metrics: [.accuracy], plansTrainingSteps: true)
        taped.compile(optimizer: Adam(learningRate: 0.01), loss: loss, metrics: [.accuracy], plansTrainingSteps: false)
        XCTAssertTrue(planned.plansTrainingSteps)
        XCTAssertFalse(taped.plansTrainingSteps)
        let before = planned.parameters.map(\.value)
        let plannedHistory = try fit(planned), tapedHistory = try fit(taped)
        XCTAssertNotNil(planned.trainingConfiguration?.stepPlans.plan, "fit used a plan")
        XCTAssertNil(taped.trainingConfiguration?.stepPlans.plan)
        XCTAssertNotEqual(planned.parameters.map(\.value), before, "training changed the parameters")
        Self.assertSameParameters(planned, taped, tolerance: 1e-5)
        XCTAssertEqual(plannedHistory.metricNames, tapedHistory.metricNames)
        XCTAssertEqual(plannedHistory.epochs.count, tapedHistory.epochs.count)
        for name in tapedHistory.metricNames {
            for (a, b) in zip(plannedHistory[name], tapedHistory[name]) {
                XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), name)
            }
        }
        return (plannedHistory, tapedHistory)
    }

    /// Flatten (for samples of rank > 1) → Dense relu → Dense relu → Dense (4 outputs), seeded.
    static func model<Scalar: TensorScalar>(_: Scalar.Type, sampleShape: [Int]) -> Sequential<Scalar> {
        let inputs = sampleShape.reduce(1, *)
        return Sequential(inputShape: sampleShape) {
            if sampleShape.count > 1 { Flatten() }
            Dense(inputSize: inputs, outputSize: 8, activation: .relu, seed: 21)
            Dense(inputSize: 8, outputSize: 8, activation: .relu, seed: 22)
            Dense(inputSize: 8, outputSize: 4, seed: 23)
        }
    }

    static func assertSameParameters<Scalar: TensorScalar>(
        _ a: Sequential<Scalar>, _ b: Sequential<Scalar>, tolerance: Double, file: StaticString = #filePath, line: UInt = #line
    ) {
        let (first, second) = (a.parameters.map(\.value), b.parameters.map(\.value))
        XCTAssertEqual(first.count, second.count, file: file, line: line)
        for (index, (x, y)) in zip(first, second).enumerated() {
            XCTAssertEqual(x.shape, y.shape, file: file, line: line)
            let difference = zip(x.scalars, y.scalars).map { abs(Double($0) - Double($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(difference, tolerance, "parameter \(index)", file: file, line: line)
        }
    }
}

/// A layer of our own (not plannable): `2x`.
private final class Doubling: Layer {
    var name = ""
    func callAsFunction(_ input: Tensor<Float>) -> Tensor<Float> { input * 2 }
    func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}
