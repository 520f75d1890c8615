import Tapestry
import TapestryNN

/// A split feeds `fit`, `evaluate` and `predict` directly: images stay bytes in memory and
/// each batch is normalised (÷255) as it is gathered.
extension LabeledImages: BatchSource {
    /// `count`.
    public var sampleCount: Int { count }

    /// `[rows, columns]`.
    public var sampleShape: [Int] { [rows, columns] }

    /// The images `[n, rows, columns]` scaled to [0, 1] and their labels `[n]`.
    public func batch(at indices: ArraySlice<Int>) -> (inputs: Tensor<Float>, targets: Tensor<Float>) {
        let inputs = Tensor<Float>(shape: [indices.count, rows, columns]) { gatherImages(at: indices, into: $0) }
        let targets = Tensor<Float>(indices.map { Float(labels[$0]) })
        return (inputs, targets)
    }
}
