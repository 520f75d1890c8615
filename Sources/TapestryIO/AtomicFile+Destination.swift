// AtomicFile+Destination.swift: what `AtomicFile` checks before it writes — the kind of file
// at the destination, the length of its names — and its temporary files' names and cleanup.

import Foundation

extension AtomicFile {
    /// Checks, without writing anything, that `path` can be replaced by ``AtomicFile``: it is
    /// missing, a regular file or a symbolic link to one, and its name and its temporary
    /// file's name fit the folder's limits (`NAME_MAX`, `PATH_MAX`).
    ///
    /// Commands call it for every destination before long work, so a bad destination fails
    /// at once rather than after training.
    ///
    /// - Returns: the file a write replaces: `path`, or the regular file its link resolves to.
    /// - Throws: ``FileWriteError`` with ``FileWriteError/Reason/notARegularFile(_:)``,
    ///   ``FileWriteError/Reason/unusablePath(_:)``, or the failing `lstat` (a file where a
    ///   folder should be, no permission). A missing folder is not checked here: creating the
    ///   temporary file reports it.
    @discardableResult
    public static func checkDestination(_ path: FileSystemPath) throws(FileWriteError) -> FileSystemPath {
        let shown = path.description
        guard !path.bytes.isEmpty else { throw FileWriteError(path: shown, reason: .unusablePath("the path is empty")) }
        guard !path.containsNUL else {
            throw FileWriteError(path: shown, reason: .unusablePath("the path contains a NUL byte"))
        }
        guard path.bytes.last != UInt8(ascii: "/") else {
            throw FileWriteError(path: shown, reason: .unusablePath("it ends with /, so it names a folder, not a file"))
        }
        var info = stat()
        if path.withCString({ lstat($0, &info) }) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                try checkNames(of: path, shown: shown)
                return path
            case S_IFLNK:
                return try resolveLink(path, shown: shown)
            case let kind:
                throw FileWriteError(path: shown, reason: .notARegularFile(RegularFile.describe(kind)))
            }
        }
        let code = errno
        guard code == ENOENT || code == ENOTDIR else {
            // Say which name is too long, and how long it may be.
            if code == ENAMETOOLONG { try checkNames(of: path, shown: shown) }
            throw FileWriteError(path: shown, reason: .systemCallFailed(step: .inspectDestination, path: shown, code: code))
        }
        // Missing: a missing folder (or a file in its place) is reported when the temporary
        // file cannot be created.
        try checkNames(of: path, shown: shown)
        return path
    }

    /// The start of every temporary file name for a destination named `name`:
    /// `.<name>.tapestry-tmp-`, then six random characters.
    ///
    /// A name longer than 96 bytes is shortened to its first 80 bytes (whole UTF-8
    /// characters), `~` and 8 hexadecimal digits of its FNV-1a hash, so a temporary name is
    /// never longer than 117 bytes, whatever the destination's name (up to 255 bytes), and
    /// still tells which destination it belongs to.
    public static func temporaryName(for name: FileSystemPath) -> FileSystemPath {
        var stem = name.bytes
        if stem.count > 96 {
            var end = 80
            while end > 0 && stem[end] & 0xC0 == 0x80 { end -= 1 }     // not inside a character
            var hash: UInt32 = 2_166_136_261
            for byte in name.bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            let hex = String(hash, radix: 16)
            stem = Array(stem[..<end]) + Array(("~" + String(repeating: "0", count: 8 - hex.count) + hex).utf8)
        }
        return FileSystemPath(bytes: [UInt8(ascii: ".")] + stem + Array(temporaryNameMarker.utf8))
    }

    /// Removes the temporary files of `path` that no live writer owns: names of exactly the
    /// pattern ``temporaryName(for:)`` + six characters `[0-9a-z]`, regular files, not locked.
    ///
    /// Every ``AtomicFile`` holds an exclusive `flock` on its temporary file until it is
    /// renamed or removed, and the kernel drops the lock when its process dies, so a file that
    /// can be locked belongs to a writer that is gone. ``init(replacing:)-(FileSystemPath)``
    /// calls this before it creates its own file; nothing else in the folder is touched.
    public static func removeStaleTemporaryFiles(for path: FileSystemPath) {
        let folder = path.folder
        let prefix = temporaryName(for: path.lastComponent).bytes
        guard let directory = folder.withCString({ opendir($0) }) else { return }
        defer { closedir(directory) }
        var stale: [FileSystemPath] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            guard name.count == prefix.count + 6, name.starts(with: prefix),
                  name[prefix.count...].allSatisfy({ isSuffixByte($0) })
            else { continue }
            stale.append(folder.appending(FileSystemPath(bytes: name)))
        }
        for candidate in stale { removeIfAbandoned(candidate) }
    }

    /// Takes the writer's lock on a new temporary file; `false` if a cleaner removed the file
    /// before the lock was taken (the caller then tries another name).
    static func lockAsOwner(_ descriptor: Int32) -> Bool {
        while flock(descriptor, LOCK_EX) != 0 {
            // A file system without locks: nothing to coordinate with.
            if errno != EINTR { return true }
        }
        var info = stat()
        return fstat(descriptor, &info) != 0 || info.st_nlink > 0
    }

    /// Six random characters from `[0-9a-z]`.
    static func randomSuffix() -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".unicodeScalars)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<6 { scalars.append(alphabet[Int.random(in: 0..<alphabet.count)]) }
        return String(scalars)
    }

    private static func isSuffixByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    /// Unlinks `candidate` if it is a regular file whose lock can be taken at once (its writer
    /// is gone) and the path still names the file that was locked.
    private static func removeIfAbandoned(_ candidate: FileSystemPath) {
        let descriptor = candidate.withCString { open($0, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC) }
        guard descriptor >= 0 else { return }
        defer { _ = close(descriptor) }
        var opened = stat(), current = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG,
              flock(descriptor, LOCK_EX | LOCK_NB) == 0,
              candidate.withCString({ lstat($0, &current) }) == 0,
              current.st_dev == opened.st_dev, current.st_ino == opened.st_ino
        else { return }
        _ = candidate.withCString { unlink($0) }
    }

    /// Checks the name and its temporary name against the folder's `NAME_MAX`, and the path
    /// and the temporary path against `PATH_MAX`.
    private static func checkNames(of path: FileSystemPath, shown: String) throws(FileWriteError) {
        let folder = path.folder
        let name = path.lastComponent.bytes.count
        let temporary = temporaryName(for: path.lastComponent).bytes.count + 6
        let limit = folder.withCString { pathconf($0, Int32(_PC_NAME_MAX)) }
        let nameMax = limit > 0 ? limit : 255
        guard name <= nameMax else {
            throw FileWriteError(path: shown, reason: .unusablePath(
                "its name is \(name) bytes long, more than the \(nameMax) its folder allows"))
        }
        guard temporary <= nameMax else {
            throw FileWriteError(path: shown, reason: .unusablePath(
                "its temporary file's name would be \(temporary) bytes long, more than the \(nameMax) its folder allows"))
        }
        let longest = folder.bytes.count + 1 + max(name, temporary)
        guard longest < Int(PATH_MAX) else {
            throw FileWriteError(path: shown, reason: .unusablePath(
                "the path (with its temporary file's name) is \(longest) bytes long, PATH_MAX is \(PATH_MAX)"))
        }
    }

    /// The regular file the link at `path` resolves to, or an error saying what it is instead.
    private static func resolveLink(_ path: FileSystemPath, shown: String) throws(FileWriteError) -> FileSystemPath {
        var info = stat()
        guard path.withCString({ stat($0, &info) }) == 0 else {
            let code = errno
            if code == ENOENT { throw FileWriteError(path: shown, reason: .notARegularFile("a dangling symbolic link")) }
            throw FileWriteError(path: shown, reason: .systemCallFailed(step: .inspectDestination, path: shown, code: code))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            throw FileWriteError(path: shown, reason: .notARegularFile("a symbolic link to \(RegularFile.describe(kind))"))
        }
        guard let resolved = path.withCString({ realpath($0, nil) }) else {
            let code = errno
            throw FileWriteError(path: shown, reason: .systemCallFailed(step: .inspectDestination, path: shown, code: code))
        }
        defer { free(resolved) }
        let target = FileSystemPath(bytes: Array(UnsafeBufferPointer(
            start: UnsafeRawPointer(resolved).assumingMemoryBound(to: UInt8.self), count: strlen(resolved))))
        try checkNames(of: target, shown: shown)
        return target
    }
}
