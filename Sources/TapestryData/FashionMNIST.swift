// FashionMNIST.swift: Zalando's Fashion-MNIST, located, downloaded if need be, verified, loaded.

import Tapestry
import Dispatch
import Foundation

/// Fashion-MNIST: 70,000 grey 28×28 images of clothing in 10 classes, split 60,000 / 10,000.
///
/// ```swift
/// let data = try FashionMNIST.load()
/// print(data.train.count, FashionMNIST.classNames[data.train.label(at: 0)])  // 60000 Ankle boot
/// ```
public struct FashionMNIST: Sendable {
    /// The four files of the dataset.
    public enum File: String, CaseIterable, Sendable, Hashable {
        /// The 60,000 training images.
        case trainImages = "train-images-idx3-ubyte"
        /// The 60,000 training labels.
        case trainLabels = "train-labels-idx1-ubyte"
        /// The 10,000 test images.
        case testImages = "t10k-images-idx3-ubyte"
        /// The 10,000 test labels.
        case testLabels = "t10k-labels-idx1-ubyte"

        /// The name of the gzip file, as published: `train-images-idx3-ubyte.gz`.
        public var fileName: String { rawValue + ".gz" }

        /// The IDX magic number the file must have.
        public var magic: UInt32 {
            switch self {
            case .trainImages, .testImages: return IDX.imagesMagic
            case .trainLabels, .testLabels: return IDX.labelsMagic
            }
        }

        /// The SHA-256 of the official decompressed file, as lowercase hexadecimal.
        ///
        /// Checksums are of the decompressed data because repackagers (Debian among them)
        /// recompress the `.gz` files: the compressed bytes differ, the payload does not.
        public var payloadSHA256: String {
            switch self {
            case .trainImages: return "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
            case .trainLabels: return "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
            case .testImages: return "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
            case .testLabels: return "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
            }
        }

        /// The size of the official decompressed file in bytes.
        public var payloadByteCount: Int {
            switch self {
            case .trainImages: return 47_040_016
            case .trainLabels: return 60_008
            case .testImages: return 7_840_016
            case .testLabels: return 10_008
            }
        }
    }

    /// How loaded files are checked beyond being valid IDX data.
    public enum Verification: Sendable, Equatable {
        /// No checksum: any valid IDX files of the right kinds are accepted (for synthetic data).
        case none
        /// The SHA-256 of each decompressed file must equal the digest given for it
        /// (lowercase hexadecimal); a file without a digest in the table is not checked.
        case sha256([File: String])

        /// The digests of the official Fashion-MNIST files.
        public static var official: Verification {
            .sha256(Dictionary(uniqueKeysWithValues: File.allCases.map { ($0, $0.payloadSHA256) }))
        }
    }

    /// Whether files that no searched directory holds may be downloaded.
    public enum DownloadPolicy: Sendable, Equatable {
        /// Never download; fail with ``DatasetError/datasetNotFound(searched:downloadFailure:)``.
        case never
        /// Download the missing files into the user cache directory with this downloader.
        case ifMissing(DatasetDownloader)
    }

    /// Everything about loading that is not where the data is.
    public struct LoadOptions: Sendable {
        /// How files are verified; ``Verification/official`` by default.
        public var verification: Verification
        /// Whether and from where missing files are downloaded; from the official mirror by default.
        public var download: DownloadPolicy
        /// The environment read for `FASHION_MNIST_DIR`, `XDG_CACHE_HOME` and `HOME`.
        public var environment: [String: String]
        /// The system-wide directory searched last.
        public var systemDirectory: URL
        /// The largest decompressed size accepted for one file.
        public var maximumDecompressedBytes: Int

        /// Creates options; the defaults load the official data the way a user expects.
        public init(
            verification: Verification = .official,
            download: DownloadPolicy = .ifMissing(DatasetDownloader()),
            environment: [String: String] = ProcessInfo.processInfo.environment,
            systemDirectory: URL = DatasetSearchPath.debianDirectory,
            maximumDecompressedBytes: Int = IDX.defaultMaximumDecompressedBytes
        ) {
            self.verification = verification
            self.download = download
            self.environment = environment
            self.systemDirectory = systemDirectory
            self.maximumDecompressedBytes = maximumDecompressedBytes
        }
    }

    /// The class names, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The number of classes: 10.
    public static let classCount = 10

    /// The training split (60,000 images).
    public let train: LabeledImages

    /// The test split (10,000 images).
    public let test: LabeledImages

    /// The directory the files were loaded from.
    public let directory: URL

    /// Why that directory was used; `nil` when it was given to ``load(exactlyFrom:options:)``.
    public let origin: DatasetSearchPath.Origin?

    /// Locates, if need be downloads, verifies and loads Fashion-MNIST.
    ///
    /// The first directory holding all four `.gz` files is used, in this order: `directory`,
    /// `$FASHION_MNIST_DIR`, the user cache (`$XDG_CACHE_HOME/tapestry/fashion-mnist`, else
    /// `~/.cache/tapestry/fashion-mnist`), `/usr/share/datasets/fashion-mnist`. A directory
    /// lacking some of them is passed over; a file that is present but bad is an error. If none
    /// holds them all, the files missing from the user cache are downloaded into it (see
    /// ``DatasetDownloader``), unless `options.download` is ``DownloadPolicy/never``.
    ///
    /// The four files are decoded in parallel, each checksum computed as it decompresses.
    ///
    /// - Throws: ``DatasetError``: ``DatasetError/datasetNotFound(searched:downloadFailure:)``
    ///   saying where it looked and how to install the data, or an error naming a bad file.
    public static func load(from directory: URL? = nil, options: LoadOptions = LoadOptions()) throws -> FashionMNIST {
        let searchPath = DatasetSearchPath(
            explicitDirectory: directory, environment: options.environment,
            systemDirectory: options.systemDirectory)
        let (found, searched) = searchPath.search(for: File.allCases.map(\.fileName))
        if let found {
            let arrays = try decode(File.allCases, in: found.directory, options: options)
            return try FashionMNIST(arrays: arrays, directory: found.directory, origin: found.origin)
        }
        guard case let .ifMissing(downloader) = options.download else {
            throw DatasetError.datasetNotFound(searched: searched, downloadFailure: nil)
        }

        let cache = searchPath.cacheDirectory
        let missing = searched.first { $0.origin == .userCache }?.missingFiles ?? File.allCases.map(\.fileName)
        var arrays: [File: IDXArray] = [:]
        for file in File.allCases where missing.contains(file.fileName) {
            do {
                let cap = downloadByteLimit(for: file, options: options)
                arrays[file] = try downloader.download(file.fileName, into: cache, maximumByteCount: cap) { url, name in
                    try decode(file, at: url, name: name, options: options)
                }
            } catch let DatasetError.downloadFailed(url, reason) {
                throw DatasetError.datasetNotFound(searched: searched, downloadFailure: "\(url): \(reason)")
            }
        }
        let cached = try decode(File.allCases.filter { arrays[$0] == nil }, in: cache, options: options)
        arrays.merge(cached) { downloaded, _ in downloaded }
        return try FashionMNIST(arrays: arrays, directory: cache, origin: .userCache)
    }

    /// Loads Fashion-MNIST from `directory` only: no search, no download.
    ///
    /// - Throws: ``DatasetError`` naming the first missing or bad file.
    public static func load(exactlyFrom directory: URL, options: LoadOptions = LoadOptions()) throws -> FashionMNIST {
        let arrays = try decode(File.allCases, in: directory, options: options)
        return try FashionMNIST(arrays: arrays, directory: directory, origin: nil)
    }

    /// Builds both splits from the four decoded files, checking that they fit together.
    private init(arrays: [File: IDXArray], directory: URL, origin: DatasetSearchPath.Origin?) throws {
        func part(_ file: File) -> (IDXArray, String) {
            // Callers decode every file before building the splits, so each array is there.
            guard let array = arrays[file] else { failPrecondition("\(file.fileName) was not decoded") }
            return (array, directory.appendingPathComponent(file.fileName).path)
        }
        let (trainImages, trainImagesName) = part(.trainImages)
        let (trainLabels, trainLabelsName) = part(.trainLabels)
        let (testImages, testImagesName) = part(.testImages)
        let (testLabels, testLabelsName) = part(.testLabels)
        train = try LabeledImages(
            images: trainImages, labels: trainLabels, classCount: Self.classCount,
            imagesFile: trainImagesName, labelsFile: trainLabelsName)
        test = try LabeledImages(
            images: testImages, labels: testLabels, classCount: Self.classCount,
            imagesFile: testImagesName, labelsFile: testLabelsName)
        self.directory = directory
        self.origin = origin
    }

    /// The largest decompressed size accepted for `file`: the official payload's size when
    /// the official digest is expected (a header claiming more is refused before anything is
    /// allocated, not after the checksum fails), else `options.maximumDecompressedBytes`.
    private static func decompressedByteLimit(for file: File, options: LoadOptions) -> Int {
        if case let .sha256(table) = options.verification, table[file]?.lowercased() == file.payloadSHA256 {
            return min(options.maximumDecompressedBytes, file.payloadByteCount)
        }
        return options.maximumDecompressedBytes
    }

    /// The largest `.gz` file downloaded for `file`: its decompressed limit plus deflate's
    /// worst-case growth (5 bytes per stored block of at most 65,535 bytes) and room for
    /// gzip's header and a file name. A server sending more is stopped there.
    static func downloadByteLimit(for file: File, options: LoadOptions) -> Int {
        let payload = decompressedByteLimit(for: file, options: options)
        let (limit, overflow) = payload.addingReportingOverflow(payload / 8192 + 4096)
        return overflow ? .max : limit
    }

    /// Decodes and verifies one file.
    private static func decode(_ file: File, at url: URL, name: String, options: LoadOptions) throws -> IDXArray {
        var expectedDigest: String?
        if case let .sha256(table) = options.verification { expectedDigest = table[file]?.lowercased() }
        let decoded = try IDX.read(
            gzipFile: url, name: name, expectedMagic: file.magic,
            maximumDecompressedBytes: decompressedByteLimit(for: file, options: options),
            computeSHA256: expectedDigest != nil)
        if let expectedDigest, let actual = decoded.sha256, actual != expectedDigest {
            throw DatasetError.checksumMismatch(file: name, expected: expectedDigest, actual: actual)
        }
        return decoded.array
    }

    /// Decodes and verifies `files` of `directory`, the largest first, on all cores.
    ///
    /// - Throws: the error of the first failing file, in the order of `files`.
    private static func decode(_ files: [File], in directory: URL, options: LoadOptions) throws -> [File: IDXArray] {
        let jobs = files.map { file in
            let url = directory.appendingPathComponent(file.fileName)
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int
            return (file: file, url: url, size: size ?? 0)
        }
        .sorted { $0.size > $1.size }
        let results = ResultSlots<IDXArray>(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let job = jobs[index]
            results[index] = Result { try decode(job.file, at: job.url, name: job.url.path, options: options) }
        }
        var arrays: [File: IDXArray] = [:]
        var failures: [File: any Error] = [:]
        for (index, job) in jobs.enumerated() {
            switch results[index] {
            case let .success(array)?: arrays[job.file] = array
            case let .failure(error)?: failures[job.file] = error
            case nil: failPrecondition("concurrentPerform skipped \(job.file.fileName)")
            }
        }
        if let firstFailure = files.lazy.compactMap({ failures[$0] }).first { throw firstFailure }
        return arrays
    }
}

/// Results written by concurrent workers, one slot each, read after they all finished.
private final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every access to `slots` holds `lock`.
    private let lock = NSLock()
    private var slots: [Result<Value, any Error>?]

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    subscript(index: Int) -> Result<Value, any Error>? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return slots[index]
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            slots[index] = newValue
        }
    }
}
