// FuzzNumPy: the `.npy` and `.npz` readers, fed whole files.
//
// Properties, for every input:
// - `NumPyArray(decoding:source:)` and `NumPyArchive(decoding:source:)` return or throw a
//   `NumPyError` whose description starts with the source and is one line; they never trap
//   or read out of bounds;
// - the file readers (`contentsOf:`) agree with the in-memory decoders;
// - a decoded array is consistent (bytes = shape product × dtype width), converts to a tensor
//   of its dtype with exactly those bytes, throws `.dtypeMismatch` for the others, and
//   re-encodes to bytes that decode to the same array;
// - a decoded archive re-encodes (stored and deflated) to bytes that decode to the same arrays.

import Foundation
import FuzzSupport
import Tapestry
import TapestryIO

let scratch = ScratchFile(name: "array.npy")
let source = "fuzz.npy"

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    scratch.replaceContents(with: bytes)

    // One .npy file.
    let array = decodeOrCheck { () throws(NumPyError) in try NumPyArray(decoding: bytes, source: source) }
    let fromFile = decodeOrCheck(source: scratch.url.path) { () throws(NumPyError) in try NumPyArray(contentsOf: scratch.url) }
    require(array == fromFile, "the file and the bytes decode differently as .npy")
    if let array { checkArray(array) }

    // The same bytes as a .npz archive.
    let archive = decodeOrCheck { () throws(NumPyError) in try NumPyArchive(decoding: bytes, source: source) }
    let archiveFromFile = decodeOrCheck(source: scratch.url.path) { () throws(NumPyError) in
        try NumPyArchive(contentsOf: scratch.url)
    }
    require(archive == archiveFromFile, "the file and the bytes decode differently as .npz")
    if let archive {
        require(archive.names.count == archive.arrays.count, "names and arrays disagree")
        for name in archive.names {
            guard let member = archive[name] else { require(false, "'\(name)' is listed but missing"); return 0 }
            checkArray(member)
        }
        for compressed in [false, true] {
            do {
                let again = try NumPyArchive(decoding: archive.encoded(compressed: compressed))
                require(again == archive, "a re-encoded archive (compressed: \(compressed)) decodes differently")
            } catch {
                require(false, "a decoded archive does not round-trip: \(error)")
            }
        }
    }
    return 0
}

/// The value `body` decodes, or nil after checking the error it threw.
func decodeOrCheck<T>(source: String = source, _ body: () throws(NumPyError) -> T) -> T? {
    do {
        return try body()
    } catch {
        let text = error.description
        require(error.source == source, "source \(error.source), expected \(source)")
        require(text.hasPrefix(source + ": "), "the error does not start with its source: \(text)")
        require(!text.contains("\n"), "the error is not one line: \(text.debugDescription)")
        return nil
    }
}

/// A decoded array is consistent, reads as a tensor of its dtype only, and round-trips.
func checkArray(_ array: NumPyArray) {
    require(array.bytes.count == array.scalarCount * array.dtype.byteWidth,
            "\(array.bytes.count) bytes for shape \(array.shape) of \(array.dtype)")
    checkTensor(array, as: Float.self)
    checkTensor(array, as: Double.self)
    checkTensor(array, as: Int32.self)
    checkTensor(array, as: Int64.self)
    do {
        let again = try NumPyArray(decoding: array.encoded(), source: source)
        require(again == array, "a re-encoded array decodes differently")
    } catch {
        require(false, "a decoded array does not round-trip: \(error)")
    }
}

func checkTensor<Scalar: TensorElement>(_ array: NumPyArray, as _: Scalar.Type) {
    do {
        let tensor = try array.tensor(as: Scalar.self)
        require(NumPyArray.DType(of: Scalar.self) == array.dtype, "\(array.dtype) read as \(Scalar.self)")
        require(tensor.shape == array.shape, "shape \(tensor.shape) for \(array.shape)")
        require(NumPyArray(tensor).bytes == array.bytes, "the tensor's bytes differ from the array's")
    } catch {
        require(NumPyArray.DType(of: Scalar.self) != array.dtype, "a \(array.dtype) array could not be read as \(Scalar.self)")
        guard case .dtypeMismatch = error.reason else { require(false, "unexpected error: \(error)"); return }
    }
}

runFuzzTarget(fuzz, name: "FuzzNumPy")
