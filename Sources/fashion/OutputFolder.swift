import Foundation

/// Checks, before any work, that the pictures, weights and metrics can be written where
/// they should go.
enum OutputFolder {
    /// Why the output folder cannot be used.
    struct Unusable: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var what = "write pictures to"
        var description: String { "cannot \(what) \(path): \(reason)" }
    }

    /// Creates `folder` (and its parents) if needed and checks that it is a writable folder.
    static func prepare(_ folder: URL) throws {
        let path = folder.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Unusable(path: path, reason: "it is a file, not a folder") }
        } else {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw Unusable(path: path, reason: Self.reason(for: error))
            }
        }
        guard access(path, W_OK) == 0 else { throw Unusable(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Checks that a file can be written at `url` (for `--save-weights`, `--metrics-json`):
    /// it is not a folder, and its folder exists and is writable.
    static func checkFile(_ url: URL, option: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Unusable(path: url.path, reason: "\(option) names a folder, not a file", what: "write")
        }
        let folder = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Unusable(path: url.path, reason: "the folder \(folder.path) does not exist", what: "write")
        }
        guard access(folder.path, W_OK) == 0 else {
            throw Unusable(path: url.path, reason: "the folder \(folder.path) is not writable", what: "write")
        }
    }

    /// A reason a person can act on: which ancestor is a file or not writable.
    private static func reason(for error: Error) -> String {
        var ancestor = URL(fileURLWithPath: (error as NSError).userInfo[NSFilePathErrorKey] as? String ?? "/")
        while ancestor.path != "/" {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "\(ancestor.path) is a file, not a folder" }
                if access(ancestor.path, W_OK) != 0 { return "\(ancestor.path) is not writable" }
                break
            }
            ancestor.deleteLastPathComponent()
        }
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] {
            let code = (underlying as AnyObject as? NSError)?.code ?? 0
            if code > 0 { return String(cString: strerror(Int32(code))) }
        }
        return "\(error)"
    }
}
