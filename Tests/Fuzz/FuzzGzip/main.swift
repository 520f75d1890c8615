// FuzzGzip: the gzip path, fed raw file bytes.
//
// The input is the compressed file itself; `IDX.read(gzipFile:)` streams it through the
// chunked `GzipFileReader`. A reference decoder here inflates the whole input in memory with
// zlib (members one after another, as `gzip -d` does) and parses the IDX header, and the two
// must agree. Properties, for every input:
// - `IDX.read` returns or throws a `DatasetError` whose one-line description names the file;
//   it never traps, and never allocates more than the cap or the 1032:1 deflate bound allows;
// - it succeeds exactly when the reference decodes a valid IDX file within the cap, and then
//   returns the same element type, shape, payload and SHA-256.

import CZlib
import Foundation
import FuzzSupport
import TapestryData

let scratch = ScratchFile(name: "input.gz")
let fileName = "fuzz.gz"
/// The decompressed-size cap passed to `IDX.read`: 4 MiB.
let cap = 1 << 22

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    scratch.replaceContents(with: input)
    let expected = referenceDecode(input)

    let file: IDXFile
    do {
        file = try IDX.read(gzipFile: scratch.url, name: fileName, maximumDecompressedBytes: cap, computeSHA256: true)
    } catch let error as DatasetError {
        let text = error.description
        require(text.hasPrefix(fileName + ": "), "the error does not start with the file name: \(text)")
        require(!text.contains("\n"), "the error is not one line: \(text)")
        if case .success(let reference) = expected {
            require(false, "IDX.read rejected a file the reference decodes (\(reference.shape)): \(text)")
        }
        return 0
    } catch {
        require(false, "IDX.read threw \(type(of: error)), not a DatasetError: \(error)")
        return 0
    }
    switch expected {
    case .failure(let reason):
        require(false, "IDX.read accepted a file the reference rejects (\(reason)): shape \(file.array.shape)")
    case .success(let reference):
        require(file.array.elementType.rawValue == reference.type, "element type differs from the reference")
        require(file.array.shape == reference.shape, "shape \(file.array.shape), reference \(reference.shape)")
        require(file.array.data == reference.payload, "payload differs from the reference")
        require(file.byteCount == reference.decompressed.count, "byteCount differs from the reference")
        require(file.sha256 == SHA256.hexDigest(of: reference.decompressed), "SHA-256 differs from the reference")
    }
    return 0
}

/// What the reference made of the input.
struct Reference {
    var decompressed: [UInt8]
    var type: UInt8
    var shape: [Int]
    var payload: [UInt8]
}

enum Outcome {
    case success(Reference)
    case failure(String)
}

/// Inflates `input` in memory (gzip members back to back) and parses it as an IDX file.
func referenceDecode(_ input: UnsafeRawBufferPointer) -> Outcome {
    guard input.count >= 2, input[0] == 0x1f, input[1] == 0x8b else { return .failure("no gzip signature") }
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        return .failure("inflateInit2")
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
    stream.avail_in = uInt(input.count)
    while true {
        let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
            stream.next_out = buffer.baseAddress
            stream.avail_out = uInt(buffer.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            return (status, buffer.count - Int(stream.avail_out))
        }
        output += chunk[..<produced]
        // One byte past the cap is enough to know the file is refused.
        if output.count > cap { return .failure("more than \(cap) bytes") }
        switch status {
        case Z_OK:
            continue
        case Z_STREAM_END:
            if stream.avail_in == 0 { return parseIDX(output) }
            inflateReset(&stream)
        default:
            return .failure("zlib status \(status)")
        }
    }
}

/// Parses a whole decompressed IDX file.
func parseIDX(_ bytes: [UInt8]) -> Outcome {
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { return .failure("bad magic") }
    let widths: [UInt8: Int] = [0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8]
    guard let width = widths[bytes[2]] else { return .failure("bad type") }
    let rank = Int(bytes[3])
    guard rank > 0, bytes.count >= 4 + 4 * rank else { return .failure("bad rank or short header") }
    var shape: [Int] = []
    // The byte count, multiplied left to right; `nil` once it overflows (even if a later
    // dimension is 0: such a header is refused as absurd).
    var total: Int? = width
    for axis in 0..<rank {
        let dimension = bytes[(4 + 4 * axis)..<(8 + 4 * axis)].reduce(0) { $0 << 8 | Int($1) }
        shape.append(dimension)
        total = total.flatMap { count in
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            return overflow ? nil : product
        }
    }
    let header = 4 + 4 * rank
    guard let total, total <= cap, bytes.count == header + total else { return .failure("size mismatch") }
    return .success(Reference(decompressed: bytes, type: bytes[2], shape: shape, payload: Array(bytes[header...])))
}

runFuzzTarget(fuzz, name: "FuzzGzip")
