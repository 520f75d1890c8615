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
    /// The directory is created if needed. The body is streamed into the temporary file as it
    /// arrives, and the transfer stops as soon as the server announces or sends more than
    /// `maximumByteCount` bytes (an endless or oversized answer costs at most that much disk).
    /// `verify` is called on the complete temporary file (in `directory`, under a hidden name)
    /// with the file's URL for naming it in errors; if it throws, the temporary file is deleted
    /// and ``DatasetError/downloadRejected(file:url:reason:)`` is thrown. Otherwise the file is
    /// renamed to `directory/fileName`, replacing any file there, and what `verify` returned is
    /// returned.
    ///
    /// - Throws: ``DatasetError/downloadFailed(url:reason:)`` when the file cannot be fetched or
    ///   stored, ``DatasetError/downloadRejected(file:url:reason:)`` when it is larger than
    ///   `maximumByteCount` or fails verification.
    public func download<Verified>(
        _ fileName: String,
        into directory: URL,
        maximumByteCount: Int = .max,
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

        try fetch(source, into: &file, maximumByteCount: maximumByteCount, destination: destination)

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

    /// Streams `source` into `file`, waiting for it, and stops past `maximumByteCount` bytes.
    ///
    /// `http://` URLs are read from a socket no faster than the file is written, so the
    /// transfer stops at the cap; `https://` goes through URLSession, whose delegate sees the
    /// body only after URLSession has read it (the file still stops at the cap).
    func fetch(_ source: URL, into file: inout AtomicFile, maximumByteCount: Int, destination: URL) throws {
        guard source.scheme?.lowercased() == "http" else {
            return try fetchThroughURLSession(source, into: &file, maximumByteCount: maximumByteCount, destination: destination)
        }
        let get = PlainHTTPGet(requestTimeout: requestTimeout, resourceTimeout: resourceTimeout, limit: maximumByteCount)
        do {
            try get.fetch(source) { piece in try file.append(piece) }
        } catch PlainHTTPGet.Failure.redirected(let secure) {
            try fetchThroughURLSession(secure, into: &file, maximumByteCount: maximumByteCount, destination: destination)
        } catch PlainHTTPGet.Failure.tooLarge(let reason) {
            throw DatasetError.downloadRejected(file: destination.path, url: source.absoluteString, reason: reason)
        } catch PlainHTTPGet.Failure.failed(let reason) {
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: reason)
        } catch {
            throw DatasetError.downloadFailed(url: source.absoluteString, reason: String(describing: error))
        }
    }

    /// ``fetch(_:into:maximumByteCount:destination:)`` through URLSession.
    private func fetchThroughURLSession(_ source: URL, into file: inout AtomicFile, maximumByteCount: Int, destination: URL) throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let stream = DownloadStream(limit: maximumByteCount)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: stream, delegateQueue: queue)
        defer { session.invalidateAndCancel() }

        let task = session.dataTask(with: source)
        task.resume()
        // URLSession enforces `resourceTimeout`; the deadline only guards against a lost callback.
        let deadline = DispatchTime.now() + resourceTimeout + 10
        while true {
            guard stream.waitForNews(until: deadline) else {
                task.cancel()
                throw DatasetError.downloadFailed(
                    url: source.absoluteString, reason: "no answer within \(Int(resourceTimeout)) s")
            }
            let news = stream.take()
            for chunk in news.chunks {
                do {
                    try file.append(contentsOf: chunk)
                } catch {
                    task.cancel()
                    throw DatasetError.downloadFailed(url: source.absoluteString, reason: error.description)
                }
            }
            switch news.end {
            case nil: continue
            case .finished: return
            case .failed(let reason):
                throw DatasetError.downloadFailed(url: source.absoluteString, reason: reason)
            case .tooLarge(let reason):
                throw DatasetError.downloadRejected(file: destination.path, url: source.absoluteString, reason: reason)
            }
        }
    }
}

/// One transfer's body, handed chunk by chunk from URLSession's delegate queue to the waiting
/// thread, which writes it; the transfer is cancelled as soon as it goes past `limit` bytes.
private final class DownloadStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: `chunks`, `received` and `end` are only touched under `lock`; `news` is a semaphore.
    private let lock = NSLock()
    private let news = DispatchSemaphore(value: 0)
    private var chunks: [Data] = []
    private var received = 0
    private var end: End?
    let limit: Int

    /// How a transfer ended.
    enum End {
        /// The whole body arrived.
        case finished
        /// The server announced or sent more than the limit.
        case tooLarge(String)
        /// Why it failed.
        case failed(String)
    }

    init(limit: Int) {
        self.limit = limit
    }

    /// Waits until a chunk or the end arrives; `false` if nothing came by `deadline`. (One
    /// signal per chunk: a wait after ``take()`` took several may return at once with nothing.)
    func waitForNews(until deadline: DispatchTime) -> Bool {
        news.wait(timeout: deadline) == .success
    }

    /// The chunks received since the last call, and the end if it came.
    func take() -> (chunks: [Data], end: End?) {
        lock.lock()
        defer { lock.unlock() }
        let taken = chunks
        chunks = []
        return (taken, end)
    }

    /// Records the first end; later ones (the cancellation that follows a refusal) are ignored.
    private func finish(_ result: End) {
        lock.lock()
        let first = end == nil
        if first { end = result }
        lock.unlock()
        if first { news.signal() }
    }

    private var hasEnded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return end != nil
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            finish(.failed("HTTP status \(http.statusCode)"))
            completionHandler(.cancel)
        } else if response.expectedContentLength > Int64(limit) {
            finish(.tooLarge("the server announces \(response.expectedContentLength) bytes, more than the"
                + " \(limit) the file can have; nothing was downloaded"))
            completionHandler(.cancel)
        } else {
            completionHandler(.allow)
        }
    }

    /// Ends the transfer as too large after `received` bytes and cancels `task`.
    func refuse(received: Int64, task: URLSessionTask) {
        finish(.tooLarge("the server sent more than the \(limit) bytes the file can have; stopped after \(received)"))
        task.cancel()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard !hasEnded else { return }
        lock.lock()
        received += data.count
        let total = received
        if total <= limit { chunks.append(data) }
        lock.unlock()
        guard total <= limit else { return refuse(received: Int64(total), task: dataTask) }
        news.signal()
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        finish(error.map { .failed($0.localizedDescription) } ?? .finished)
    }
}
