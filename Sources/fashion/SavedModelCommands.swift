import ArgumentParser
import Foundation
import Tapestry
import TapestryData
import TapestryIO
import TapestryNN
import TapestryViz

/// The options every command on a saved model takes.
struct SavedModelOptions: ParsableArguments {
    @Option(help: "A whole-model file written by `fashion train --save-model`.")
    var model: String

    /// The model in the file; errors name the file and the reason.
    ///
    /// - Throws: also ``RawArguments/Unusable`` for a path that is not UTF-8.
    func load() throws -> Model<Float> {
        try Model<Float>.load(from: URL(fileURLWithPath: RawArguments.utf8Path(of: "--model", parsed: model)))
    }
}

/// Where the test images come from, as for training.
struct DataOptions: ParsableArguments {
    @Option(help: "A folder holding the four Fashion-MNIST .gz files.")
    var dataDir: String?

    /// Fashion-MNIST from `--data-dir` exactly, or from the usual places.
    func load() throws -> FashionMNIST {
        if let dataDir {
            let path = try RawArguments.utf8Path(of: "--data-dir", parsed: dataDir)
            return try FashionMNIST.load(exactlyFrom: URL(fileURLWithPath: path, isDirectory: true))
        }
        return try FashionMNIST.load()
    }
}

/// `fashion evaluate --model PATH`: the test loss and accuracy of a saved model.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Print a saved model's loss and accuracy on the 10,000 test images (its outputs taken as logits).")

    @OptionGroup var saved: SavedModelOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let model = try saved.load()
        let fashion = try data.load()
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: !model.endsWithSoftmax), metrics: [.accuracy])
        let evaluation = try model.evaluate(fashion.test, batchSize: 1000)
        print("Test accuracy: \(format(evaluation.accuracy ?? .nan, digits: 6)), Test loss: \(format(evaluation.loss, digits: 6))")
    }
}

/// `fashion predict --model PATH --index N`: one test image's class probabilities.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Print a saved model's class probabilities for one test image, and the image.")

    @OptionGroup var saved: SavedModelOptions
    @OptionGroup var data: DataOptions

    @Option(help: "The test image (0 to 9999).")
    var index = FashionDemo.inspectedImage

    func validate() throws {
        guard (0..<10_000).contains(index) else { throw ValidationError("--index must be between 0 and 9999, got \(index)") }
    }

    func run() throws {
        let model = try saved.load()
        let fashion = try data.load()
        guard index < fashion.test.count else {
            throw ValidationError("--index must be below \(fashion.test.count), the number of test images, got \(index)")
        }
        let outputs = try model.predict(fashion.test.inputs(at: [index][...]))
        let probabilities = model.endsWithSoftmax ? outputs[0] : outputs[0].softmax()
        let predicted = Int(probabilities.argmax(alongAxis: 0).scalar)
        guard FashionMNIST.classNames.indices.contains(predicted), probabilities.shape == [FashionMNIST.classNames.count] else {
            throw ValidationError("\(saved.model): the model has \(probabilities.shape) outputs, not one per Fashion-MNIST class")
        }
        print("predictions[\(index)]:")
        print(FashionDemo.numpyStyle(probabilities.scalars))
        print("class_names[np.argmax(predictions[\(index)])] = '\(FashionMNIST.classNames[predicted])'"
              + " (true label: '\(FashionMNIST.classNames[fashion.test.label(at: index)])')")
        print(TerminalImage.render(pixels: fashion.test.image(at: index), rows: fashion.test.rows, columns: fashion.test.columns))
    }
}

/// `fashion draw --model PATH --output DIR`: the pictures of a saved model.
struct DrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draw",
        abstract: "Write a saved model's diagram (model.svg, and model-expanded.svg when it nests models) to a folder.")

    @OptionGroup var saved: SavedModelOptions

    @Option(help: "Where to write the pictures (SVG).")
    var output = "Docs"

    @Flag(help: "Draw left to right instead of top to bottom.")
    var leftToRight = false

    /// The pictures `draw` may write into `--output`.
    static let modelName = "model.svg", expandedName = "model-expanded.svg"

    func run() throws {
        let folder = RawArguments.path(of: "--output", parsed: output)
        var plan = OutputPlan()
        plan.addFolder(folder, option: "--output", purpose: "write pictures to", fileNames: [Self.modelName, Self.expandedName])
        try plan.prepare()
        do {
            try draw(into: folder)
        } catch {
            plan.removeCreatedFoldersIfEmpty()
            throw error
        }
    }

    private func draw(into folder: FileSystemPath) throws {
        let model = try saved.load()
        let direction: DiagramDirection = leftToRight ? .leftToRight : .topToBottom
        try ModelDiagram(model, direction: direction, showsTrainability: true).write(toPath: folder.appending(Self.modelName))
        var written = [Self.modelName]
        if model.modelDescription.nodes.contains(where: { $0.nested != nil }) {
            try ModelDiagram(model, direction: direction, showsTrainability: true, expandsNested: true)
                .write(toPath: folder.appending(Self.expandedName))
            written.append(Self.expandedName)
        }
        print("Wrote \(written.joined(separator: " and ")) of \(model.name) (\(model.parameterCount.groupedByThousands) parameters) to \(folder)")
    }
}

extension Model {
    /// Whether the model's output is already a probability distribution (a last Softmax
    /// layer or activation).
    var endsWithSoftmax: Bool {
        let description = modelDescription
        guard let last = description.outputs.last, let node = description[last] else { return false }
        func softmax(_ node: ModelDescription.Node) -> Bool {
            if node.typeName == "Softmax" || node.activationName == "softmax" { return true }
            if let nested = node.nested, let inner = nested.outputs.last.flatMap({ nested[$0] }) { return softmax(inner) }
            return false
        }
        return softmax(node)
    }
}
