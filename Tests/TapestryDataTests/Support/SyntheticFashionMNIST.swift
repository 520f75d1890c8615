// SyntheticFashionMNIST.swift: a small dataset laid out like Fashion-MNIST, with its digests.

import Foundation
import TestSupport
import TapestryData

/// Four small gzip IDX files named like Fashion-MNIST's, with known contents.
struct SyntheticFashionMNIST {
    let rows = 4
    let columns = 3
    let trainPixels: [UInt8]
    let trainLabels: [UInt8]
    let testPixels: [UInt8]
    let testLabels: [UInt8]

    /// A dataset of 20 training and 10 test images whose first training label is `marker`.
    init(marker: UInt8 = 0, seed: UInt64 = 1) {
        trainPixels = pseudoRandomBytes(count: 20 * 12, seed: seed)
        trainLabels = [marker] + (1..<20).map { UInt8($0 % 10) }
        testPixels = pseudoRandomBytes(count: 10 * 12, seed: seed + 100)
        testLabels = (0..<10).map { UInt8(9 - $0) }
    }

    /// The decompressed bytes of each file.
    var payloads: [FashionMNIST.File: [UInt8]] {
        [
            .trainImages: IDXBytes.images(count: 20, rows: rows, columns: columns, pixels: trainPixels),
            .trainLabels: IDXBytes.labels(trainLabels),
            .testImages: IDXBytes.images(count: 10, rows: rows, columns: columns, pixels: testPixels),
            .testLabels: IDXBytes.labels(testLabels),
        ]
    }

    /// The SHA-256 of each decompressed file, computed here with swift-crypto.
    var digests: [FashionMNIST.File: String] {
        payloads.mapValues { bytes in
            SHA256.hexDigest(of: bytes)
        }
    }

    /// Writes the gzip files (all, or only `files`) into `directory`, creating it.
    func write(to directory: URL, only files: [FashionMNIST.File] = FashionMNIST.File.allCases) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let payloads = self.payloads
        for file in files {
            guard let bytes = payloads[file] else { continue }
            try Gzip.write(bytes, to: directory.appendingPathComponent(file.fileName))
        }
    }
}
