import Foundation
import Tapestry
import TapestryData
import TapestryIO
import TapestryNN
import TapestryViz

/// The CNN's own pictures: the first convolution's learned filters, and the feature maps
/// one test image produces after each convolution.
struct CNNPictures {
    let model: Sequential<Float>
    let data: FashionMNIST
    /// The test image whose feature maps are drawn.
    let imageIndex: Int

    /// The names of the pictures.
    static let filtersName = "filters.svg", featureMapsName = "feature-maps.svg"
    /// Every file ``write(to:announce:)`` writes into its folder.
    static let fileNames = [filtersName, featureMapsName]

    /// Writes `filters.svg` and `feature-maps.svg` into `folder`.
    func write(to folder: FileSystemPath, announce: (String) -> Void) throws {
        let convolutions = model.layers.compactMap { $0 as? Conv2D<Float> }
        guard let first = convolutions.first else { return }
        let kernel = first.kernel.value
        let (height, width, channels, filters) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        let weights = kernel.scalars
        // Filter f of input channel 0: kernel[:, :, 0, f].
        let filterMaps = try (0..<filters).map { f in
            try FeatureMapGallery.Map(rows: height, columns: width, values: (0..<height * width).map {
                Double(weights[$0 * channels * filters + f])
            })
        }
        let filterSection = try FeatureMapGallery.Section(
            title: "\(first.name): \(filters) learned \(height)×\(width) filters (blue negative, red positive)",
            maps: filterMaps, columns: 16, pixelSize: 9, shading: .diverging)
        try FeatureMapGallery(title: "The first convolution's filters", sections: [filterSection])
            .write(toPath: folder.appending(Self.filtersName))

        // Run the layers one by one on the image and keep each convolution's output.
        let image = Tensor<Float>(shape: [1, data.test.rows, data.test.columns],
                                  scalars: data.test.image(at: imageIndex).map { Float($0) / 255 })
        var sections = [try FeatureMapGallery.Section(
            title: "test image \(imageIndex) (\(FashionMNIST.classNames[data.test.label(at: imageIndex)]))",
            maps: [try Self.maps(of: image.reshaped(to: [1, data.test.rows, data.test.columns, 1]))[0]],
            columns: 1, pixelSize: 3)]
        var x = image
        for layer in model.layers {
            x = layer(x)
            guard let conv = layer as? Conv2D<Float> else { continue }
            let maps = try Self.maps(of: x)
            sections.append(try FeatureMapGallery.Section(
                title: "after \(conv.name) (\(conv.activation.name)): \(maps.count) maps of \(x.shape[1])×\(x.shape[2])",
                maps: maps, columns: maps.count > 32 ? 16 : 8, pixelSize: x.shape[1] > 16 ? 2 : 3))
        }
        try FeatureMapGallery(title: "Feature maps of test image \(imageIndex)", sections: sections, levels: 6)
            .write(toPath: folder.appending(Self.featureMapsName))
        announce("Wrote \(Self.filtersName) and \(Self.featureMapsName) to \(folder)")
    }

    /// One map per channel of a `[1, height, width, channels]` activation.
    static func maps(of activation: Tensor<Float>) throws -> [FeatureMapGallery.Map] {
        let (height, width, channels) = (activation.shape[1], activation.shape[2], activation.shape[3])
        let values = activation.scalars
        return try (0..<channels).map { c in
            try FeatureMapGallery.Map(rows: height, columns: width, values: (0..<height * width).map {
                Double(values[$0 * channels + c])
            })
        }
    }
}
