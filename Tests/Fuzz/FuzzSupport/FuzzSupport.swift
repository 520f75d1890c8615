// FuzzSupport.swift: what every fuzz harness shares: the entry point (libFuzzer's driver when
// built for fuzzing, a corpus replayer otherwise), property checks, and a scratch file for
// readers that take a path.
//
// Built with `-D FUZZING -sanitize=fuzzer,address` (see Tests/Fuzz/Fuzz.mk), `runFuzzTarget`
// hands the command line to libFuzzer. SwiftPM links every executable with its entry point
// renamed to `main`, which hides libFuzzer's own `main`, so the harness calls libFuzzer's
// documented `LLVMFuzzerRunDriver` instead. In a normal build the same harness replays every
// file of the corpus folders (or files) named on its command line, once each.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The function libFuzzer calls with one input; it returns 0 (libFuzzer reserves other values).
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>, Int) -> Int32

#if FUZZING
/// libFuzzer's driver (compiler-rt `FuzzerDriver.cpp`), linked in by `-sanitize=fuzzer`.
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzTarget
) -> Int32
#endif

/// Runs `target` as this build asks, then exits: under libFuzzer when built with `-D FUZZING`,
/// otherwise as a replayer of the corpus files or folders given as arguments.
///
/// Replay prints one summary line and exits 0 when every input ran; it exits 2 when an
/// argument is missing, unreadable or an empty folder (a misspelt corpus path must not pass
/// silently). An input that breaks a property traps, so the exit status is non-zero.
public func runFuzzTarget(_ target: FuzzTarget, name: String) -> Never {
    #if FUZZING
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
    #else
    let arguments = CommandLine.arguments.dropFirst()
    guard !arguments.isEmpty else {
        FileHandle.standardError.write(Data("usage: \(name) CORPUS-FOLDER-OR-FILE...\n".utf8))
        exit(2)
    }
    let start = Date()
    var inputs = 0
    var bytes = 0
    for argument in arguments {
        let files: [URL]
        do {
            files = try corpusFiles(at: argument)
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(2)
        }
        for file in files {
            guard let data = try? Data(contentsOf: file) else {
                FileHandle.standardError.write(Data("\(name): cannot read \(file.path)\n".utf8))
                exit(2)
            }
            replay(data, through: target)
            inputs += 1
            bytes += data.count
        }
    }
    let seconds = Date().timeIntervalSince(start)
    print("\(name): replayed \(inputs) inputs (\(bytes) bytes) from \(arguments.joined(separator: " "))"
        + " in \(String(format: "%.2f", seconds)) s, all properties held")
    exit(0)
    #endif
}

/// Calls `target` with `data`, as libFuzzer would (a valid pointer even for an empty input).
public func replay(_ data: Data, through target: FuzzTarget) {
    var empty: UInt8 = 0
    let result = data.withUnsafeBytes { raw -> Int32 in
        guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return target(&empty, 0) }
        return target(base, raw.count)
    }
    precondition(result == 0, "the fuzz target returned \(result)")
}

/// The regular files of a folder (sorted by name), or the file itself.
private func corpusFiles(at path: String) throws -> [URL] {
    struct CorpusError: Error, CustomStringConvertible { let description: String }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CorpusError(description: "\(path): no such file or folder")
    }
    let url = URL(fileURLWithPath: path)
    guard isDirectory.boolValue else { return [url] }
    let files = try FileManager.default.contentsOfDirectory(
        at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]
    )
    .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
    .sorted { $0.lastPathComponent < $1.lastPathComponent }
    guard !files.isEmpty else { throw CorpusError(description: "\(path): an empty corpus folder") }
    return files
}

/// Stops the process with `message` when `condition` is false: a property of the code under
/// test does not hold for this input. Unlike `assert`, it is checked in every build.
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError("property violated: \(message())", file: file, line: line) }
}

/// A file whose contents each input replaces, for APIs that read a path.
///
/// On Linux the file is unlinked as soon as it is created and reached through
/// `/proc/self/fd/N`, so nothing is left behind however the process ends; elsewhere it is a
/// file in the temporary folder.
public struct ScratchFile: Sendable {
    /// The path to pass to the API under test.
    public let url: URL
    private let descriptor: Int32

    /// Creates the file; `name` only makes its temporary name recognisable.
    public init(name: String) {
        let directory = FileManager.default.temporaryDirectory.path
        let path = directory + "/tapestry-fuzz-\(getpid())-\(name)"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("cannot create the scratch file \(path): \(String(cString: strerror(errno)))") }
        descriptor = fd
        #if os(Linux)
        unlink(path)
        url = URL(fileURLWithPath: "/proc/self/fd/\(fd)")
        #else
        url = URL(fileURLWithPath: path)
        #endif
    }

    /// Replaces the file's contents with `bytes`.
    public func replaceContents(with bytes: UnsafeRawBufferPointer) {
        guard ftruncate(descriptor, 0) == 0 else { fatalError("ftruncate: \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let result = pwrite(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written, off_t(written))
            if result < 0 {
                if errno == EINTR { continue }
                fatalError("pwrite: \(String(cString: strerror(errno)))")
            }
            written += result
        }
    }

    /// Replaces the file's contents with `bytes`.
    public func replaceContents(with bytes: [UInt8]) {
        bytes.withUnsafeBytes { replaceContents(with: $0) }
    }
}
