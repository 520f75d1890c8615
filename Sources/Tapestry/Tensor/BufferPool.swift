import Foundation

/// Keeps recently freed large tensor buffers for reuse.
///
/// A training step frees and reallocates the same few large buffers (activations,
/// gradients) every time; from the system allocator each of those comes back as fresh
/// pages to fault in, which cost ~4% of a Fashion-MNIST step. Buffers of at least
/// `minimumBytes` are kept here instead, up to `maximumBuffersPerSize` per size and
/// `maximumTotalBytes` in all; smaller ones go straight to `malloc`, which is fast for them.
enum BufferPool {
    static let minimumBytes = 16 * 1024
    static let maximumBuffersPerSize = 8
    static let maximumTotalBytes = 64 * 1024 * 1024

    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var pooledBytes = 0

    /// A buffer of `bytes` bytes aligned for any scalar type.
    static func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes >= minimumBytes {
            let reused: UnsafeMutableRawPointer? = lock.withLock {
                guard let pointer = free[bytes]?.popLast() else { return nil }
                pooledBytes -= bytes
                return pointer
            }
            if let reused { return reused }
        }
        return .allocate(byteCount: max(bytes, 1), alignment: 64)
    }

    /// Returns a buffer from `allocate(bytes:)`.
    static func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        if bytes >= minimumBytes {
            let kept = lock.withLock {
                guard pooledBytes + bytes <= maximumTotalBytes, free[bytes, default: []].count < maximumBuffersPerSize else {
                    return false
                }
                free[bytes, default: []].append(pointer)
                pooledBytes += bytes
                return true
            }
            if kept { return }
        }
        pointer.deallocate()
    }
}
