import Foundation
import XCTest
import Tapestry
@testable import TapestryNN

/// CSVLogger, LambdaCallback, LearningRateScheduler and ReduceLROnPlateau, mostly through `fit`.
final class CallbackTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("CallbackTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A linear regression model and data: 8 samples, y = x₀ − 2x₁.
    private func regression(learningRate: Double = 0.1) -> (Sequential<Double>, Tensor<Double>, Tensor<Double>) {
        setRandomSeed(3)
        let model = Sequential<Double>(inputShape: [2], layers: [Dense(inputSize: 2, outputSize: 1)])
        model.compile(optimizer: SGD(learningRate: learningRate), loss: MeanSquaredError())
        let inputs: [Double] = (0..<16).map { (index: Int) -> Double in Double(index % 5) / 4 - 0.5 }
        let outputs: [Double] = (0..<8).map { (sample: Int) -> Double in inputs[2 * sample] - 2 * inputs[2 * sample + 1] }
        let x = Tensor<Double>(shape: [8, 2], scalars: inputs)
        let y = Tensor<Double>(shape: [8, 1], scalars: outputs)
        return (model, x, y)
    }

    func testCSVLoggerWritesOneRowPerEpochAndAppends() throws {
        let (model, x, y) = regression()
        let path = directory.appendingPathComponent("log.csv").path
        let history = try model.fit(x, y, epochs: 3, batchSize: 4, validationData: (x, y),
                                    callbacks: [CSVLogger(path: path)], verbose: 0)
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "epoch,loss,val_loss")
        for (line, epoch) in zip(lines.dropFirst(), history.epochs) {
            let fields = line.split(separator: ",").map(String.init)
            XCTAssertEqual(fields[0], String(epoch.epoch))
            XCTAssertEqual(Double(fields[1]), epoch.metrics["loss"])          // written losslessly
            XCTAssertEqual(Double(fields[2]), epoch.metrics["val_loss"])
        }

        // Appending continues the file under the same header; no temporary files remain.
        _ = try model.fit(x, y, epochs: 2, batchSize: 4, callbacks: [CSVLogger(path: path, append: true)], verbose: 0)
        lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6)
        XCTAssertEqual(lines.filter { $0.hasPrefix("epoch") }.count, 1)
        XCTAssertTrue(lines[4].hasPrefix("1,") && lines[5].hasSuffix(",NA"), "\(lines)")   // no validation this time
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["log.csv"])

        // Without append the file is replaced; the separator is configurable.
        _ = try model.fit(x, y, epochs: 1, batchSize: 4, callbacks: [CSVLogger(path: path, separator: ";")], verbose: 0)
        lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0], "epoch;loss")
    }

    func testCSVLoggerReportsAnUnwritablePath() throws {
        let (model, x, y) = regression()
        let path = directory.appendingPathComponent("missing/log.csv").path
        XCTAssertThrowsError(try model.fit(x, y, epochs: 1, callbacks: [CSVLogger(path: path)], verbose: 0))
    }

    func testLambdaCallbackCallsItsClosuresAndCanStop() throws {
        let (model, x, y) = regression()
        var events: [String] = [], batches = 0
        let callback = LambdaCallback<Double>(
            onTrainingBegin: { _ in events.append("begin") },
            onBatchComputed: { step, loss, _ in
                events.append("batch \(step)")
                batches += 1
                return batches == 5 ? .stop(reason: "enough") : .proceed
            },
            onEpochEnd: { epoch, logs, _ in events.append("epoch \(epoch) \(logs.keys.sorted())") },
            onTrainingEnd: { _ in events.append("end") })
        let history = try model.fit(x, y, epochs: 10, batchSize: 4, shuffle: false, callbacks: [callback], verbose: 0)
        XCTAssertEqual(history.stopReason, "enough")
        XCTAssertEqual(events.first, "begin")
        XCTAssertEqual(events.last, "end")
        XCTAssertEqual(events.filter { $0.hasPrefix("epoch") }, ["epoch 1 [\"loss\"]", "epoch 2 [\"loss\"]"])
        XCTAssertEqual(events.filter { $0.hasPrefix("batch") }, ["batch 1", "batch 2", "batch 1", "batch 2", "batch 1"])   // steps count per epoch
    }

    func testLearningRateSchedulerSetsTheRateOfEachEpoch() throws {
        let (model, x, y) = regression()
        var seen: [Double] = []
        let recorder = LambdaCallback<Double>(onBatchComputed: { _, _, model in
            seen.append(model.optimizer?.learningRate ?? .nan)
            return .proceed
        })
        let scheduler = LearningRateScheduler<Double> { epoch, rate in epoch == 1 ? 0.2 : rate / 2 }
        _ = try model.fit(x, y, epochs: 3, batchSize: 4, callbacks: [scheduler, recorder], verbose: 0)
        XCTAssertEqual(seen, [0.2, 0.2, 0.1, 0.1, 0.05, 0.05])          // two batches per epoch
        XCTAssertEqual(scheduler.rates[3], 0.05)

        let broken = LearningRateScheduler<Double> { _, _ in -1 }
        XCTAssertThrowsError(try model.fit(x, y, epochs: 1, callbacks: [broken], verbose: 0))
    }

    func testReduceLROnPlateauFollowsKerasPatienceCooldownAndFloor() throws {
        let (model, _, _) = regression(learningRate: 0.1)
        let callback = ReduceLROnPlateau<Double>(monitor: "loss", factor: 0.5, patience: 2, minDelta: 0, cooldown: 1, minLearningRate: 0.02)
        try callback.trainingWillBegin(model: model)
        let losses = [1.0, 1.0, 1.1, 1.2, 1.2, 0.9, 0.95, 0.95, 0.95, 0.95]
        for (index, loss) in losses.enumerated() {
            XCTAssertEqual(try callback.epochDidEnd(index + 1, logs: ["loss": loss], model: model), .proceed)
        }
        XCTAssertEqual(callback.reductions.map(\.epoch), [3, 5, 8])
        XCTAssertEqual(callback.reductions.map(\.learningRate), [0.05, 0.025, 0.02])
        XCTAssertEqual(model.optimizer?.learningRate, 0.02)
        XCTAssertEqual(callback.best, 0.9)
        XCTAssertThrowsError(try callback.epochDidEnd(11, logs: ["val_loss": 1], model: model))
    }

    func testReduceLROnPlateauInsideFit() throws {
        let (model, x, y) = regression(learningRate: 0.1)
        // No loss can improve by 1000 per epoch: the rate is divided by ten after every epoch.
        let callback = ReduceLROnPlateau<Double>(monitor: "loss", patience: 0, minDelta: 1000)
        _ = try model.fit(x, y, epochs: 3, batchSize: 4, callbacks: [callback], verbose: 0)
        XCTAssertEqual(callback.reductions.count, 2)          // the first epoch sets the best
        XCTAssertEqual(model.optimizer?.learningRate ?? 0, 0.001, accuracy: 1e-15)
    }
}

extension CallbackTests {
    /// The training-toolkit example proposed for the README, on small data.
    func testToolkitWorkflowForTheReadme() throws {
        setRandomSeed(7)
        let inputs: [Float] = (0..<(90 * 4)).map { (index: Int) -> Float in Float((index * 37) % 11) / 5 - 1 }
        let labels: [Int32] = (0..<90).map { (sample: Int) -> Int32 in inputs[4 * sample] + inputs[4 * sample + 1] > 0 ? 0 : (inputs[4 * sample + 2] > 0 ? 1 : 2) }
        let x = Tensor<Float>(shape: [90, 4], scalars: inputs), y = Tensor<Int32>(labels)
        let csv = directory.appendingPathComponent("training.csv").path

        // README: toolkit begin
        let model = Sequential<Float>(inputShape: [4]) {
            Dense(inputSize: 4, outputSize: 32, activation: .relu)
            Dense(inputSize: 32, outputSize: 3)
        }
        model.compile(optimizer: AdamW(learningRate: 1e-2, weightDecay: 0.01, clipping: .globalNorm(1)),
                      loss: SparseCategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1),
                      metrics: [.accuracy, .topKCategoricalAccuracy(k: 2), F1Score(average: .macro)])
        let history = try model.fit(x, y, epochs: 8, batchSize: 16, validationSplit: 0.2, callbacks: [
            CSVLogger(path: csv),
            ReduceLROnPlateau(monitor: "val_loss", factor: 0.5, patience: 2),
            EarlyStopping(monitor: "val_loss", patience: 5, restoreBestWeights: true),
        ], verbose: 0)
        // README: toolkit end

        XCTAssertLessThan(history["loss"].last ?? .nan, history["loss"].first ?? .nan)
        XCTAssertTrue(Set(history.metricNames).isSuperset(of: ["f1_score", "top_k_categorical_accuracy", "val_f1_score"]), "\(history.metricNames)")
        let header = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").first.map(String.init)
        XCTAssertEqual(header, "epoch,accuracy,f1_score,learning_rate,loss,top_k_categorical_accuracy,val_accuracy,val_f1_score,val_loss,val_top_k_categorical_accuracy")
    }
}
