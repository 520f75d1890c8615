// Download.swift: fetching dataset files over HTTP into a directory, verified before use.

import Foundation

import TapestryIO

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads files from a base URL into a directory, atomically and verified.
///
/// Each file is fetched into an `AtomicFile` — a temporary file in the destination directory,
/// `.<name>.tapestry-tmp-XXXXXX` — checked by the caller's verification, and only then flushed
/// to disk and renamed to its final name (an atomic `rename(2)` within one directory). A file
/// that fails verification is deleted, never used.
/// Downloading is synchronous: the calling thread waits, for at most ``resourceTimeout``.
public struct DatasetDownloader: Sendable, Equatable {
    /// The official Fashion-MNIST mirror.
    public static let fashionMNISTMirror = URL(
        string: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")!

    /// The URL the file names are appended to.
    public var baseURL: URL

    /// How long to wait for the server to send more data before giving up, in seconds.
    public var requestTimeout: TimeInterval

    /// How long one whole file may take, in seconds.
    public var resourceTimeout: TimeInterval

    /// Creates a downloader.
    ///
    /// - Parameters:
    ///   - baseURL: The URL of the directory holding the files (Fashion-MNIST's mirror by default).
    ///   - requestTimeout: Seconds without data before a request fails.
    ///   - resourceTimeout: Seconds one file may take in all.
    public init(
        baseURL: URL = DatasetDownloader.fashionMNISTMirror,
        requestTimeout: TimeInterval = 30,
        resourceTimeout: TimeInterval = 600
    ) {
        self.baseURL = baseURL
        self.requestTimeout = requestTimeout
        self.resourceTimeout = resourceTimeout
    }

    /// The URL of `fileName` on the server.
    public func url(for fileName: String) -> URL {
        baseURL.appendingPathComponent(fileName)
    }

    /// Downloads `fileName` into `directory`, verifies it, and moves it into place.
    ///
    /// The directory is created if needed. `verify` is called on the complete temporary file
    /// (in `directory`, under a hidden name) with the file's URL for naming it in errors; if it
    /// throws, the temporary file is deleted and ``DatasetError/downloadRejected(file:url:reason:)``
    /// is thrown. Otherwise the file is renamed to `directory/fileName`, replacing any file there,
    /// and what `verify` returned is returned.
    ///
    /// - Throws: ``DatasetError/downloadFailed(url:reason:)`` when the file cannot be fetched or
    ///   stored, ``DatasetError/downloadRejected(file:url:reason:)`` when it fails verification.
    public func download<Verified>(
        _ fileName: String,
        into directory: URL,
        verify: (_ file: URL, _ name: String) throws -> Verified
    ) throws -> Verified {
        let source = url(for: fileName)
        let destination = directory.appendingPathComponent(fileName)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.downloadFailed(
                url: source.absoluteString,
                reason: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        // Dropping `file` without committing it (any throw below) deletes the temporary file.
        var file: AtomicFile
        do {
            file = try AtomicFile(replacing: destination)
        } catch {
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: error.description)
        }

        try fetch(source, into: &file)

        let verified: Verified
        do {
            verified = try verify(file.temporaryURL, source.absoluteString)
        } catch {
            throw DatasetError.downloadRejected(
                file: destination.path, url: source.absoluteString, reason: String(describing: error))
        }
        do {
            try file.commit()
        } catch {
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: error.description)
        }
        return verified
    }

    /// Fetches `source` and appends it to `file`, waiting for it.
    func fetch(_ source: URL, into file: inout AtomicFile) throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }

        let outcome = DownloadOutcome()
        let task = session.downloadTask(with: source) { location, response, error in
            // The temporary `location` disappears when this handler returns: open it now (an
            // open descriptor keeps the bytes readable after the file is removed).
            outcome.finish(Self.settle(location: location, response: response, error: error))
        }
        task.resume()
        // URLSession enforces `resourceTimeout`; the extra margin only guards against a lost callback.
        guard outcome.wait(seconds: resourceTimeout + 10) else {
            task.cancel()
            outcome.finish(.failed("no answer"))  // a late answer's file is closed, not leaked
            throw DatasetError.downloadFailed(
                url: source.absoluteString, reason: "no answer within \(Int(resourceTimeout)) s")
        }
        switch outcome.result {
        case .downloaded(let descriptor):
            defer { _ = close(descriptor) }
            if let reason = Self.copy(from: descriptor, to: &file) {
                throw DatasetError.downloadFailed(url: source.absoluteString, reason: reason)
            }
        case .failed(let reason):
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: reason)
        case nil:
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: "no answer")
        }
    }

    /// Checks how a download task ended and opens its file for reading.
    private static func settle(location: URL?, response: URLResponse?, error: (any Error)?) -> DownloadOutcome.Settled {
        if let error {
            return .failed(error.localizedDescription)
        }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            return .failed("HTTP status \(http.statusCode)")
        }
        guard let location else { return .failed("the server sent no file") }
        let descriptor = open(location.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failed("cannot open the download at \(location.path): \(String(cString: strerror(errno)))")
        }
        return .downloaded(descriptor)
    }

    /// Appends everything readable from `descriptor` to `file`.
    ///
    /// - Returns: `nil` on success, otherwise why it failed.
    private static func copy(from descriptor: Int32, to file: inout AtomicFile) -> String? {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return "cannot read the downloaded file: \(String(cString: strerror(errno)))"
            }
            if count == 0 { return nil }
            do {
                try buffer.withUnsafeBytes { raw in
                    try file.append(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                }
            } catch {
                return String(describing: error)
            }
        }
    }
}

/// The result of one download, handed from URLSession's queue to the waiting thread.
private final class DownloadOutcome: @unchecked Sendable {
    // @unchecked: `settled` is only touched under `lock`; `done` is a semaphore.
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var settled: Settled?

    /// How a download ended.
    enum Settled {
        /// The downloaded file, open for reading.
        case downloaded(Int32)
        /// Why it failed.
        case failed(String)
    }

    /// Records the first result and wakes the waiter; a later one's file is closed.
    func finish(_ result: Settled) {
        lock.lock()
        let first = settled == nil
        if first { settled = result }
        lock.unlock()
        if first {
            done.signal()
        } else if case .downloaded(let descriptor) = result {
            _ = close(descriptor)
        }
    }

    /// Waits for ``finish(_:)``; returns `false` if it did not come within `seconds`.
    func wait(seconds: TimeInterval) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }

    /// The first result recorded, or `nil` if none has come.
    var result: Settled? {
        lock.lock()
        defer { lock.unlock() }
        return settled
    }
}
