// Gzip.swift: streaming gzip decompression of a file through zlib, into caller-owned memory.

import CZlib
import Tapestry
import Foundation
import TapestryIO  // the C library (Platform.swift)

/// Reads the decompressed bytes of a gzip file in order, straight into buffers the caller owns.
///
/// The compressed file is read in fixed-size chunks, so memory use does not depend on the file's
/// size. Concatenated gzip members are decoded one after another, as `gzip -d` does. zlib checks
/// each member's CRC-32 and length trailer when the member ends. One reader is used by one thread.
final class GzipFileReader {
    /// How the file is named in errors.
    let name: String

    /// The size of the compressed file in bytes, taken when it was opened.
    let compressedSize: Int

    /// How many decompressed bytes have been handed out so far.
    private(set) var decompressedCount = 0

    /// The most bytes a deflate stream of `compressedSize` bytes can decompress to.
    ///
    /// Deflate's best case codes a 258-byte match in 2 bits, so no stream exceeds 1032:1.
    var maximumDecompressedSize: Int {
        let (bound, overflow) = compressedSize.multipliedReportingOverflow(by: 1032)
        return overflow ? Int.max : bound
    }

    private static let chunkSize = 1 << 20

    private let descriptor: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var compressedConsumed = 0  // bytes read from the file so far
    private var endOfFile = false
    private var endOfData = false
    private var streamInitialized = false

    /// Opens `url` and checks that it starts like a gzip file.
    ///
    /// - Throws: ``DatasetError/unreadable(file:reason:)`` when it cannot be opened or read,
    ///   ``DatasetError/notGzip(file:)`` when it lacks the gzip signature.
    init(contentsOf url: URL, name: String) throws {
        self.name = name
        // Never blocks on a FIFO, never reads a device: regular files only.
        let opened: RegularFile.Opened
        do {
            opened = try RegularFile.openForReading(atPath: url.path)
        } catch {
            // A folder, FIFO or device says what it is: "is a FIFO (named pipe), not a regular file".
            throw DatasetError.unreadable(file: name, reason: error.code == nil ? "is " + error.reason : error.reason)
        }
        descriptor = opened.descriptor
        compressedSize = opened.size
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: Self.chunkSize, alignment: 16)
        // From here on `deinit` releases everything, also when this initializer throws.

        try refill()
        guard stream.pointee.avail_in >= 2,
            let next = stream.pointee.next_in, next[0] == 0x1f, next[1] == 0x8b
        else { throw DatasetError.notGzip(file: name) }

        // 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper with its CRC-32 checked.
        let status = inflateInit2_(
            stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DatasetError.corruptGzip(file: name, reason: "zlib could not start (\(status))")
        }
        streamInitialized = true
    }

    deinit {
        if streamInitialized { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
        close(descriptor)
    }

    /// Fills `buffer` with the next decompressed bytes.
    ///
    /// - Returns: the number of bytes written: `buffer.count`, or fewer only when the data ended.
    /// - Throws: ``DatasetError/corruptGzip(file:reason:)``,
    ///   ``DatasetError/truncatedGzip(file:compressedBytes:decompressedBytes:)`` or
    ///   ``DatasetError/unreadable(file:reason:)``.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var produced = 0
        while produced < buffer.count && !endOfData {
            if stream.pointee.avail_in == 0 && !endOfFile { try refill() }
            let room = min(buffer.count - produced, Int(UInt32.max))
            stream.pointee.next_out = (base + produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += room - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // One gzip member ended (its CRC-32 and length matched). Another may follow.
                if stream.pointee.avail_in == 0 && !endOfFile { try refill() }
                if stream.pointee.avail_in == 0 {
                    endOfData = true
                } else {
                    inflateReset(stream)
                }
            case Z_BUF_ERROR:
                // No progress was possible: zlib needs input that the file no longer has.
                if stream.pointee.avail_in == 0 && endOfFile {
                    decompressedCount += produced
                    throw DatasetError.truncatedGzip(
                        file: name, compressedBytes: compressedConsumed,
                        decompressedBytes: decompressedCount)
                }
                // With input and output room zlib always progresses; never spin if it did not.
                guard stream.pointee.avail_in == 0 else {
                    throw DatasetError.corruptGzip(file: name, reason: zlibMessage(status))
                }
            default:
                throw DatasetError.corruptGzip(file: name, reason: zlibMessage(status))
            }
        }
        decompressedCount += produced
        return produced
    }

    /// Reads the rest of the data into a small scratch buffer and reports whether there was none.
    ///
    /// Reaching the end also makes zlib check the last member's CRC-32 and length trailer.
    func isAtEnd() throws -> Bool {
        var scratch: UInt8 = 0
        let count = try withUnsafeMutableBytes(of: &scratch) { try read(into: $0) }
        return count == 0
    }

    private func refill() throws {
        var count: Int
        repeat {
            count = posixRead(descriptor, input.baseAddress, input.count)
        } while count < 0 && errno == EINTR
        guard count >= 0 else {
            throw DatasetError.unreadable(file: name, reason: String(cString: strerror(errno)))
        }
        endOfFile = count == 0
        compressedConsumed += count
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(count)
    }

    private func zlibMessage(_ status: Int32) -> String {
        let offset = compressedConsumed - Int(stream.pointee.avail_in)
        let message: String
        if let text = stream.pointee.msg {
            message = String(cString: text)
        } else {
            switch status {
            case Z_NEED_DICT: message = "needs a preset dictionary"
            case Z_MEM_ERROR: message = "out of memory"
            default: message = "zlib error \(status)"
            }
        }
        return "\(message) (near compressed byte \(offset.groupedByThousands))"
    }
}

/// POSIX `read(2)`, named apart from the methods called `read` above.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.read(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.read(fd, buffer, count)
    #else
    return Glibc.read(fd, buffer, count)
    #endif
}
