// FuzzIDX: the IDX decoder, fed the *decompressed* bytes of a file.
//
// The input is gzip-compressed here and read back with `IDX.read(gzipFile:)`, so the fuzzer
// mutates the IDX header and payload directly instead of fighting the compression.
// Properties, for every input:
// - `IDX.read` returns or throws a `DatasetError` whose one-line description names the file;
//   it never traps and never allocates more than the file can hold;
// - what it returns is exactly the input: the same magic, a shape whose product times the
//   element width is the payload, the payload bytes themselves, and the input's SHA-256;
// - a decoded 3-D byte array and a labels file built for it make a `LabeledImages`, or an
//   error naming the label that is out of range.

import CZlib
import Foundation
import FuzzSupport
import TapestryData

let scratch = ScratchFile(name: "idx.gz")
let labelsScratch = ScratchFile(name: "labels.gz")
let fileName = "fuzz-idx.gz"

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    scratch.replaceContents(with: gzip(input))

    // Once with the default cap (the compressed size bounds the claim), once with a tiny cap.
    for (magic, cap) in [(UInt32?.none, IDX.defaultMaximumDecompressedBytes), (IDX.imagesMagic, 64)] {
        do {
            let file = try IDX.read(
                gzipFile: scratch.url, name: fileName, expectedMagic: magic,
                maximumDecompressedBytes: cap, computeSHA256: true)
            checkDecoded(file, input: input, expectedMagic: magic, cap: cap)
        } catch let error as DatasetError {
            checkError(error, name: fileName)
        } catch {
            require(false, "IDX.read threw \(type(of: error)), not a DatasetError: \(error)")
        }
    }
    return 0
}

/// The decoded file must be the input, byte for byte.
func checkDecoded(_ file: IDXFile, input: [UInt8], expectedMagic: UInt32?, cap: Int) {
    let array = file.array
    require(input.count >= 4, "decoded \(input.count) bytes")
    let magic = input[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    require(array.magic == magic, "magic \(array.magic) for input magic \(magic)")
    if let expectedMagic { require(magic == expectedMagic, "accepted magic \(magic), expected \(expectedMagic)") }
    let headerSize = 4 + 4 * array.shape.count
    require(file.byteCount == input.count, "byteCount \(file.byteCount) for \(input.count) input bytes")
    require(file.byteCount <= max(cap, headerSize), "decoded \(file.byteCount) bytes past the cap \(cap)")
    // Every product of dimensions fits in an Int (found by this harness: a zero dimension
    // used to let dimensions through whose product overflows), so these cannot trap.
    let nonZeroBytes = array.shape.filter { $0 != 0 }.reduce(array.elementType.byteWidth) { product, size in
        let (next, overflow) = product.multipliedReportingOverflow(by: size)
        require(!overflow, "shape \(array.shape) multiplies past Int.max")
        return next
    }
    require(nonZeroBytes > 0, "empty product")
    let product = array.shape.reduce(1, *)
    require(product * array.elementType.byteWidth == array.data.count, "shape \(array.shape) for \(array.data.count) bytes")
    require(array.count == product, "count \(array.count) for shape \(array.shape)")
    require(array.data[...] == input[headerSize...], "payload differs from the input")
    require(file.sha256 == SHA256.hexDigest(of: input), "SHA-256 differs from the input's")
    if array.count > 0 {
        _ = array.value(at: 0)
        _ = array.value(at: array.count - 1)
    }
    if array.elementType == .uint8 && array.shape.count == 3 { checkLabeledImages(array) }
}

/// Pairs decoded images with a labels file made for them; labels come from the pixels, so
/// some are out of range for 10 classes.
func checkLabeledImages(_ images: IDXArray) {
    let count = images.shape[0]
    guard count <= 4096 else { return }
    let labels = (0..<count).map { index in
        images.data.isEmpty ? UInt8(index % 11) : images.data[index % images.data.count] % 11
    }
    var labelsFile: [UInt8] = [0, 0, 8, 1]
    labelsFile += withUnsafeBytes(of: UInt32(count).bigEndian, Array.init)
    labelsFile += labels
    labelsScratch.replaceContents(with: gzip(labelsFile))
    let decodedLabels: IDXArray
    do {
        decodedLabels = try IDX.read(gzipFile: labelsScratch.url, name: "labels.gz", expectedMagic: IDX.labelsMagic).array
    } catch {
        require(false, "a well-formed labels file was rejected: \(error)")
        return
    }
    do {
        let split = try LabeledImages(
            images: images, labels: decodedLabels, classCount: 10, imagesFile: fileName, labelsFile: "labels.gz")
        require(labels.allSatisfy { $0 < 10 }, "labels \(labels) accepted for 10 classes")
        require(split.count == count && split.rows == images.shape[1] && split.columns == images.shape[2],
                "split \(split.count)×\(split.rows)×\(split.columns) for shape \(images.shape)")
        if count > 0 {
            let floats = split.gatherImages(at: [count - 1, 0])
            require(floats.count == 2 * split.pixelsPerImage, "gathered \(floats.count) floats")
            require(floats.allSatisfy { $0 >= 0 && $0 <= 1 }, "a gathered pixel is outside 0...1")
            require(split.classCounts().reduce(0, +) == count, "class counts do not add up")
        }
    } catch let error as DatasetError {
        checkError(error, name: images.shape[1] == 0 || images.shape[2] == 0 ? fileName : "labels.gz")
        if images.shape[1] > 0 && images.shape[2] > 0 {
            require(labels.contains { $0 >= 10 }, "labels \(labels) rejected: \(error)")
        }
    } catch {
        require(false, "LabeledImages threw \(type(of: error)): \(error)")
    }
}

/// An error must be one line naming the file.
func checkError(_ error: DatasetError, name: String) {
    let text = error.description
    require(text.hasPrefix(name + ": "), "the error does not start with the file name: \(text)")
    require(!text.contains("\n"), "the error is not one line: \(text)")
}

/// `bytes` as one gzip member, compressed fast (level 1).
func gzip(_ bytes: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    let status = deflateInit2_(
        &stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    precondition(status == Z_OK, "deflateInit2: \(status)")
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    var input = bytes
    let produced = input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { destination -> Int in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            stream.next_out = destination.baseAddress
            stream.avail_out = uInt(destination.count)
            let result = deflate(&stream, Z_FINISH)
            precondition(result == Z_STREAM_END, "deflate: \(result)")
            return destination.count - Int(stream.avail_out)
        }
    }
    return Array(output[..<produced])
}

runFuzzTarget(fuzz, name: "FuzzIDX")
