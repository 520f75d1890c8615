import Foundation
import TapestryIO

/// Checks, before any work, that the pictures, weights and metrics can be written where
/// they should go; paths are used byte for byte.
enum OutputFolder {
    /// Why the output folder cannot be used.
    struct Unusable: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var what = "write pictures to"
        var description: String { "cannot \(what) \(path): \(reason)" }
    }

    /// Creates `folder` (and its parents) if needed and checks that it is a writable folder.
    ///
    /// - Returns: the folders it created, outermost first.
    @discardableResult
    static func prepare(_ folder: FileSystemPath, what: String = "write pictures to") throws -> [FileSystemPath] {
        let shown = folder.description
        var info = stat()
        var created: [FileSystemPath] = []
        if folder.withCString({ stat($0, &info) }) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw Unusable(path: shown, reason: "it is a file, not a folder", what: what)
            }
        } else {
            // The missing folders, innermost first, up to the first one that exists.
            var missing: [FileSystemPath] = []
            var current = folder
            while current.withCString({ stat($0, &info) }) != 0 {
                guard errno == ENOENT else {
                    throw Unusable(path: shown, reason: reason(errno, creating: folder), what: what)
                }
                missing.append(current)
                let parent = current.folder
                if parent == current { break }
                current = parent
            }
            for component in missing.reversed() {
                if component.withCString({ mkdir($0, 0o777) }) == 0 {
                    created.append(component)
                    continue
                }
                let code = errno
                if code == EEXIST, component.withCString({ stat($0, &info) }) == 0, info.st_mode & S_IFMT == S_IFDIR { continue }
                removeIfEmpty(created)
                throw Unusable(path: shown, reason: reason(code, creating: folder), what: what)
            }
        }
        guard folder.withCString({ access($0, W_OK) }) == 0 else {
            let code = errno
            removeIfEmpty(created)
            throw Unusable(path: shown, reason: String(cString: strerror(code)), what: what)
        }
        return created
    }

    /// Checks that a file can be written at `path` (for `--save-weights`, `--metrics-json`, …):
    /// it is not a folder, its folder exists and is writable, and ``AtomicFile`` accepts it (a
    /// regular file or a link to one, names within the folder's limits).
    static func checkFile(_ path: FileSystemPath, option: String) throws {
        let shown = path.description
        var info = stat()
        try refuseFolder(path, option: option)
        let folder = path.folder
        guard folder.withCString({ stat($0, &info) }) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw Unusable(path: shown, reason: "the folder \(folder) does not exist", what: "write")
        }
        guard folder.withCString({ access($0, W_OK) }) == 0 else {
            throw Unusable(path: shown, reason: "the folder \(folder) is not writable", what: "write")
        }
        do {
            try AtomicFile.checkDestination(path)
        } catch {
            throw Unusable(path: shown, reason: "\(option) \(Self.reason(of: error))", what: "write")
        }
    }

    /// Refuses a file flag that names an existing folder.
    static func refuseFolder(_ path: FileSystemPath, option: String) throws {
        var info = stat()
        if path.withCString({ stat($0, &info) }) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw Unusable(path: path.description, reason: "\(option) names a folder, not a file", what: "write")
        }
    }

    /// Removes the folders in `created` (outermost first) that are still empty, innermost
    /// first: what a failed run leaves is what was there before it.
    static func removeIfEmpty(_ created: [FileSystemPath]) {
        for folder in created.reversed() {
            guard folder.withCString({ rmdir($0) }) == 0 else { return }
        }
    }

    /// The part of a `FileWriteError`'s description after `cannot write <path>: `.
    private static func reason(of error: FileWriteError) -> String {
        switch error.reason {
        case .notARegularFile(let what): "names \(what), not a regular file"
        case .unusablePath(let why): "names a path it cannot use: \(why)"
        case .systemCallFailed(_, _, let code): "names a path it cannot use: \(String(cString: strerror(code))) (errno \(code))"
        case .notAFileURL: "names a path it cannot use"
        }
    }

    /// A reason a person can act on: which ancestor is a file or not writable.
    private static func reason(_ code: Int32, creating folder: FileSystemPath) -> String {
        var ancestor = folder
        var info = stat()
        while true {
            if ancestor.withCString({ stat($0, &info) }) == 0 {
                if info.st_mode & S_IFMT != S_IFDIR { return "\(ancestor) is a file, not a folder" }
                if ancestor != folder, ancestor.withCString({ access($0, W_OK) }) != 0 { return "\(ancestor) is not writable" }
                break
            }
            let parent = ancestor.folder
            if parent == ancestor { break }
            ancestor = parent
        }
        return String(cString: strerror(code))
    }
}
