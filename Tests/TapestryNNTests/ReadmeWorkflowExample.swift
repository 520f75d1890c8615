import Foundation
import Tapestry
import TapestryData
import TapestryNN

/// The README's Keras workflow, compiled with the tests so that it cannot rot (the README
/// sync test checks the README quotes it). It is not run here: five epochs on the real
/// data are the `fashion` demo's job, which `make test` runs end to end for one epoch.
func readmeKerasWorkflow() throws {
    // README: keras workflow begin
    let data = try FashionMNIST.load()      // 60,000 + 10,000 images, found or downloaded and verified
    let model = Sequential<Float>(inputShape: [28, 28]) {
        Flatten()
        Dense(inputSize: 784, outputSize: 64, activation: .relu)
        Dense(inputSize: 64, outputSize: 64, activation: .relu)
        Dense(inputSize: 64, outputSize: 10)
    }
    model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
    model.summary()
    let history = try model.fit(data.train, epochs: 5, batchSize: 32,
                                callbacks: [EarlyStopping(monitor: "loss", patience: 2)])
    let evaluation = try model.evaluate(data.test)
    print("test accuracy \(evaluation.accuracy ?? 0) after \(history.epochs.count) epochs")
    let probabilities = try Sequential(layers: [model, Softmax()]).predict(data.test)
    print("image 0 is class \(probabilities[0].argmax().scalar)")
    try model.save(weightsTo: URL(fileURLWithPath: "fashion.safetensors"))
    // README: keras workflow end
}
