import Foundation
import Tapestry
import TapestryData
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

    /// Renders each picture and writes it atomically into `folder`, creating the folder.
    func write(to folder: URL, announce: (String) -> Void) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let classNames = FashionMNIST.classNames
        let predicted = predictions.argmax(alongAxis: 1).scalars.map(Int.init)

        try ModelDiagram(model).write(to: folder.appendingPathComponent("model.svg"))

        // One recorded training step on the first 32 training images, with its gradient flow.
        let batch = data.train.batch(at: Array(0..<32)[...])
        let step = try model.recordStep(inputs: batch.inputs, targets: batch.targets)
        try TapeGraph(step: step, collapsesLayers: collapsesTape,
                      title: "One training step of the Fashion \(modelName), with gradient norms")
            .write(to: folder.appendingPathComponent("tape.svg"))

        let curves = TrainingCurves(
            TrainingHistory(loss: history["loss"], accuracy: history["accuracy"],
                            validationLoss: history.metricNames.contains("val_loss") ? history["val_loss"] : nil,
                            validationAccuracy: history.metricNames.contains("val_accuracy") ? history["val_accuracy"] : nil),
            title: "Fashion-MNIST \(modelName): training history")
        try curves.write(to: folder.appendingPathComponent("training-curves.svg"))

        var counts = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
        for index in 0..<data.test.count { counts[data.test.label(at: index)][predicted[index]] += 1 }
        try ConfusionMatrixChart(counts: counts, classNames: classNames,
                                 title: "Confusion matrix on the 10,000 test images")
            .write(to: folder.appendingPathComponent("confusion-matrix.svg"))

        let items = try Self.galleryImages.map { index in
            PredictionGallery.Item(
                image: try GrayscaleImage(rows: data.test.rows, columns: data.test.columns, pixels: Array(data.test.image(at: index))),
                probabilities: predictions[index].scalars.map(Double.init),
                trueClass: data.test.label(at: index), predictedClass: predicted[index])
        }
        try PredictionGallery(items: items, classNames: classNames, title: "Predictions on the first 15 test images", columns: 5)
            .write(to: folder.appendingPathComponent("predictions.svg"))

        try HessianPicture.write(to: folder)
        announce("Wrote model.svg, tape.svg, training-curves.svg, confusion-matrix.svg and predictions.svg to \(folder.path)")
    }
}
