import Tapestry

/// A split feeds training, evaluation and prediction directly: images stay bytes in memory
/// and each batch is normalised (÷255) as it is gathered.
extension LabeledImages: BatchSource {
    /// `count`.
    public var sampleCount: Int { count }

    /// `[rows, columns]`.
    public var sampleShape: [Int] { [rows, columns] }

    /// The labels as class indices, `[count]`.
    public var targets: Targets<Float> {
        // Converted in a typed loop: a lazy map here cost one malloc per label.
        .labels(Tensor<Int32>(shape: [count], scalars: labels.map { Int32($0) }))
    }

    /// The images `[n, rows, columns]` scaled to [0, 1].
    public func inputs(at indices: ArraySlice<Int>) -> Tensor<Float> {
        Tensor<Float>(shape: [indices.count, rows, columns]) { gatherImages(at: indices, into: $0) }
    }
}
