import Foundation
import Tapestry
import TapestryData
import TapestryIO
import TapestryNN
import TapestryViz

/// The tutorial's workflow, printed as Keras prints it.
struct FashionDemo {
    let options: FashionCommand
    /// The data-parallel group this process trains in (`--data-parallel`), if any.
    var parallel: DataParallelTraining<Float>? = nil
    /// Whether this process writes files: not a data-parallel rank other than 0.
    private var writesFiles: Bool { parallel?.group.isReporting ?? true }

    /// The test image the tutorial inspects (a pair of trousers).
    static let inspectedImage = 3

    func run() throws {
        // Fail on an unusable or colliding destination now, not after training; ranks of a
        // data-parallel run other than 0 write nothing, so they plan nothing either.
        let paths = try OutputPaths(options)
        var plan = paths.plan(model: options.model)
        if writesFiles { try plan.prepare() }
        do {
            try train(writingTo: paths)
        } catch {
            plan.removeCreatedFoldersIfEmpty()
            throw error
        }
    }

    private func train(writingTo paths: OutputPaths) throws {
        let backup = paths.backupDir.map { BackupAndRestore<Float>(backupDirectory: URL(fileURLWithPath: $0, isDirectory: true)) }

        // 1. Load the data; the images stay bytes and are normalised batch by batch. A folder
        //    given with --data-dir is used as is (a typo must not silently pick other data);
        //    otherwise FASHION_MNIST_DIR, the user cache and Debian's package are searched.
        let (data, loadSeconds) = try timed {
            if let directory = paths.dataDir {
                return try FashionMNIST.load(exactlyFrom: URL(fileURLWithPath: directory, isDirectory: true))
            }
            return try FashionMNIST.load()
        }
        say("Loaded Fashion-MNIST from \(data.directory.path): \(data.train.count) training and "
            + "\(data.test.count) test images of \(data.train.rows)×\(data.train.columns) in \(format(loadSeconds, digits: 2)) s")

        // 2. Build the model and compile it.
        setRandomSeed(options.seed)
        let model = options.model.build()
        model.compile(optimizer: Adam(learningRate: options.learningRate),
                      loss: SparseCategoricalCrossentropy(fromLogits: true),
                      metrics: [.accuracy])
        if options.verbose > 0 { model.summary() }

        // 3. Train.
        let board = paths.tensorboard.map { folder -> TensorBoard<Float> in
            // 32 training images give the gradient histograms and the recorded graph.
            let sample = data.train.batch(at: Array(0..<32)[...])
            return TensorBoard(logDirectory: URL(fileURLWithPath: folder, isDirectory: true),
                               gradientSample: (inputs: sample.inputs, targets: sample.targets))
        }
        let history = try model.fit(data.train, epochs: options.epochs, batchSize: options.batchSize,
                                    callbacks: ([board, backup, parallel] as [(any Callback<Float>)?]).compactMap { $0 }, verbose: options.verbose)

        // 4. Evaluate on the 10,000 test images.
        let evaluation = try model.evaluate(data.test, batchSize: options.model.inferenceBatchSize)
        print("Test accuracy: \(format(evaluation.accuracy ?? .nan, digits: 6)), Test loss: \(format(evaluation.loss, digits: 6))")

        // 5. Wrap the model with Softmax and predict the test set.
        let probabilityModel = Sequential<Float>(name: "probability_model", inputShape: [28, 28], layers: [model, Softmax()])
        let (predictions, predictSeconds) = try timed { try probabilityModel.predict(data.test, batchSize: options.model.inferenceBatchSize) }
        let inspected = predictions[Self.inspectedImage]
        let predictedClass = Int(inspected.argmax(alongAxis: 0).scalar)
        say("predictions[\(Self.inspectedImage)] (predicted for 10,000 test images in \(format(predictSeconds * 1000, digits: 1)) ms):")
        print(Self.numpyStyle(inspected.scalars))
        print("class_names[np.argmax(predictions[\(Self.inspectedImage)])] = '\(FashionMNIST.classNames[predictedClass])'"
              + " (true label: '\(FashionMNIST.classNames[data.test.label(at: Self.inspectedImage)])')")
        if options.verbose > 0 {
            print(TerminalImage.render(pixels: data.test.image(at: Self.inspectedImage),
                                       rows: data.test.rows, columns: data.test.columns))
        }

        // 6. Outputs, byte for byte where they were named (rank 0 only in a data-parallel run).
        guard writesFiles else { return }
        if let path = paths.saveWeights {
            try model.save(weightsTo: path)
            say("Saved weights to \(path)")
        }
        if let path = paths.saveModel {
            try model.save(to: path)
            say("Saved the model to \(path)")
        }
        if let path = paths.exportOnnx {
            try AtomicFile.write(model.onnxModel(), to: path)
            say("Exported the model to ONNX at \(path)")
        }
        try DemoPictures(model: model, history: history, data: data, predictions: predictions,
                         modelName: options.model.rawValue.uppercased(), collapsesTape: options.model == .cnn)
            .write(to: paths.output, announce: say)
        if options.model == .cnn {
            try CNNPictures(model: model, data: data, imageIndex: Self.inspectedImage).write(to: paths.output, announce: say)
        }
        if let path = paths.metricsJSON {
            let report = MetricsReport(
                epochs: history.epochs,
                test: .init(loss: evaluation.loss, accuracy: evaluation.accuracy ?? .nan),
                predictSeconds: predictSeconds, loadSeconds: loadSeconds, parameters: model.parameterCount)
            try AtomicFile.write(report.jsonData(), to: path)
            say("Wrote metrics to \(path)")
        }
    }

    private func say(_ line: String) {
        if options.verbose > 0 { print(line) }
    }

    /// `array([4.1939876e-07, 9.9996161e-01, …], dtype=float32)`, four values a line.
    static func numpyStyle(_ values: [Float]) -> String {
        let items = values.map { String(format: "%.7e", Double($0)) }
        let lines = stride(from: 0, to: items.count, by: 4).map { items[$0..<min($0 + 4, items.count)].joined(separator: ", ") }
        return "array([" + lines.joined(separator: ",\n       ") + "], dtype=float32)"
    }
}

/// The value of `body` and the seconds it took.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now()
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
}

/// `0.872500` for `format(0.8725, digits: 6)`.
func format(_ value: Double, digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}
