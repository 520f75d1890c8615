// LabeledImagesTests.swift: splits built from IDX files, cross-file checks, batch gathering.

import Foundation
import TestSupport
import TapestryData
import XCTest

final class LabeledImagesTests: XCTestCase {
    /// 5 images of 2×3 pixels whose pixel values are easy to predict.
    private let split = LabeledImages(
        rows: 2, columns: 3, classCount: 4,
        pixels: (0..<30).map { UInt8($0 * 8 + 7) },
        labels: [3, 0, 2, 2, 1])

    func testAccessors() {
        XCTAssertEqual(split.count, 5)
        XCTAssertEqual(split.pixelsPerImage, 6)
        XCTAssertEqual(Array(split.image(at: 1)), [55, 63, 71, 79, 87, 95])
        XCTAssertEqual(split.label(at: 0), 3)
        XCTAssertEqual(split[4].label, 1)
        XCTAssertEqual(Array(split[4].pixels), [199, 207, 215, 223, 231, 239])
        XCTAssertEqual(split.classCounts(), [1, 1, 2, 1])
    }

    func testPrefix() {
        let first = split.prefix(2)
        XCTAssertEqual(first.count, 2)
        XCTAssertEqual(first.labels, [3, 0])
        XCTAssertEqual(first.pixels, Array(split.pixels[..<12]))
        XCTAssertEqual(split.prefix(99), split)
        XCTAssertEqual(split.prefix(0).count, 0)
    }

    func testGatherImagesNormalisesInIndexOrder() {
        let indices = [4, 0, 4]  // repeated indices are allowed
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 20)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: -1)
        split.gatherImages(at: indices, into: buffer)

        let expected = indices.flatMap { index in split.image(at: index).map { Float($0) / 255 } }
        XCTAssertEqual(Array(buffer[..<18]), expected)
        XCTAssertEqual(buffer[0], Float(199) / 255)
        XCTAssertEqual(Array(buffer[18...]), [-1, -1], "past the batch nothing is written")
        XCTAssertEqual(split.gatherImages(at: indices), expected)
    }

    func testGatherImagesReachesZeroAndOne() {
        let extremes = LabeledImages(rows: 1, columns: 2, classCount: 1, pixels: [0, 255], labels: [0])
        XCTAssertEqual(extremes.gatherImages(at: [0]), [0, 1])
    }

    /// The vectorised C kernel divides exactly as Swift's `Float(byte) / 255` for every byte
    /// value, over rows whose width is no multiple of any vector length, from contiguous
    /// and non-contiguous index collections alike.
    func testGatherImagesDividesEveryByteExactly() {
        let rows = 7, width = 37 * 3
        let pixels = (0..<(rows * width)).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 11) }
        let images = LabeledImages(rows: 37, columns: 3, classCount: 1, pixels: pixels, labels: Array(repeating: 0, count: rows))
        XCTAssertEqual(Set(pixels).count, 256, "every byte value occurs")
        let order = [6, 2, 2, 0, 5, 3, 1, 4]
        let expected = order.flatMap { row in pixels[(row * width)..<((row + 1) * width)].map { Float($0) / 255 } }
        XCTAssertEqual(images.gatherImages(at: order), expected)
        XCTAssertEqual(images.gatherImages(at: order.lazy.map { $0 }), expected)  // no contiguous storage
        XCTAssertEqual(images.gatherImages(at: order[2...]), Array(expected[(2 * width)...]))
    }

    func testGatherLabels() {
        let buffer = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 4)
        defer { buffer.deallocate() }
        split.gatherLabels(at: [2, 0, 4, 1], into: buffer)
        XCTAssertEqual(Array(buffer), [2, 3, 1, 0])
        split.gatherLabels(at: (3..<5).reversed(), into: buffer)
        XCTAssertEqual(Array(buffer[..<2]), [1, 2])
    }

    func testGatherOneHotLabels() {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 7)
        split.gatherOneHotLabels(at: [0, 4], into: buffer)
        XCTAssertEqual(Array(buffer), [0, 0, 0, 1, 0, 1, 0, 0])
    }

    // MARK: Built from IDX files

    private func readPair(images: [UInt8], labels: [UInt8]) throws -> (IDXArray, IDXArray, URL, URL) {
        let directory = try makeTemporaryDirectory(self)
        let imagesURL = directory.appendingPathComponent("images.gz")
        let labelsURL = directory.appendingPathComponent("labels.gz")
        try Gzip.write(images, to: imagesURL)
        try Gzip.write(labels, to: labelsURL)
        return (
            try IDX.read(gzipFile: imagesURL).array, try IDX.read(gzipFile: labelsURL).array,
            imagesURL, labelsURL
        )
    }

    func testBuiltFromIDXArrays() throws {
        let (images, labels, imagesURL, labelsURL) = try readPair(
            images: IDXBytes.images(count: 2, rows: 1, columns: 2, pixels: [1, 2, 3, 4]),
            labels: IDXBytes.labels([9, 0]))
        let split = try LabeledImages(
            images: images, labels: labels, classCount: 10, imagesFile: imagesURL.path, labelsFile: labelsURL.path)
        XCTAssertEqual(split, LabeledImages(rows: 1, columns: 2, classCount: 10, pixels: [1, 2, 3, 4], labels: [9, 0]))
    }

    func testLabelOutOfRangeIsNamed() throws {
        let (images, labels, imagesURL, labelsURL) = try readPair(
            images: IDXBytes.images(count: 3, rows: 1, columns: 1, pixels: [1, 2, 3]),
            labels: IDXBytes.labels([0, 9, 11]))
        XCTAssertThrowsError(
            try LabeledImages(images: images, labels: labels, classCount: 10, imagesFile: imagesURL.path, labelsFile: labelsURL.path)
        ) { error in
            XCTAssertEqual(error as? DatasetError, .labelOutOfRange(file: labelsURL.path, index: 2, label: 11, classCount: 10))
            XCTAssertEqual(
                String(describing: error), "\(labelsURL.path): label 11 out of range at index 2 (labels must be 0...9)")
        }
    }

    func testWrongShapesAreNamed() throws {
        // Labels given as a 2-D array, images as a 1-D array.
        let (images, labels, imagesURL, labelsURL) = try readPair(
            images: IDXBytes.labels([1, 2]),
            labels: IDXBytes.make(dimensions: [1, 2], payload: [0, 1]))
        XCTAssertThrowsError(
            try LabeledImages(images: images, labels: labels, classCount: 10, imagesFile: imagesURL.path, labelsFile: labelsURL.path)
        ) { error in
            guard case .unexpectedShape(imagesURL.path, _)? = error as? DatasetError else {
                return XCTFail("expected unexpectedShape naming the images file, got \(error)")
            }
        }
        let (goodImages, _, _, _) = try readPair(
            images: IDXBytes.images(count: 1, rows: 1, columns: 2, pixels: [1, 2]), labels: IDXBytes.labels([0]))
        XCTAssertThrowsError(
            try LabeledImages(images: goodImages, labels: labels, classCount: 10, imagesFile: imagesURL.path, labelsFile: labelsURL.path)
        ) { error in
            guard case .unexpectedShape(labelsURL.path, _)? = error as? DatasetError else {
                return XCTFail("expected unexpectedShape naming the labels file, got \(error)")
            }
        }
    }

    func testCountMismatchThroughFashionMNISTLoading() throws {
        // 60,000 one-pixel images but 59,999 labels, in a directory laid out like Fashion-MNIST.
        let directory = try makeTemporaryDirectory(self)
        let synthetic = SyntheticFashionMNIST()
        try synthetic.write(to: directory, only: [.testImages, .testLabels])
        try Gzip.write(
            IDXBytes.images(count: 60_000, rows: 1, columns: 1, pixels: Array(repeating: 0, count: 60_000)),
            to: directory.appendingPathComponent(FashionMNIST.File.trainImages.fileName))
        try Gzip.write(
            IDXBytes.labels(Array(repeating: 3, count: 59_999)),
            to: directory.appendingPathComponent(FashionMNIST.File.trainLabels.fileName))

        XCTAssertThrowsError(
            try FashionMNIST.load(exactlyFrom: directory, options: .init(verification: .none, download: .never))
        ) { error in
            let labels = directory.appendingPathComponent("train-labels-idx1-ubyte.gz").path
            let images = directory.appendingPathComponent("train-images-idx3-ubyte.gz").path
            XCTAssertEqual(
                error as? DatasetError,
                .countMismatch(labelsFile: labels, labelCount: 59_999, imagesFile: images, imageCount: 60_000))
            XCTAssertEqual(String(describing: error), "\(labels): 59,999 labels for 60,000 images in \(images)")
        }
    }
}
