// OutputPlan.swift: every file and folder a command will write, known and checked together
// before any work, so no output silently overwrites another and no bad destination is found
// only after training.

import Foundation
import TapestryIO

/// The destinations of one run of a command.
///
/// ``prepare()`` refuses two outputs that are the same file (compared after resolving `.`,
/// `..` and symbolic links, and by device and inode when the file exists, so hard links
/// count), a file that is also a picture a folder receives, and a file that is, or contains,
/// an output folder; then it creates the folders and checks every file with
/// ``OutputFolder/checkFile(_:option:)``. ``removeCreatedFoldersIfEmpty()`` undoes the folders
/// it created when the run fails; a SIGINT, SIGTERM or SIGHUP removes them too if they are
/// still empty (``SignalCleanup``).
struct OutputPlan {
    /// Two outputs that would overwrite each other.
    struct Collision: Error, CustomStringConvertible {
        let description: String
    }

    /// A file the run writes.
    struct File {
        /// The flag that names it, or the folder flag whose contents it is.
        let option: String
        let path: FileSystemPath
        /// Its name when the command names it inside a folder (a picture, the backup).
        var nameInFolder: String?
    }

    /// A folder the run writes into.
    struct Folder {
        let option: String
        let path: FileSystemPath
        /// What the error says the folder is for (`write pictures to`); `nil` for a folder
        /// another part creates (TensorBoard's `train`), checked for collisions only.
        let purpose: String?
    }

    private(set) var files: [File] = []
    private(set) var folders: [Folder] = []
    /// The folders ``prepare()`` created, outermost first.
    private(set) var createdFolders: [FileSystemPath] = []

    /// Adds the file named by `option`.
    mutating func addFile(_ path: FileSystemPath, option: String) {
        files.append(File(option: option, path: path))
    }

    /// Adds the folder named by `option`, the files the command writes into it, and the
    /// subfolders something else creates in it (which no file may be).
    mutating func addFolder(
        _ path: FileSystemPath, option: String, purpose: String, fileNames: [String] = [], subfolders: [String] = []
    ) {
        folders.append(Folder(option: option, path: path, purpose: purpose))
        for name in subfolders { folders.append(Folder(option: option, path: path.appending(name), purpose: nil)) }
        for name in fileNames {
            files.append(File(option: option, path: path.appending(name), nameInFolder: name))
        }
    }

    /// Checks for collisions, creates the folders and checks every file; throws the first
    /// problem, naming the flags and paths.
    mutating func prepare() throws {
        for file in files where file.nameInFolder == nil { try OutputFolder.refuseFolder(file.path, option: file.option) }
        try checkCollisions()
        do {
            for folder in folders {
                guard let purpose = folder.purpose else { continue }
                let created = try OutputFolder.prepare(folder.path, what: purpose)
                // An interrupted run leaves no empty folder behind either.
                for path in created { SignalCleanup.removeFolderIfEmpty(onSignal: path) }
                createdFolders += created
            }
            for file in files {
                try OutputFolder.checkFile(file.path, option: file.option)
                // Temporary files a killed run left for this file go now, not at its next write.
                if let resolved = try? AtomicFile.checkDestination(file.path) { AtomicFile.removeStaleTemporaryFiles(for: resolved) }
            }
        } catch {
            removeCreatedFoldersIfEmpty()
            throw error
        }
    }

    /// Removes the folders this run created that are still empty.
    func removeCreatedFoldersIfEmpty() {
        OutputFolder.removeIfEmpty(createdFolders)
    }

    /// Refuses two files that are one, and a file that is or contains an output folder.
    private func checkCollisions() throws {
        let identities = files.map { FileIdentity($0.path) }
        for second in files.indices {
            for first in files.indices where first < second && identities[first] == identities[second] {
                throw Collision(description: Self.describe(files[first], files[second]))
            }
        }
        for (file, identity) in zip(files, identities) where file.nameInFolder == nil {
            for folder in folders {
                let resolved = FileIdentity(folder.path)
                if resolved == identity || resolved.path.bytes.starts(with: identity.path.bytes + [UInt8(ascii: "/")]) {
                    throw Collision(description: "\(file.option) \(file.path) is the folder given to \(folder.option) "
                                    + "\(folder.path), or one of its parents; pick another file name")
                }
            }
        }
    }

    /// `--save-weights a and --metrics-json ./a are the same file; …`
    private static func describe(_ first: File, _ second: File) -> String {
        func name(_ file: File) -> String {
            if let inFolder = file.nameInFolder { return "\(inFolder), which \(file.option) receives," }
            return "\(file.option) \(file.path)"
        }
        let (a, b) = first.nameInFolder != nil ? (second, first) : (first, second)
        return "\(name(a)) and \(name(b)) are the same file (\(FileIdentity(a.path).path)): one would overwrite the other"
    }
}

/// A destination as the file system will resolve it: its absolute path with `.`, `..` and
/// symbolic links resolved as far as it exists, and its device and inode if it exists.
struct FileIdentity: Equatable {
    let path: FileSystemPath
    let device: UInt64?
    let inode: UInt64?

    init(_ given: FileSystemPath) {
        path = Self.resolve(given, depth: 0)
        var info = stat()
        if given.withCString({ stat($0, &info) }) == 0 {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        } else {
            device = nil
            inode = nil
        }
    }

    static func == (lhs: FileIdentity, rhs: FileIdentity) -> Bool {
        if let device = lhs.device, let inode = lhs.inode, rhs.device == device, rhs.inode == inode { return true }
        return lhs.path == rhs.path
    }

    /// `realpath` of the longest part of `path` that exists, then the rest with `.` and `..`
    /// applied.
    private static func resolve(_ path: FileSystemPath, depth: Int) -> FileSystemPath {
        if let real = path.withCString({ realpath($0, nil) }) {
            defer { free(real) }
            return FileSystemPath(bytes: Array(UnsafeBufferPointer(
                start: UnsafeRawPointer(real).assumingMemoryBound(to: UInt8.self), count: strlen(real))))
        }
        let parent = path.folder
        guard parent != path, depth < 4096 else { return path }
        let folder = resolve(parent, depth: depth + 1)
        switch path.lastComponent.bytes {
        case Array(".".utf8): return folder
        case Array("..".utf8): return folder.folder
        default: return folder.appending(path.lastComponent)
        }
    }
}
