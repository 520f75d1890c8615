// PeakMemory.swift: the growth of the process's peak resident memory over a piece of work, read
// from Linux's /proc (VmHWM, reset through /proc/self/clear_refs).

import Foundation
import TapestryIO  // the C library

enum PeakMemory {
    /// How many bytes the peak resident set grew by while `body` ran, or `nil` where the
    /// kernel cannot reset the peak (not Linux, or /proc not writable).
    static func growth(during body: () throws -> Void) rethrows -> Int? {
        let before = reset() ? statusBytes("VmRSS") : nil
        try body()
        guard let before, let peak = statusBytes("VmHWM") else { return nil }
        return max(peak - before, 0)
    }

    /// Makes VmHWM start again from the current resident size.
    private static func reset() -> Bool {
        let descriptor = open("/proc/self/clear_refs", O_WRONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "5", 1) == 1
    }

    /// A `kB` field of /proc/self/status, in bytes.
    private static func statusBytes(_ field: String) -> Int? {
        // /proc files report a size of 0, so read until the end rather than trusting it.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/status"),
              let data = try? handle.readToEnd() else { return nil }
        try? handle.close()
        let status = String(decoding: data, as: UTF8.self)
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let number = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return number.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
