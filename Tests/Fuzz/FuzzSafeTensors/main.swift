// FuzzSafeTensors: the safetensors loader, fed whole files.
//
// Properties, for every input:
// - `SafeTensors(decoding:source:)` returns or throws a `CheckpointError` whose description
//   starts with the source and is one line; it never traps or reads out of bounds;
// - `SafeTensors(contentsOf:)` on the same bytes in a file agrees with it;
// - a decoded checkpoint is consistent (each entry's bytes are shape × dtype size), encodes
//   to bytes that decode to the same entries and metadata, and yields tensors with exactly
//   those bytes, or the documented dtype errors;
// - `Sequential.load(weightsFrom:)` either loads every parameter from the file or throws a
//   `CheckpointError` and leaves every weight as it was.

import Foundation
import FuzzSupport
import Tapestry
import TapestryIO
import TapestryNN

let scratch = ScratchFile(name: "model.safetensors")
let source = "fuzz.safetensors"

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    scratch.replaceContents(with: bytes)

    let decoded: SafeTensors?
    do {
        decoded = try SafeTensors(decoding: bytes, source: source)
    } catch let error as CheckpointError {
        checkError(error, source: source)
        decoded = nil
    } catch {
        require(false, "SafeTensors(decoding:) threw \(type(of: error)), not a CheckpointError: \(error)")
        return 0
    }

    // The file path must agree with the in-memory decoder.
    do {
        let fromFile = try SafeTensors(contentsOf: scratch.url)
        guard let decoded else {
            require(false, "the file loaded but the same bytes did not decode")
            return 0
        }
        require(same(fromFile, decoded), "the file and the bytes decode differently")
    } catch let error as CheckpointError {
        checkError(error, source: scratch.url.path)
        require(decoded == nil, "the bytes decoded but the file did not load: \(error)")
    } catch {
        require(false, "SafeTensors(contentsOf:) threw \(type(of: error)): \(error)")
    }

    if let decoded { checkDecoded(decoded) }
    checkModelLoad()
    return 0
}

/// A decoded checkpoint is consistent and survives a round trip.
func checkDecoded(_ checkpoint: SafeTensors) {
    require(checkpoint.names.count == checkpoint.entries.count, "names and entries disagree")
    for (name, entry) in checkpoint.entries {
        let product = entry.shape.reduce(1, *)
        require(entry.scalarCount == product && entry.byteCount == product * entry.dtype.byteWidth,
                "'\(name)': \(entry.byteCount) bytes for shape \(entry.shape) of \(entry.dtype)")
        checkTensor(name, entry, in: checkpoint)
    }
    do {
        let encoded = try checkpoint.encoded()
        let again = try SafeTensors(decoding: encoded, source: source)
        require(same(again, checkpoint), "a re-encoded checkpoint decodes differently")
        let reencoded = try again.encoded()
        require(reencoded == encoded, "encoding is not deterministic")
    } catch {
        require(false, "a decoded checkpoint does not round-trip: \(error)")
    }
}

/// Reading an entry as `Float` and `Double` gives its bytes, or the documented error.
func checkTensor(_ name: String, _ entry: SafeTensors.Entry, in checkpoint: SafeTensors) {
    let bytes = entry.bytes
    do {
        let tensor = try checkpoint.tensor(name, as: Float.self)
        require(entry.dtype == .float32, "\(entry.dtype) read as Float")
        require(tensor.shape == entry.shape, "shape \(tensor.shape) for \(entry.shape)")
        let scalars = tensor.scalars
        let read = scalars.withUnsafeBytes { Array($0) }
        require(read == bytes, "'\(name)' read as Float differs from its bytes")
    } catch let error as CheckpointError {
        require(entry.dtype != .float32, "an F32 tensor could not be read as Float: \(error)")
        checkError(error, source: source)
    } catch {
        require(false, "tensor(_:as: Float) threw \(type(of: error)): \(error)")
    }
    do {
        let tensor = try checkpoint.tensor(name, as: Double.self)
        require(entry.dtype == .float32 || entry.dtype == .float64, "\(entry.dtype) read as Double")
        require(tensor.shape == entry.shape, "shape \(tensor.shape) for \(entry.shape)")
        if entry.dtype == .float64 {
            require(tensor.scalars.withUnsafeBytes { Array($0) } == bytes, "'\(name)' read as Double differs")
        } else {
            let floats = bytes.withUnsafeBytes { raw in
                (0..<entry.scalarCount).map {
                    Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))))
                }
            }
            require(zip(tensor.scalars, floats).allSatisfy { $0.bitPattern == $1.bitPattern }, "'\(name)' widened wrongly")
        }
    } catch let error as CheckpointError {
        require(entry.dtype != .float32 && entry.dtype != .float64, "a float tensor could not be read as Double: \(error)")
        checkError(error, source: source)
    } catch {
        require(false, "tensor(_:as: Double) threw \(type(of: error)): \(error)")
    }
}

/// A small model loads the scratch file all or nothing.
func checkModelLoad() {
    let model = Sequential<Float>(inputShape: [3]) {
        Dense(inputSize: 3, outputSize: 2, seed: 1)
        Dense(inputSize: 2, outputSize: 1, seed: 2)
    }
    let before = model.parameters.map(\.value)
    do {
        try model.load(weightsFrom: scratch.url)
        let checkpoint = try SafeTensors(contentsOf: scratch.url)
        for (name, parameter) in model.namedParameters {
            let stored: Tensor<Float> = try checkpoint.tensor(name)
            require(parameter.value.shape == stored.shape && parameter.value.scalars.elementsEqual(stored.scalars, by: sameBits),
                    "'\(name)' differs from the file after loading")
        }
    } catch let error as CheckpointError {
        checkError(error, source: scratch.url.path)
        for ((name, parameter), old) in zip(model.namedParameters, before) {
            require(parameter.value.shape == old.shape && parameter.value.scalars.elementsEqual(old.scalars, by: sameBits),
                    "'\(name)' changed although loading failed: \(error)")
        }
    } catch {
        require(false, "load(weightsFrom:) threw \(type(of: error)): \(error)")
    }
}

func sameBits(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern }

/// Two checkpoints hold the same metadata and the same entries, bit for bit.
func same(_ a: SafeTensors, _ b: SafeTensors) -> Bool {
    a.metadata == b.metadata && a.entries == b.entries
}

/// An error starts with its source and is one line.
func checkError(_ error: CheckpointError, source: String) {
    let text = error.description
    require(error.source == source, "source \(error.source), expected \(source)")
    require(text.hasPrefix(source + ": "), "the error does not start with its source: \(text)")
    require(!text.contains("\n"), "the error is not one line: \(text.debugDescription)")
}

runFuzzTarget(fuzz, name: "FuzzSafeTensors")
