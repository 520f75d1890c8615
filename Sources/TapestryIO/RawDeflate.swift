// RawDeflate.swift: zlib's raw deflate streams (no zlib or gzip wrapper) and its CRC-32, as
// ZIP archives use them.

import Tapestry
import CZlib

/// Raw deflate compression and decompression in memory, and ZIP's CRC-32.
enum RawDeflate {
    /// Why a stream did not inflate.
    struct Failure: Error {
        let detail: String
    }

    /// The CRC-32 of ZIP and gzip (polynomial 0xEDB88320, reflected), zlib's `crc32`.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, bytes.baseAddress.map { ($0 + offset).assumingMemoryBound(to: Bytef.self) }, uInt(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Inflates `compressed`, which must decode to exactly `expectedCount` bytes and end there.
    static func inflate(_ compressed: UnsafeRawBufferPointer, expectedCount: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(detail: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var failure: Failure?
        // One byte of spare room shows data longer than announced.
        let output = [UInt8](unsafeUninitializedCapacity: expectedCount + 1) { buffer, initialized in
            initialized = 0
            guard let outBase = buffer.baseAddress else { return }
            var consumed = 0
            var status = Z_OK
            while status == Z_OK {
                let inputRoom = min(compressed.count - consumed, Int(UInt32.max))
                let outputRoom = min(buffer.count - initialized, Int(UInt32.max))
                stream.next_in = compressed.baseAddress.map {
                    UnsafeMutablePointer(mutating: ($0 + consumed).assumingMemoryBound(to: Bytef.self))
                }
                stream.avail_in = uInt(inputRoom)
                stream.next_out = UnsafeMutableRawPointer(outBase + initialized).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outputRoom)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += inputRoom - Int(stream.avail_in)
                initialized += outputRoom - Int(stream.avail_out)
                if status == Z_OK, stream.avail_out == 0, initialized == buffer.count {
                    failure = Failure(detail: "the data inflates to more than the \(expectedCount) bytes announced")
                    return
                }
                if status == Z_BUF_ERROR, consumed == compressed.count {
                    failure = Failure(detail: "the deflate stream is truncated (\(initialized) of \(expectedCount) bytes inflated)")
                    return
                }
            }
            if status != Z_STREAM_END {
                let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                failure = Failure(detail: "the deflate stream is corrupt: \(message)")
            } else if initialized != expectedCount {
                failure = Failure(detail: "the data inflates to \(initialized) bytes, not the \(expectedCount) announced")
            } else if consumed != compressed.count {
                failure = Failure(detail: "\(compressed.count - consumed) bytes follow the end of the deflate stream")
            }
        }
        if let failure { throw failure }
        return Array(output.prefix(expectedCount))
    }

    /// Deflates `bytes` at zlib's default level (a raw stream, no wrapper).
    static func deflate(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var stream = z_stream()
        let started = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                                    ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        checkPrecondition(started == Z_OK, "RawDeflate.deflate: zlib could not start (\(started))")
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var consumed = 0
        var status = Z_OK
        while status != Z_STREAM_END {
            let inputRoom = min(bytes.count - consumed, 1 << 30)
            stream.next_in = bytes.baseAddress.map {
                UnsafeMutablePointer(mutating: ($0 + consumed).assumingMemoryBound(to: Bytef.self))
            }
            stream.avail_in = uInt(inputRoom)
            let flush = consumed + inputRoom == bytes.count ? Z_FINISH : Z_NO_FLUSH
            let produced = chunk.withUnsafeMutableBytes { raw -> Int in
                stream.next_out = raw.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(raw.count)
                status = CZlib.deflate(&stream, flush)
                return raw.count - Int(stream.avail_out)
            }
            consumed += inputRoom - Int(stream.avail_in)
            output += chunk[0..<produced]
            checkPrecondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                         "RawDeflate.deflate: zlib failed (\(status))")
        }
        return output
    }
}
