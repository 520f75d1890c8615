import ArgumentParser
import Tapestry
import TapestryNN

/// The models the demo can train.
enum FashionModelKind: String, CaseIterable, ExpressibleByArgument {
    /// The tutorial's MLP: 784 → 64 relu → 64 relu → 10 (55,050 parameters).
    case mlp
    /// Two convolutions with pooling: Conv2D 32 3×3 relu → MaxPool 2 → Conv2D 64 3×3 relu
    /// → MaxPool 2 → Flatten → Dense 64 relu → Dense 10 (121,930 parameters).
    case cnn

    /// Images per batch when evaluating and predicting: the MLP's activations are small,
    /// the CNN's first convolution makes 21,632 values an image (86 MB at 1,000), so it
    /// infers 250 at a time.
    var inferenceBatchSize: Int { self == .cnn ? 250 : 1000 }

    /// The model, built from weights the current random seed draws; it takes `[28, 28]`
    /// images.
    func build() -> Sequential<Float> {
        switch self {
        case .mlp:
            Sequential<Float>(inputShape: [28, 28]) {
                Flatten()
                Dense(inputSize: 784, outputSize: 64, activation: .relu)
                Dense(inputSize: 64, outputSize: 64, activation: .relu)
                Dense(inputSize: 64, outputSize: 10)
            }
        case .cnn:
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
    }
}
