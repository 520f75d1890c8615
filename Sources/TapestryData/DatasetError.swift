// DatasetError.swift: every way reading, locating or downloading a dataset can fail.
import Tapestry

/// An error raised while reading, locating or downloading a dataset.
///
/// Each case names the file (or URL) it is about, and ``description`` renders it as a single
/// line a person can act on, for example
/// `"/data/train-labels-idx1-ubyte.gz: 59,999 labels for 60,000 images in /data/train-images-idx3-ubyte.gz"`.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (it is missing, a directory, unreadable, ...).
    case unreadable(file: String, reason: String)

    /// The file does not start with the gzip signature `1f 8b`.
    case notGzip(file: String)

    /// zlib rejected the compressed stream (bad block, bad CRC-32 or length trailer, garbage).
    case corruptGzip(file: String, reason: String)

    /// The compressed file ends before its gzip stream does (a partial download, for example).
    case truncatedGzip(file: String, compressedBytes: Int, decompressedBytes: Int)

    /// The IDX magic number is not the one required (`0x00000803` for images, `0x00000801` for labels).
    case wrongMagic(file: String, expected: UInt32, found: UInt32)

    /// The IDX header is malformed: unknown element type, no dimensions, and the like.
    case invalidHeader(file: String, reason: String)

    /// The IDX header claims more data than is allowed or possible; nothing was allocated for it.
    ///
    /// `claimedBytes` is `nil` when the claimed size does not even fit in 64 bits.
    case implausibleSize(file: String, claimedBytes: UInt64?, limit: Int, reason: String)

    /// The decompressed data ends at byte `atByte`, short of the `expectedBytes` bytes the header
    /// (or, inside the header, the IDX format) requires.
    case truncated(file: String, atByte: Int, expectedBytes: Int)

    /// The decompressed data goes on after the `expectedBytes` bytes the header declares.
    case trailingData(file: String, expectedBytes: Int)

    /// The IDX array does not have the shape or element type its role requires.
    case unexpectedShape(file: String, reason: String)

    /// A labels file and an images file disagree on how many examples there are.
    case countMismatch(labelsFile: String, labelCount: Int, imagesFile: String, imageCount: Int)

    /// A label is not below the number of classes.
    case labelOutOfRange(file: String, index: Int, label: Int, classCount: Int)

    /// The SHA-256 of the decompressed payload is not the expected one.
    case checksumMismatch(file: String, expected: String, actual: String)

    /// No searched directory holds the dataset and it could not be downloaded.
    ///
    /// `downloadFailure` says why downloading failed, or is `nil` when downloading was disabled.
    case datasetNotFound(searched: [SearchedDirectory], downloadFailure: String?)

    /// A file could not be fetched (network error, HTTP error status, file system error).
    case downloadFailed(url: String, reason: String)

    /// A downloaded file failed verification; it was deleted and never used.
    case downloadRejected(file: String, url: String, reason: String)

    /// Samples held in memory whose inputs and targets disagree (no file involved): the
    /// sample counts differ, or a tensor has no sample dimension.
    case mismatchedSamples(reason: String)

    /// One line describing the failure, naming the file or URL it is about.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file: \(reason)"
        case let .notGzip(file):
            return "\(file): not a gzip file (it does not start with the gzip signature 1f 8b)"
        case let .corruptGzip(file, reason):
            return "\(file): corrupt gzip stream: \(reason)"
        case let .truncatedGzip(file, compressedBytes, decompressedBytes):
            return "\(file): truncated gzip file: the compressed data ends at byte "
                + "\(compressedBytes.groupedByThousands) before the end of the gzip stream "
                + "(\(decompressedBytes.groupedByThousands) bytes decompressed)"
        case let .wrongMagic(file, expected, found):
            return "\(file): wrong IDX magic number \(found.hex), expected \(expected.hex)"
        case let .invalidHeader(file, reason):
            return "\(file): invalid IDX header: \(reason)"
        case let .implausibleSize(file, claimedBytes, limit, reason):
            let claimed = claimedBytes.map { "\($0.groupedByThousands) bytes" } ?? "more than 2^64 bytes"
            return "\(file): IDX header claims \(claimed) of data, more than the limit of "
                + "\(limit.groupedByThousands) bytes (\(reason)); refused before allocating"
        case let .truncated(file, atByte, expectedBytes):
            return "\(file): IDX data truncated at byte \(atByte.groupedByThousands) of the "
                + "\(expectedBytes.groupedByThousands) bytes the header declares"
        case let .trailingData(file, expectedBytes):
            return "\(file): unexpected data after the \(expectedBytes.groupedByThousands) bytes the IDX header declares"
        case let .unexpectedShape(file, reason):
            return "\(file): unexpected IDX shape: \(reason)"
        case let .countMismatch(labelsFile, labelCount, imagesFile, imageCount):
            return "\(labelsFile): \(labelCount.groupedByThousands) \(labelCount == 1 ? "label" : "labels") for "
                + "\(imageCount.groupedByThousands) \(imageCount == 1 ? "image" : "images") in \(imagesFile)"
        case let .mismatchedSamples(reason):
            return "dataset: \(reason)"
        case let .labelOutOfRange(file, index, label, classCount):
            return "\(file): label \(label) out of range at index \(index.groupedByThousands) "
                + "(labels must be 0...\(classCount - 1))"
        case let .checksumMismatch(file, expected, actual):
            return "\(file): SHA-256 of the decompressed data is \(actual), expected \(expected)"
        case let .datasetNotFound(searched, downloadFailure):
            let places = searched.map(\.summary).joined(separator: "; ")
            let download = downloadFailure.map { "download failed: \($0)" } ?? "downloading is disabled"
            return "Fashion-MNIST not found. Looked in: \(places.isEmpty ? "nowhere" : places); "
                + "\(download). Install it with `sudo apt-get install dataset-fashion-mnist`, or set "
                + "FASHION_MNIST_DIR to a directory holding the four .gz files"
        case let .downloadFailed(url, reason):
            return "\(url): download failed: \(reason)"
        case let .downloadRejected(file, url, reason):
            return "\(file): downloaded from \(url), failed verification and was deleted: \(reason)"
        }
    }
}

extension UInt32 {
    /// `0x00000803`: eight hexadecimal digits, as IDX magic numbers are usually written.
    var hex: String {
        let digits = String(self, radix: 16)
        return "0x" + String(repeating: "0", count: Swift.max(0, 8 - digits.count)) + digits
    }
}
