// DatasetLocation.swift: where a dataset's files are looked for, in order.

import Foundation

/// The directories searched for a dataset, in order, and the cache directory downloads go to.
///
/// For Fashion-MNIST the order is: an explicit directory (an argument), then the directory named
/// by the environment variable `FASHION_MNIST_DIR`, then the user cache
/// (`$XDG_CACHE_HOME/tapestry/fashion-mnist`, else `~/.cache/tapestry/fashion-mnist`), then
/// Debian's `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`).
public struct DatasetSearchPath: Sendable, Equatable {
    /// Why a directory is searched.
    public enum Origin: String, Sendable, Equatable, CaseIterable {
        /// Passed explicitly by the caller.
        case argument
        /// Named by an environment variable (`FASHION_MNIST_DIR`).
        case environment
        /// The per-user cache, where downloads are kept.
        case userCache = "user cache"
        /// A system-wide directory installed by a package.
        case system
    }

    /// One directory to search, and why.
    public struct Candidate: Sendable, Equatable {
        /// The directory.
        public let directory: URL
        /// Why it is searched.
        public let origin: Origin

        /// Creates a candidate.
        public init(directory: URL, origin: Origin) {
            self.directory = directory
            self.origin = origin
        }
    }

    /// The environment variable naming a directory that holds Fashion-MNIST.
    public static let environmentVariable = "FASHION_MNIST_DIR"

    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let debianDirectory = URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist", isDirectory: true)

    /// The directories to search, in order.
    public let candidates: [Candidate]

    /// The user cache directory, where missing files are downloaded to.
    public let cacheDirectory: URL

    /// Builds the Fashion-MNIST search path.
    ///
    /// Empty variables are ignored, and so is a relative `XDG_CACHE_HOME`, as the XDG base
    /// directory specification asks.
    ///
    /// - Parameters:
    ///   - explicitDirectory: A directory given by the caller; searched first.
    ///   - environment: The environment to read `FASHION_MNIST_DIR`, `XDG_CACHE_HOME` and `HOME`
    ///     from; the process's by default.
    ///   - systemDirectory: The system-wide directory, searched last; Debian's by default.
    public init(
        explicitDirectory: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        systemDirectory: URL = DatasetSearchPath.debianDirectory
    ) {
        func directory(_ variable: String) -> String? {
            guard let value = environment[variable], !value.isEmpty else { return nil }
            return value
        }
        let cacheRoot: URL
        if let xdg = directory("XDG_CACHE_HOME"), xdg.hasPrefix("/") {
            cacheRoot = URL(fileURLWithPath: xdg, isDirectory: true)
        } else if let home = directory("HOME") {
            cacheRoot = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache")
        } else {
            cacheRoot = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        }
        cacheDirectory = cacheRoot.appendingPathComponent("tapestry/fashion-mnist", isDirectory: true)

        var candidates: [Candidate] = []
        if let explicitDirectory {
            candidates.append(Candidate(directory: explicitDirectory, origin: .argument))
        }
        if let named = directory(Self.environmentVariable) {
            candidates.append(
                Candidate(directory: URL(fileURLWithPath: named, isDirectory: true), origin: .environment))
        }
        candidates.append(Candidate(directory: cacheDirectory, origin: .userCache))
        candidates.append(Candidate(directory: systemDirectory, origin: .system))
        self.candidates = candidates
    }

    /// Searches the candidates in order for one holding every file in `fileNames`.
    ///
    /// - Returns: the first candidate holding them all (or `nil`), and a record of every
    ///   directory looked at up to it, with the files it lacked.
    public func search(for fileNames: [String]) -> (found: Candidate?, searched: [SearchedDirectory]) {
        var searched: [SearchedDirectory] = []
        for candidate in candidates {
            let record = SearchedDirectory(candidate: candidate, fileNames: fileNames)
            searched.append(record)
            if record.missingFiles.isEmpty { return (candidate, searched) }
        }
        return (nil, searched)
    }
}

/// What a search found in one directory.
public struct SearchedDirectory: Sendable, Equatable {
    /// The directory path.
    public let path: String
    /// Why it was searched.
    public let origin: DatasetSearchPath.Origin
    /// Whether the directory exists.
    public let exists: Bool
    /// The wanted files it does not hold.
    public let missingFiles: [String]

    /// Creates a record from its parts.
    public init(path: String, origin: DatasetSearchPath.Origin, exists: Bool, missingFiles: [String]) {
        self.path = path
        self.origin = origin
        self.exists = exists
        self.missingFiles = missingFiles
    }

    /// Looks at `candidate`'s directory for `fileNames` (regular files, or links to them).
    init(candidate: DatasetSearchPath.Candidate, fileNames: [String]) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let path = candidate.directory.path
        let exists = manager.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        let missing = exists
            ? fileNames.filter { name in
                var isFolder: ObjCBool = false
                let filePath = candidate.directory.appendingPathComponent(name).path
                return !(manager.fileExists(atPath: filePath, isDirectory: &isFolder) && !isFolder.boolValue)
            }
            : fileNames
        self.init(path: path, origin: candidate.origin, exists: exists, missingFiles: missing)
    }

    /// `"/path (user cache): missing a.gz, b.gz"`, or `"... : no such directory"`.
    var summary: String {
        let state: String
        if !exists {
            state = "no such directory"
        } else if missingFiles.isEmpty {
            state = "all files present"
        } else {
            state = "missing " + missingFiles.joined(separator: ", ")
        }
        return "\(path) (\(origin.rawValue)): \(state)"
    }
}
