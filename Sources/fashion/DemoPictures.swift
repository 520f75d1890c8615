import Foundation
import Tapestry
import TapestryData
import TapestryIO
import TapestryNN
import TapestryViz

/// The pictures the demo writes for the docs: the model diagram, the recorded tape with its
/// gradient flow, the training curves, the confusion matrix and a prediction gallery.
struct DemoPictures {
    let model: Model<Float>
    let history: History
    let data: FashionMNIST
    /// Softmax probabilities for every test image, `[10000, 10]`.
    let predictions: Tensor<Float>
    /// How the titles name the model (`MLP`, `CNN`).
    var modelName = "MLP"
    /// Whether the tape picture draws each layer as one node (the CNN's ops are many).
    var collapsesTape = false

    /// The test images the gallery shows: the tutorial's first fifteen.
    static let galleryImages = 0..<15

    /// The names of the pictures, in the order they are written.
    static let modelName = "model.svg", tapeName = "tape.svg", curvesName = "training-curves.svg",
               confusionName = "confusion-matrix.svg", galleryName = "predictions.svg"
    /// Every file ``write(to:announce:)`` writes into its folder.
    static let fileNames = [modelName, tapeName, curvesName, confusionName, galleryName, HessianPicture.fileName]

    /// Renders each picture and writes it atomically into `folder` (which exists).
    func write(to folder: FileSystemPath, announce: (String) -> Void) throws {
        let classNames = FashionMNIST.classNames
        let predicted = predictions.argmax(alongAxis: 1).scalars.map(Int.init)

        try ModelDiagram(model).write(toPath: folder.appending(Self.modelName))

        // One recorded training step on the first 32 training images, with its gradient flow.
        let batch = data.train.batch(at: Array(0..<32)[...])
        let step = try model.recordStep(inputs: batch.inputs, targets: batch.targets)
        try TapeGraph(step: step, collapsesLayers: collapsesTape,
                      title: "One training step of the Fashion \(modelName), with gradient norms")
            .write(toPath: folder.appending(Self.tapeName))

        let curves = TrainingCurves(
            TrainingHistory(loss: history["loss"], accuracy: history["accuracy"],
                            validationLoss: history.metricNames.contains("val_loss") ? history["val_loss"] : nil,
                            validationAccuracy: history.metricNames.contains("val_accuracy") ? history["val_accuracy"] : nil),
            title: "Fashion-MNIST \(modelName): training history")
        try curves.write(toPath: folder.appending(Self.curvesName))

        var counts = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
        for index in 0..<data.test.count { counts[data.test.label(at: index)][predicted[index]] += 1 }
        try ConfusionMatrixChart(counts: counts, classNames: classNames,
                                 title: "Confusion matrix on the 10,000 test images")
            .write(toPath: folder.appending(Self.confusionName))

        let items = try Self.galleryImages.map { index in
            PredictionGallery.Item(
                image: try GrayscaleImage(rows: data.test.rows, columns: data.test.columns, pixels: Array(data.test.image(at: index))),
                probabilities: predictions[index].scalars.map(Double.init),
                trueClass: data.test.label(at: index), predictedClass: predicted[index])
        }
        try PredictionGallery(items: items, classNames: classNames, title: "Predictions on the first 15 test images", columns: 5)
            .write(toPath: folder.appending(Self.galleryName))

        try HessianPicture.write(to: folder)
        announce("Wrote \(Self.fileNames.dropLast(2).joined(separator: ", ")) and \(Self.galleryName) to \(folder)")
    }
}

extension GraphvizPicture {
    /// Renders the picture as SVG and writes it atomically to `path`, named byte for byte.
    func write(toPath path: FileSystemPath) throws {
        try AtomicFile.write(render(format: .svg), to: path)
    }
}
