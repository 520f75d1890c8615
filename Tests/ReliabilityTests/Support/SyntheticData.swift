// SyntheticData.swift: small gzip IDX files laid out like Fashion-MNIST, and ways to spoil them.

import Foundation
import TestSupport

/// A Fashion-MNIST-like folder: the four official file names, 28×28 images, 8 and 4 examples.
enum SyntheticFashionFolder {
    static let trainImages = "train-images-idx3-ubyte.gz"
    static let trainLabels = "train-labels-idx1-ubyte.gz"
    static let testImages = "t10k-images-idx3-ubyte.gz"
    static let testLabels = "t10k-labels-idx1-ubyte.gz"

    /// Writes the four files into `folder` (created if need be); valid, but not the official data.
    static func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = [
            trainImages: IDXBytes.images(count: 8), trainLabels: IDXBytes.labels(count: 8),
            testImages: IDXBytes.images(count: 4), testLabels: IDXBytes.labels(count: 4),
        ]
        for (name, bytes) in files {
            try Data(Gzip.compress(bytes)).write(to: folder.appendingPathComponent(name))
        }
    }

    /// Replaces the file `name` in `folder` with `bytes` as they are (no compression).
    static func replace(_ name: String, in folder: URL, with bytes: [UInt8]) throws {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }

    /// The raw bytes of `name` in `folder`.
    static func bytes(of name: String, in folder: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
