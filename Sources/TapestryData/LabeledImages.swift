// LabeledImages.swift: one split of an image-classification dataset, kept as bytes.
import CKernels
import Tapestry

/// Images with one class label each, stored as they come from IDX files: one byte per pixel.
///
/// The pixels stay `UInt8` in memory (47 MB for Fashion-MNIST's training split, a quarter of a
/// `Float` copy). Batches are normalised to `Float` while they are gathered, by
/// ``gatherImages(at:into:)``.
public struct LabeledImages: Sendable, Equatable {
    /// The number of images (and of labels).
    public let count: Int

    /// The height of each image in pixels.
    public let rows: Int

    /// The width of each image in pixels.
    public let columns: Int

    /// The number of classes; every label is below it.
    public let classCount: Int

    /// All pixels, image after image, each image row-major: `count * rows * columns` bytes, 0 to 255.
    public let pixels: [UInt8]

    /// One label per image, each in `0..<classCount`.
    public let labels: [UInt8]

    /// The number of pixels in one image: `rows * columns`.
    public var pixelsPerImage: Int { rows * columns }

    /// Creates a split from pixels and labels held in memory.
    ///
    /// - Precondition: `pixels.count == labels.count * rows * columns`, every label is below
    ///   `classCount`, and `rows`, `columns` and `classCount` are positive.
    public init(rows: Int, columns: Int, classCount: Int, pixels: [UInt8], labels: [UInt8]) {
        checkPrecondition(rows > 0 && columns > 0, "image size \(rows)×\(columns) is not positive")
        checkPrecondition(classCount > 0 && classCount <= 256, "class count \(classCount) is not in 1...256")
        checkPrecondition(
            pixels.count == labels.count * rows * columns,
            "\(pixels.count) pixels do not make \(labels.count) images of \(rows)×\(columns)")
        checkPrecondition(labels.allSatisfy { Int($0) < classCount }, "a label is not below \(classCount)")
        self.count = labels.count
        self.rows = rows
        self.columns = columns
        self.classCount = classCount
        self.pixels = pixels
        self.labels = labels
    }

    /// Creates a split from an images IDX array (`count × rows × columns` bytes) and a labels IDX
    /// array (`count` bytes), checking that they fit together.
    ///
    /// - Parameters:
    ///   - images: The decoded images file.
    ///   - labels: The decoded labels file.
    ///   - classCount: The number of classes; every label must be below it.
    ///   - imagesFile: How to name the images file in errors.
    ///   - labelsFile: How to name the labels file in errors.
    /// - Throws: ``DatasetError/unexpectedShape(file:reason:)``,
    ///   ``DatasetError/countMismatch(labelsFile:labelCount:imagesFile:imageCount:)`` or
    ///   ``DatasetError/labelOutOfRange(file:index:label:classCount:)``.
    public init(
        images: IDXArray, labels: IDXArray, classCount: Int, imagesFile: String, labelsFile: String
    ) throws {
        checkPrecondition(classCount > 0 && classCount <= 256, "class count \(classCount) is not in 1...256")
        guard images.elementType == .uint8, images.shape.count == 3 else {
            throw DatasetError.unexpectedShape(
                file: imagesFile,
                reason: "images must be a 3-dimensional unsigned-byte array, found magic \(images.magic.hex)")
        }
        guard images.shape[1] > 0, images.shape[2] > 0 else {
            throw DatasetError.unexpectedShape(
                file: imagesFile, reason: "images of \(images.shape[1])×\(images.shape[2]) pixels")
        }
        guard labels.elementType == .uint8, labels.shape.count == 1 else {
            throw DatasetError.unexpectedShape(
                file: labelsFile,
                reason: "labels must be a 1-dimensional unsigned-byte array, found magic \(labels.magic.hex)")
        }
        guard labels.shape[0] == images.shape[0] else {
            throw DatasetError.countMismatch(
                labelsFile: labelsFile, labelCount: labels.shape[0],
                imagesFile: imagesFile, imageCount: images.shape[0])
        }
        if let index = labels.data.firstIndex(where: { Int($0) >= classCount }) {
            throw DatasetError.labelOutOfRange(
                file: labelsFile, index: index, label: Int(labels.data[index]), classCount: classCount)
        }
        self.count = images.shape[0]
        self.rows = images.shape[1]
        self.columns = images.shape[2]
        self.classCount = classCount
        self.pixels = images.data
        self.labels = labels.data
    }

    /// The pixels of the image at `index`, row-major, without copying.
    ///
    /// - Precondition: `0 <= index < count`.
    public func image(at index: Int) -> ArraySlice<UInt8> {
        checkPrecondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        return pixels[index * pixelsPerImage..<(index + 1) * pixelsPerImage]
    }

    /// The label of the image at `index`, in `0..<classCount`.
    ///
    /// - Precondition: `0 <= index < count`.
    public func label(at index: Int) -> Int {
        checkPrecondition(index >= 0 && index < count, "label index \(index) out of range 0..<\(count)")
        return Int(labels[index])
    }

    /// The image at `index` and its label.
    ///
    /// - Precondition: `0 <= index < count`.
    public subscript(index: Int) -> (pixels: ArraySlice<UInt8>, label: Int) {
        (image(at: index), label(at: index))
    }

    /// How many images each class has, indexed by class.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    /// The first `maximumCount` images and their labels (all of them if there are fewer).
    public func prefix(_ maximumCount: Int) -> LabeledImages {
        let kept = max(0, min(maximumCount, count))
        return LabeledImages(
            rows: rows, columns: columns, classCount: classCount,
            pixels: Array(pixels[..<(kept * pixelsPerImage)]), labels: Array(labels[..<kept]))
    }

    /// `Float(v) / 255` for every byte `v`: a table lookup per pixel instead of a division,
    /// with the same values.
    /// Writes the images at `indices`, in order, into `buffer` as `Float` pixel / 255 (0 to 1).
    ///
    /// Image `k` of the batch fills `buffer[k * pixelsPerImage ..< (k + 1) * pixelsPerImage]`.
    /// Only the first `indices.count * pixelsPerImage` elements are written.
    ///
    /// - Precondition: every index is in `0..<count`, and
    ///   `buffer.count >= indices.count * pixelsPerImage`.
    public func gatherImages(at indices: some Collection<Int>, into buffer: UnsafeMutableBufferPointer<Float>) {
        let width = pixelsPerImage
        checkPrecondition(
            buffer.count >= indices.count * width,
            "a buffer of \(buffer.count) floats cannot hold \(indices.count) images of \(width) pixels")
        guard let destination = buffer.baseAddress else { return }
        // The indices are checked and read through a contiguous buffer: iterating a generic
        // collection here (this function is not specialised) cost one malloc per index.
        if indices.withContiguousStorageIfAvailable({ gatherImages(atRows: $0, into: destination) }) == nil {
            Array(indices).withUnsafeBufferPointer { gatherImages(atRows: $0, into: destination) }
        }
    }

    /// `gatherImages(at:into:)` for indices in a buffer.
    private func gatherImages(atRows rows: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        for index in rows {
            checkPrecondition(index >= 0 && index < count, "image index \(index) out of range 0..<\(count)")
        }
        pixels.withUnsafeBufferPointer { source in
            guard let source = source.baseAddress else { return }
            // The C kernel (vectorised for AVX-512/AVX2) divides exactly as `Float(byte) / 255`.
            tapestry_gather_bytes_as_floats(source, rows.baseAddress, rows.count, pixelsPerImage, 255, destination)
        }
    }

    /// Writes the labels of the images at `indices`, in order, into `buffer`.
    ///
    /// - Precondition: every index is in `0..<count`, and `buffer.count >= indices.count`.
    public func gatherLabels(at indices: some Collection<Int>, into buffer: UnsafeMutableBufferPointer<Int32>) {
        checkPrecondition(
            buffer.count >= indices.count,
            "a buffer of \(buffer.count) labels cannot hold \(indices.count)")
        var position = 0
        for index in indices {
            checkPrecondition(index >= 0 && index < count, "label index \(index) out of range 0..<\(count)")
            buffer[position] = Int32(labels[index])
            position += 1
        }
    }

    /// Writes the labels of the images at `indices` as one-hot rows of `classCount` floats:
    /// row `k` is all zeros but a 1 in the column of label `k`.
    ///
    /// - Precondition: every index is in `0..<count`, and
    ///   `buffer.count >= indices.count * classCount`.
    public func gatherOneHotLabels(
        at indices: some Collection<Int>, into buffer: UnsafeMutableBufferPointer<Float>
    ) {
        let width = classCount
        checkPrecondition(
            buffer.count >= indices.count * width,
            "a buffer of \(buffer.count) floats cannot hold \(indices.count) one-hot rows of \(width)")
        guard let destination = buffer.baseAddress else { return }
        destination.update(repeating: 0, count: indices.count * width)
        var row = destination
        for index in indices {
            checkPrecondition(index >= 0 && index < count, "label index \(index) out of range 0..<\(count)")
            row[Int(labels[index])] = 1
            row += width
        }
    }

    /// The images at `indices` as `Float` pixel / 255, in a new array of
    /// `indices.count * pixelsPerImage` elements.
    ///
    /// - Precondition: every index is in `0..<count`.
    public func gatherImages(at indices: some Collection<Int>) -> [Float] {
        let total = indices.count * pixelsPerImage
        return [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            gatherImages(at: indices, into: buffer)
            initialized = total
        }
    }
}
