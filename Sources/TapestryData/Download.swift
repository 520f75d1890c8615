// Download.swift: fetching dataset files over HTTP into a directory, verified before use.

import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Downloads files from a base URL into a directory, atomically and verified.
///
/// Each file is fetched into a temporary file in the destination directory, checked by the
/// caller's verification, and only then renamed to its final name (an atomic `rename(2)` within
/// one directory). A file that fails verification is deleted, never used.
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
        let temporary = directory.appendingPathComponent(".\(fileName).\(UUID().uuidString).part")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.downloadFailed(
                url: source.absoluteString,
                reason: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }  // a no-op once renamed

        try fetch(source, to: temporary)

        let verified: Verified
        do {
            verified = try verify(temporary, source.absoluteString)
        } catch {
            throw DatasetError.downloadRejected(
                file: destination.path, url: source.absoluteString, reason: String(describing: error))
        }
        guard rename(temporary.path, destination.path) == 0 else {
            throw DatasetError.downloadFailed(
                url: source.absoluteString,
                reason: "cannot move the download to \(destination.path): \(String(cString: strerror(errno)))")
        }
        return verified
    }

    /// Fetches `source` into the file `destination` (which must not exist), waiting for it.
    func fetch(_ source: URL, to destination: URL) throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }

        let outcome = DownloadOutcome()
        let task = session.downloadTask(with: source) { location, response, error in
            // The temporary `location` disappears when this handler returns: move it now.
            outcome.finish(
                Self.settle(location: location, response: response, error: error, destination: destination))
        }
        task.resume()
        // URLSession enforces `resourceTimeout`; the extra margin only guards against a lost callback.
        guard outcome.wait(seconds: resourceTimeout + 10) else {
            task.cancel()
            throw DatasetError.downloadFailed(
                url: source.absoluteString, reason: "no answer within \(Int(resourceTimeout)) s")
        }
        if let failure = outcome.failure {
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: failure)
        }
    }

    /// Checks how a download task ended and moves its file to `destination`.
    ///
    /// - Returns: `nil` on success, otherwise why it failed.
    private static func settle(
        location: URL?, response: URLResponse?, error: (any Error)?, destination: URL
    ) -> String? {
        if let error {
            return error.localizedDescription
        }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            return "HTTP status \(http.statusCode)"
        }
        guard let location else { return "the server sent no file" }
        do {
            try FileManager.default.moveItem(at: location, to: destination)
            return nil
        } catch {
            return "cannot store the download at \(destination.path): \(error.localizedDescription)"
        }
    }
}

/// The result of one download, handed from URLSession's queue to the waiting thread.
private final class DownloadOutcome: @unchecked Sendable {
    // @unchecked: `result` is only touched under `lock`; `done` is a semaphore.
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: String??

    /// Records the result (`nil` for success, else the reason for failure) and wakes the waiter.
    func finish(_ failure: String?) {
        lock.lock()
        let first = result == nil
        if first { result = .some(failure) }
        lock.unlock()
        if first { done.signal() }
    }

    /// Waits for ``finish(_:)``; returns `false` if it did not come within `seconds`.
    func wait(seconds: TimeInterval) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }

    /// Why the download failed, or `nil` if it succeeded.
    var failure: String? {
        lock.lock()
        defer { lock.unlock() }
        return result ?? nil
    }
}
