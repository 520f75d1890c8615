// CheckpointGenerations.swift: what the crash and signal tests look for beside a checkpoint
// that `checkpoint-writer` rewrites generation after generation: AtomicFile's temporary
// files, and whether the checkpoint holds one whole generation.

import Foundation
import TapestryIO
import XCTest

/// `AtomicFile`'s temporary files for `target` in `folder` (`.<name>.tapestry-tmp-XXXXXX`).
func temporaryFiles(in folder: URL, next target: URL) -> [URL] {
    let prefix = AtomicFile.temporaryName(for: FileSystemPath(target.lastPathComponent)).string ?? ""
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { $0.hasPrefix(prefix) }.sorted().map { folder.appendingPathComponent($0) }
}

/// Polls until a temporary file for `target` exists; false after `timeout` seconds.
func waitForTemporaryFile(in folder: URL, next target: URL, timeout: TimeInterval) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if !temporaryFiles(in: folder, next: target).isEmpty { return true }
        usleep(200)
    }
    return false
}

/// Loads the checkpoint of `megabytes` MB at `url` (as `checkpoint-writer` writes it) and
/// checks it is one whole generation: metadata `generation-<g>`, one 4 MB float32 tensor per
/// 4 MB, every scalar equal to `g`.
///
/// - Returns: `g`.
func wholeGeneration(at url: URL, megabytes: Int) throws -> Int {
    let checkpoint = try SafeTensors(contentsOf: url)
    let model = try XCTUnwrap(checkpoint.metadata["model"])
    let generation = try XCTUnwrap(Int(model.dropFirst("generation-".count)), "metadata model = \(model)")
    XCTAssertEqual(checkpoint.entries.count, megabytes / 4)
    // The bytes of one tensor, every scalar equal to `generation`.
    var expected = [UInt8](repeating: 0, count: 4 * 1024 * 1024)
    expected.withUnsafeMutableBytes { raw in
        for offset in stride(from: 0, to: raw.count, by: 4) {
            raw.storeBytes(of: Float(generation).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
        }
    }
    var scalars = 0
    for (name, entry) in checkpoint.entries {
        XCTAssertEqual(entry.dtype, .float32, name)
        let allEqual = entry.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count <= expected.count else { return false }
            return memcmp(base, expected, raw.count) == 0
        }
        XCTAssertTrue(allEqual, "tensor \(name) is not all \(generation)")
        scalars += entry.scalarCount
    }
    XCTAssertEqual(scalars, (megabytes / 4) * 1024 * 1024)
    return generation
}
