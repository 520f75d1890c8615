import Foundation
import Tapestry
import XCTest
@testable import TapestryIO

final class SafeTensorsTests: XCTestCase {
    // MARK: Round trips

    /// Awkward Float values: signed zeros, subnormals, extremes, infinities, a NaN payload.
    private static let floatSpecials: [Float] = [
        0, -0.0, 1, -1, .pi, 1e-3, -123_456.789,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude / 3,
        .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .infinity, -.infinity, Float(bitPattern: 0x7FC0_1234),
    ]

    private static let doubleSpecials: [Double] = [
        0, -0.0, 1, -1, .pi, 1e-300, -123_456.789_012_345,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude / 3,
        .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .infinity, -.infinity, Double(bitPattern: 0x7FF8_0000_DEAD_BEEF),
    ]

    func testFloatRoundTripIsBitExact() throws {
        let tensor = Tensor<Float>(shape: [4, 4], scalars: Self.floatSpecials)
        let bytes = try SafeTensors(tensors: [(name: "specials", tensor: tensor)]).encoded()
        let decoded = try SafeTensors(decoding: bytes).tensor("specials", as: Float.self)
        XCTAssertEqual(decoded.shape, [4, 4])
        XCTAssertEqual(decoded.scalars.map(\.bitPattern), Self.floatSpecials.map(\.bitPattern))
    }

    func testDoubleRoundTripIsBitExact() throws {
        let tensor = Tensor<Double>(shape: [2, 2, 4], scalars: Self.doubleSpecials)
        let bytes = try SafeTensors(tensors: [(name: "specials", tensor: tensor)]).encoded()
        let decoded = try SafeTensors(decoding: bytes).tensor("specials", as: Double.self)
        XCTAssertEqual(decoded.shape, [2, 2, 4])
        XCTAssertEqual(decoded.scalars.map(\.bitPattern), Self.doubleSpecials.map(\.bitPattern))
    }

    func testRoundTripOfShapesAndMetadata() throws {
        var generator = SeededRandomNumberGenerator(seed: 7)
        let kernel = Tensor<Float>(glorotUniform: [784, 64], using: &generator)
        var checkpoint = SafeTensors(metadata: ["format": "pt", "epoch": "5", "note": "é \"quoted\"\n\u{1}"])
        checkpoint.setTensor(kernel, named: "dense_1.kernel")
        checkpoint.setTensor(Tensor<Float>(zeros: [64]), named: "dense_1.bias")
        checkpoint.setTensor(Tensor<Double>(42), named: "scalar")
        checkpoint.setTensor(Tensor<Float>(zeros: [0, 3]), named: "empty")
        checkpoint.setTensor(Tensor<Double>(zeros: [2, 0]), named: "empty64")

        let decoded = try SafeTensors(decoding: checkpoint.encoded())
        XCTAssertEqual(decoded.entries, checkpoint.entries)
        XCTAssertEqual(decoded.metadata, checkpoint.metadata)
        XCTAssertEqual(try decoded.tensor("dense_1.kernel", as: Float.self), kernel)
        XCTAssertEqual(try decoded.tensor("scalar", as: Double.self).shape, [])
        XCTAssertEqual(try decoded.tensor("scalar", as: Double.self).scalar, 42)
        XCTAssertEqual(try decoded.tensor("empty", as: Float.self).shape, [0, 3])
        XCTAssertEqual(decoded.entries["empty64"]?.dtype, .float64)
        XCTAssertEqual(decoded.entries["dense_1.bias"]?.byteCount, 256)
        XCTAssertEqual(decoded.entries["scalar"]?.bytes, withUnsafeBytes(of: Double(42).bitPattern.littleEndian) { Array($0) })
        XCTAssertEqual(decoded.entries["dense_1.kernel"]?.withUnsafeBytes { $0.count }, 784 * 64 * 4)
        // 8-byte dtypes first, then by name.
        XCTAssertEqual(decoded.names, ["empty64", "scalar", "dense_1.bias", "dense_1.kernel", "empty"])
    }

    func testFloat32WidensToDoubleButFloat64DoesNotNarrow() throws {
        var checkpoint = SafeTensors()
        checkpoint.setTensor(Tensor<Float>([0.1, -0.0, .leastNonzeroMagnitude]), named: "f32")
        checkpoint.setTensor(Tensor<Double>([0.5]), named: "f64")
        let decoded = try SafeTensors(decoding: checkpoint.encoded(), source: "m.safetensors")

        let widened = try decoded.tensor("f32", as: Double.self)
        XCTAssertEqual(widened.scalars.map(\.bitPattern), [Double(Float(0.1)), -0.0, Double(Float.leastNonzeroMagnitude)].map(\.bitPattern))

        assertThrows(
            try decoded.tensor("f64", as: Float.self),
            .dtypeMismatch(tensor: "f64", stored: "F64", requested: "F32"),
            mentioning: ["m.safetensors", "'f64'", "F64"])
        assertThrows(
            try decoded.tensor("missing", as: Float.self),
            .tensorNotFound(name: "missing", available: ["f64", "f32"]),
            mentioning: ["'missing'", "'f32'"])
    }

    // MARK: Exact bytes

    func testKnownBytesForATinyTensor() throws {
        let checkpoint = try SafeTensors(
            tensors: [(name: "w", tensor: Tensor<Float>([1, -2]))], metadata: ["format": "pt"])
        // 85 bytes of JSON + 3 spaces = 88 = 0x58, a multiple of 8.
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
            + "   "
        let expected: [UInt8] =
            [0x58, 0, 0, 0, 0, 0, 0, 0]
            + Array(header.utf8)
            + [0x00, 0x00, 0x80, 0x3F]  // 1.0 = 0x3F800000, little-endian
            + [0x00, 0x00, 0x00, 0xC0]  // -2.0 = 0xC0000000
        XCTAssertEqual(try checkpoint.encoded(), expected)
    }

    func testKnownBytesPlaceEightByteDTypesFirst() throws {
        var checkpoint = SafeTensors()
        checkpoint.setTensor(Tensor<Float>([0.5]), named: "a")
        checkpoint.setTensor(Tensor<Double>([0.25]), named: "b")
        // 54 + 54 = 108 bytes of JSON + 4 spaces = 112 = 0x70.
        let header = #"{"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"#
            + #""a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"# + "    "
        let expected: [UInt8] =
            [0x70, 0, 0, 0, 0, 0, 0, 0]
            + Array(header.utf8)
            + [0, 0, 0, 0, 0, 0, 0xD0, 0x3F]  // 0.25 = 0x3FD0000000000000
            + [0, 0, 0, 0x3F]  // 0.5 = 0x3F000000
        XCTAssertEqual(try checkpoint.encoded(), expected)
    }

    func testHeaderIsPaddedWithSpacesToEightByteAlignment() throws {
        for nameLength in 0..<24 {
            let name = String(repeating: "x", count: nameLength)
            let bytes = try SafeTensors(tensors: [(name: name, tensor: Tensor<Double>([1, 2, 3]))]).encoded()
            let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
            XCTAssertEqual((8 + length) % 8, 0, "name length \(nameLength)")
            XCTAssertEqual(bytes.count, 8 + length + 24)
            let header = Array(bytes[8..<(8 + length)])
            let padding = header.reversed().prefix { $0 == UInt8(ascii: " ") }.count
            XCTAssertLessThan(padding, 8, "padding is minimal")
            XCTAssertEqual(header[header.count - padding - 1], UInt8(ascii: "}"), "padding follows the JSON")
            let json = try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any]
            XCTAssertNotNil(json?[name], "the padded header is valid JSON holding the tensor")
        }
    }

    func testEncodingIsDeterministic() throws {
        let a = Tensor<Float>([1, 2]), b = Tensor<Float>([[3]]), c = Tensor<Double>([4])
        var first = SafeTensors(metadata: ["z": "1", "a": "2", "m": "3"])
        first.setTensor(a, named: "a")
        first.setTensor(b, named: "b")
        first.setTensor(c, named: "c")
        var second = SafeTensors(metadata: ["m": "3", "z": "1", "a": "2"])
        second.setTensor(c, named: "c")
        second.setTensor(b, named: "b")
        second.setTensor(a, named: "a")
        XCTAssertEqual(try first.encoded(), try second.encoded())
        XCTAssertEqual(try first.encoded(), try SafeTensors(decoding: first.encoded()).encoded())
    }

    func testEncodingRejectsBadNames() {
        assertThrows(
            try SafeTensors(tensors: [(name: "w", tensor: Tensor<Float>([1])), (name: "w", tensor: Tensor<Float>([2]))]),
            .duplicateTensor(name: "w"), mentioning: ["'w'"])
        assertThrows(
            try SafeTensors(tensors: [(name: "__metadata__", tensor: Tensor<Float>([1]))]),
            .reservedName("__metadata__"), mentioning: ["__metadata__"])
        var checkpoint = SafeTensors()
        checkpoint.setTensor(Tensor<Float>([1]), named: "__metadata__")
        assertThrows(try checkpoint.encoded(), .reservedName("__metadata__"), mentioning: ["reserves"])
    }

    // MARK: Interoperability

    /// Python reads the file with nothing but `json`, `struct` and NumPy, the way the format
    /// is specified, and prints every scalar's bit pattern.
    func testNumPyReadsTheFile() throws {
        guard Self.pythonHasNumPy else { throw XCTSkip("python3 with numpy is not available") }
        let directory = try makeTemporaryDirectory()
        let url = directory.appendingPathComponent("interop.safetensors")
        var checkpoint = SafeTensors(metadata: ["format": "pt", "framework": "tapestry"])
        checkpoint.setTensor(Tensor<Float>(shape: [4, 4], scalars: Self.floatSpecials), named: "dense_1.kernel")
        checkpoint.setTensor(Tensor<Float>([0.5, -0.25, 3]), named: "dense_1.bias")
        checkpoint.setTensor(Tensor<Double>(shape: [2, 8], scalars: Self.doubleSpecials), named: "double")
        checkpoint.setTensor(Tensor<Double>(2.5), named: "scalar")
        try checkpoint.write(to: url)

        let script = """
            import json, struct, sys
            import numpy as np
            raw = open(sys.argv[1], "rb").read()
            (n,) = struct.unpack("<Q", raw[:8])
            header = json.loads(raw[8:8 + n].decode("utf-8"))
            assert (8 + n) % 8 == 0 and raw[8 + n - 1:8 + n] in (b"}", b" ")
            out = {"__metadata__": header.pop("__metadata__")}
            for name, info in header.items():
                begin, end = info["data_offsets"]
                dtype, bits = {"F32": ("<f4", "<u4"), "F64": ("<f8", "<u8")}[info["dtype"]]
                array = np.frombuffer(raw, dtype=dtype, count=(end - begin) // np.dtype(dtype).itemsize,
                                      offset=8 + n + begin).reshape(info["shape"])
                out[name] = {"dtype": info["dtype"], "shape": list(array.shape),
                             "bits": [format(int(b), "x") for b in array.reshape(-1).view(bits)]}
            print(json.dumps(out))
            """
        let output = try runPython(script, arguments: [url.path])
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        XCTAssertEqual(parsed["__metadata__"] as? [String: String], checkpoint.metadata)
        XCTAssertEqual(Set(parsed.keys), Set(checkpoint.names + ["__metadata__"]))
        for name in checkpoint.names {
            let entry = try XCTUnwrap(checkpoint.entries[name])
            let info = try XCTUnwrap(parsed[name] as? [String: Any], name)
            XCTAssertEqual(info["dtype"] as? String, entry.dtype.rawValue, name)
            XCTAssertEqual(info["shape"] as? [Int], entry.shape, name)
            let bits = try XCTUnwrap(info["bits"] as? [String], name).map { UInt64($0, radix: 16) }
            let expected: [UInt64?] = entry.dtype == .float32
                ? try checkpoint.tensor(name, as: Float.self).scalars.map { UInt64($0.bitPattern) }
                : try checkpoint.tensor(name, as: Double.self).scalars.map(\.bitPattern)
            XCTAssertEqual(bits, expected, name)
        }
    }

    // MARK: Corrupt files

    func testShortFilesAndBadHeaderLengths() {
        assertThrows(try SafeTensors(decoding: [1, 2, 3], source: "short.st"),
                     .fileTooShort(byteCount: 3), mentioning: ["short.st", "3 bytes"])
        assertThrows(try SafeTensors(decoding: littleEndian(200_000_000) + [0x7B, 0x7D], source: "big.st"),
                     .headerTooLarge(length: 200_000_000, limit: 100_000_000), mentioning: ["big.st", "200000000"])
        assertThrows(try SafeTensors(decoding: littleEndian(UInt64.max)), .headerTooLarge(length: .max, limit: 100_000_000))
        assertThrows(try SafeTensors(decoding: littleEndian(1000) + Array(repeating: 0x20, count: 92), source: "cut.st"),
                     .headerPastEndOfFile(length: 1000, fileSize: 100), mentioning: ["cut.st", "1000", "92"])
    }

    func testHeaderThatIsNotJSONOrNotAnObject() {
        assertMalformed(#"{"a": "#, at: 14, mentioning: ["end of input"])
        assertMalformed(#"{"a": tru}"#, at: 14)
        assertMalformed(#"{"a":1,}"#, at: 15)
        assertMalformed(#"{"a":01}"#, at: 14, mentioning: ["'1'"])
        assertMalformed(#"{"a":"\x"}"#, at: 15, mentioning: ["escape"])
        assertMalformed(#"{"a":"\ud800"}"#, at: 20, mentioning: ["surrogate"])
        assertMalformed("{\"a\":\"\u{1}\"}", at: 14, mentioning: ["control"])
        assertMalformed(#"{"w":1,"w":2}"#, at: 15, mentioning: ["duplicate key \"w\""])
        assertMalformed(#"{} {}"#, at: 11, mentioning: ["after the JSON value"])
        assertMalformed(String(repeating: "[", count: 100_000), at: 72, mentioning: ["nested"])
        assertMalformed("", at: 8, mentioning: ["end of input"])
        // Invalid UTF-8 inside a key: the offset is the bad byte's.
        assertThrows(try SafeTensors(decoding: file(headerBytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])),
                     .malformedJSON(byteOffset: 10, detail: "string is not valid UTF-8"))

        assertThrows(try SafeTensors(decoding: file(header: "[1, 2]")),
                     .invalidHeader(detail: "the header is a JSON array, not an object"))
        assertThrows(try SafeTensors(decoding: file(header: #"{"__metadata__": [1]}"#)),
                     .invalidHeader(detail: "__metadata__ is a JSON array, not an object"))
        assertThrows(try SafeTensors(decoding: file(header: #"{"__metadata__": {"epoch": 5}}"#)),
                     .invalidHeader(detail: "__metadata__ value for key 'epoch' is a JSON number, not a string"),
                     mentioning: ["'epoch'"])
    }

    func testEntriesWithMissingOrMistypedFields() {
        let cases: [(entry: String, detail: String)] = [
            (#""x""#, "the entry is a JSON string, not an object"),
            (#"{"shape": [2], "data_offsets": [0, 8]}"#, #"the entry has no "dtype""#),
            (#"{"dtype": "F32", "data_offsets": [0, 8]}"#, #"the entry has no "shape""#),
            (#"{"dtype": "F32", "shape": [2]}"#, #"the entry has no "data_offsets""#),
            (#"{"dtype": 32, "shape": [2], "data_offsets": [0, 8]}"#, #""dtype" is a JSON number, not a string"#),
            (#"{"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}"#, #""shape" is a JSON string, not an array"#),
            (#"{"dtype": "F32", "shape": [2, "a"], "data_offsets": [0, 8]}"#, "shape[1] is a JSON string, not an integer"),
            (#"{"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}"#, "shape[0] is negative (-2)"),
            (#"{"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}"#, "shape[0] is 2.0, not an integer"),
            (#"{"dtype": "F32", "shape": [1e1], "data_offsets": [0, 8]}"#, "shape[0] is 1e1, not an integer"),
            (#"{"dtype": "F32", "shape": [99999999999999999999], "data_offsets": [0, 8]}"#,
             "shape[0] is 99999999999999999999, too large"),
            (#"{"dtype": "F32", "shape": [4294967296, 4294967296, 0], "data_offsets": [0, 0]}"#,
             "shape [4294967296, 4294967296, 0] overflows Int"),
            (#"{"dtype": "F64", "shape": [1152921504606846976], "data_offsets": [0, 0]}"#,
             "shape [1152921504606846976] of dtype F64 overflows Int in bytes"),
            (#"{"dtype": "F32", "shape": [2], "data_offsets": [0]}"#, #""data_offsets" is not an array of two integers [begin, end]"#),
            (#"{"dtype": "F32", "shape": [2], "data_offsets": {"0": 8}}"#, #""data_offsets" is not an array of two integers [begin, end]"#),
            (#"{"dtype": "F32", "shape": [2], "data_offsets": [0, "8"]}"#, "data_offsets[1] is a JSON string, not an integer"),
            (#"{"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}"#, "data_offsets[0] is negative (-8)"),
            (#"{"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}"#, "data_offsets [8, 0] end before they begin"),
        ]
        for (entry, detail) in cases {
            assertThrows(try SafeTensors(decoding: file(header: #"{"dense_1.kernel": \#(entry)}"#, data: 8), source: "m.st"),
                         .invalidEntry(tensor: "dense_1.kernel", detail: detail),
                         mentioning: ["m.st", "tensor 'dense_1.kernel'"])
        }
    }

    func testDTypesTapestryCannotCompute() throws {
        // Known dtypes are validated and kept; only the typed accessor refuses them.
        let header = #"{"half": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},"#
            + #" "steps": {"dtype": "I64", "shape": [], "data_offsets": [4, 12]}}"#
        let decoded = try SafeTensors(decoding: file(header: header, data: 12), source: "pt.st")
        XCTAssertEqual(decoded.entries["half"]?.dtype, .float16)
        XCTAssertEqual(decoded.entries["steps"]?.bytes.count, 8)
        assertThrows(try decoded.tensor("half", as: Float.self),
                     .unsupportedDType(tensor: "half", dtype: "F16"), mentioning: ["pt.st", "'half'", "F16"])
        assertThrows(try decoded.tensor("steps", as: Double.self), .unsupportedDType(tensor: "steps", dtype: "I64"))
        // I32 and I64 entries keep their raw little-endian bytes; reading one as a float tensor is a named error.
        let counts = try SafeTensors(
            decoding: file(header: #"{"counts": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}"#, data: 8), source: "i.st")
        XCTAssertEqual(counts.entries["counts"]?.dtype, .int32)
        XCTAssertEqual(counts.entries["counts"]?.scalarCount, 2)
        assertThrows(try counts.tensor("counts", as: Float.self), .unsupportedDType(tensor: "counts", dtype: "I32"),
                     mentioning: ["i.st: tensor 'counts' has dtype I32", "it reads F32 and F64"])
        // An unknown dtype has no known size, so the header cannot be validated at all.
        assertThrows(try SafeTensors(decoding: file(header: #"{"q": {"dtype": "Q4_K", "shape": [2], "data_offsets": [0, 1]}}"#, data: 1)),
                     .unsupportedDType(tensor: "q", dtype: "Q4_K"), mentioning: ["'q'", "Q4_K"])
    }

    func testMisalignedScalarsAreCopiedCorrectly() throws {
        // A 1-byte tensor first puts the F32 scalars at an odd address.
        var header = #"{"u": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "#
            + #""f": {"dtype": "F32", "shape": [2], "data_offsets": [1, 9]}}"#
        header += String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        var bytes = littleEndian(UInt64(header.utf8.count)) + Array(header.utf8) + [7]
        for value: Float in [1.5, -2] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        let decoded = try SafeTensors(decoding: bytes)
        XCTAssertEqual(try decoded.tensor("f", as: Float.self), Tensor<Float>([1.5, -2]))
        XCTAssertEqual(try decoded.tensor("f", as: Double.self), Tensor<Double>([1.5, -2]))
        XCTAssertEqual(decoded.entries["u"]?.bytes, [7])
    }

    func testOffsetsThatDoNotMatchTheShape() {
        assertThrows(
            try SafeTensors(decoding: file(header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: 8)),
            .sizeMismatch(tensor: "w", shape: [3], dtype: "F32", expectedBytes: 12, actualBytes: 8),
            mentioning: ["'w'", "12 bytes", "span 8"])
    }

    func testTruncatedBodyNamesTheTensorAndTheOffsets() throws {
        let kernel = Tensor<Float>(zeros: [784, 64])
        let bytes = try SafeTensors(tensors: [(name: "dense_1.kernel", tensor: kernel)]).encoded()
        let dataStart = bytes.count - 200_704
        let truncated = Array(bytes.prefix(100_000))
        assertThrows(
            try SafeTensors(decoding: truncated, source: "model.safetensors"),
            .dataPastEndOfFile(tensor: "dense_1.kernel", range: 0..<200_704, dataStart: dataStart, fileSize: 100_000),
            mentioning: [
                "model.safetensors", "tensor 'dense_1.kernel' needs bytes 0..<200704 of the data section",
                "file bytes \(dataStart)..<\(dataStart + 200_704)", "the file ends at byte 100000",
            ])
        // Absurd offsets are reported the same way, without overflowing.
        let absurd = #"{"w": {"dtype": "U8", "shape": [9223372036854775807], "data_offsets": [0, 9223372036854775807]}}"#
        assertThrows(try SafeTensors(decoding: file(header: absurd)),
                     .dataPastEndOfFile(tensor: "w", range: 0..<Int.max, dataStart: 104, fileSize: 104))
    }

    func testOverlapsGapsAndTrailingBytes() {
        let two = #"{"dtype": "F32", "shape": [2], "data_offsets": "#
        let gap = #"{"a": \#(two)[0, 8]}, "b": \#(two)[12, 20]}}"#
        assertThrows(
            try SafeTensors(decoding: file(header: #"{"a": \#(two)[0, 8]}, "b": \#(two)[4, 12]}}"#, data: 12)),
            .overlappingData(tensor: "b", range: 4..<12, other: "a", otherRange: 0..<8),
            mentioning: ["'b'", "'a'", "4..<12"])
        assertThrows(
            try SafeTensors(decoding: file(header: #"{"a": \#(two)[0, 8]}, "b": \#(two)[0, 8]}}"#, data: 8)),
            .overlappingData(tensor: "b", range: 0..<8, other: "a", otherRange: 0..<8))
        assertThrows(
            try SafeTensors(decoding: file(header: gap, data: 20)),
            .unusedData(range: 8..<12, dataStart: 8 + gap.utf8.count),
            mentioning: ["8..<12", "file bytes \(16 + gap.utf8.count)..<\(20 + gap.utf8.count)"])
        let trailing = #"{"a": \#(two)[0, 8]}}"#
        assertThrows(
            try SafeTensors(decoding: file(header: trailing, data: 12)),
            .unusedData(range: 8..<12, dataStart: 8 + trailing.utf8.count))
        // Empty tensors may sit at any boundary.
        XCTAssertNoThrow(try SafeTensors(decoding: file(
            header: #"{"e": {"dtype": "F64", "shape": [0, 5], "data_offsets": [8, 8]}, "a": \#(two)[0, 8]}}"#, data: 8)))
    }

    /// Random corruptions of a valid file must decode or throw `CheckpointError`, never
    /// crash; whatever decodes must re-encode to something that decodes the same.
    func testRandomCorruptionsNeverCrash() throws {
        var checkpoint = SafeTensors(metadata: ["format": "pt"])
        checkpoint.setTensor(Tensor<Float>([[1, 2, 3], [4, 5, 6]]), named: "dense.kernel")
        checkpoint.setTensor(Tensor<Float>([0.5, -0.5, 0]), named: "dense.bias")
        checkpoint.setTensor(Tensor<Double>([7]), named: "step")
        let valid = try checkpoint.encoded()
        var generator = SeededRandomNumberGenerator(seed: 2024)
        var decodedCount = 0, rejectedCount = 0
        for _ in 0..<3_000 {
            var bytes = valid
            for _ in 0...generator.nextIndex(below: 4) {
                switch generator.nextIndex(below: 6) {
                case 0: bytes[generator.nextIndex(below: bytes.count)] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes[generator.nextIndex(below: 8)] = UInt8.random(in: 0...255, using: &generator)
                case 2: bytes.removeLast(generator.nextIndex(below: bytes.count))
                case 3:
                    let digits = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) }
                    if let index = digits.randomElement(using: &generator) {
                        bytes[index] = UInt8(0x30 + generator.nextIndex(below: 10))
                    }
                case 4 where bytes.count > 8:
                    let syntax = Array("{}[],:\"\\-0e.".utf8)
                    bytes[8 + generator.nextIndex(below: bytes.count - 8)] = syntax[generator.nextIndex(below: syntax.count)]
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: generator.nextIndex(below: bytes.count + 1))
                }
                if bytes.count < 9 { break }
            }
            do {
                let decoded = try SafeTensors(decoding: bytes)
                decodedCount += 1
                let again = try SafeTensors(decoding: decoded.encoded())
                XCTAssertEqual(again.entries, decoded.entries)
                XCTAssertEqual(again.metadata, decoded.metadata)
            } catch let error as CheckpointError {
                rejectedCount += 1
                XCTAssertTrue(error.description.hasPrefix("<memory>: "))
            }
        }
        XCTAssertGreaterThan(rejectedCount, 2_000)
        XCTAssertGreaterThan(decodedCount, 0, "some mutations (data bytes) keep the file valid")
    }

    // MARK: Files

    func testWriteAndReadFile() throws {
        let directory = try makeTemporaryDirectory()
        let url = directory.appendingPathComponent("model.safetensors")
        let checkpoint = try SafeTensors(tensors: [(name: "w", tensor: Tensor<Float>([[1, 2], [3, 4]]))], metadata: ["epoch": "1"])
        try checkpoint.write(to: url)
        let loaded = try SafeTensors(contentsOf: url)
        XCTAssertEqual(loaded.source, url.path)
        XCTAssertEqual(loaded.entries, checkpoint.entries)
        XCTAssertEqual(loaded.metadata, ["epoch": "1"])
        XCTAssertEqual(try Array(Data(contentsOf: url)), try checkpoint.encoded())

        // Overwriting replaces the whole file.
        let smaller = try SafeTensors(tensors: [(name: "b", tensor: Tensor<Double>([5]))])
        try smaller.write(to: url)
        XCTAssertEqual(try SafeTensors(contentsOf: url).entries, smaller.entries)
        XCTAssertEqual(try temporaryFiles(in: directory), [])
    }

    func testFailedWriteLeavesNoTemporaryFileAndNamesThePath() throws {
        let directory = try makeTemporaryDirectory()
        let checkpoint = try SafeTensors(tensors: [(name: "w", tensor: Tensor<Float>([1]))])

        // The parent "directory" is a regular file (chmod would not stop root).
        let blocker = directory.appendingPathComponent("blocker")
        try Data("not a directory".utf8).write(to: blocker)
        let impossible = blocker.appendingPathComponent("model.safetensors")
        XCTAssertThrowsError(try checkpoint.write(to: impossible)) { error in
            let description = String(describing: error)
            XCTAssertTrue(description.contains(impossible.path), description)
            XCTAssertTrue(description.contains("Not a directory"), description)
            guard case .systemCallFailed(.createTemporaryFile, _, ENOTDIR)? = (error as? FileWriteError)?.reason else {
                return XCTFail("unexpected \(error)")
            }
        }
        XCTAssertEqual(try String(contentsOf: blocker, encoding: .utf8), "not a directory")

        // The target is a non-empty directory: refused before a temporary file is created.
        let occupied = directory.appendingPathComponent("occupied.safetensors")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: occupied.appendingPathComponent("inside"))
        XCTAssertThrowsError(try checkpoint.write(to: occupied)) { error in
            XCTAssertTrue(String(describing: error).contains(occupied.path), "\(error)")
            XCTAssertTrue(String(describing: error).contains("not a regular file"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: occupied.appendingPathComponent("inside"), encoding: .utf8), "keep")
        XCTAssertEqual(try temporaryFiles(in: directory), [])
    }

    func testFailedOverwriteKeepsTheOldFile() throws {
        let directory = try makeTemporaryDirectory()
        let url = directory.appendingPathComponent("model.safetensors")
        let old = try SafeTensors(tensors: [(name: "w", tensor: Tensor<Float>([1, 2, 3]))])
        try old.write(to: url)
        let oldBytes = try Data(contentsOf: url)

        // Encoding fails before any file is touched.
        var bad = SafeTensors()
        bad.setTensor(Tensor<Float>([9]), named: "__metadata__")
        XCTAssertThrowsError(try bad.write(to: url))
        XCTAssertEqual(try Data(contentsOf: url), oldBytes)

        // A failure after the temporary file is complete (as a full disk or a crash would
        // cause): the old file is untouched and the temporary file is removed.
        struct SimulatedFailure: Error {}
        let new = try SafeTensors(tensors: [(name: "w", tensor: Tensor<Float>([4, 5, 6, 7]))]).encoded()
        var temporaryPath = ""
        var file = try AtomicFile(replacing: url)
        try file.append(contentsOf: new)
        do {
            try file.commit(beforeRename: { temporary in
                temporaryPath = temporary.path
                XCTAssertEqual(temporary.deletingLastPathComponent().path, directory.path)
                XCTAssertEqual(try Array(Data(contentsOf: temporary)), new, "complete before the rename")
                throw SimulatedFailure()
            })
            XCTFail("the simulated failure did not stop the commit")
        } catch {
            XCTAssertTrue(error is SimulatedFailure, "\(error)")
        }
        XCTAssertTrue(temporaryPath.contains(".model.safetensors.tapestry-tmp-"), temporaryPath)
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporaryPath))
        XCTAssertEqual(try Data(contentsOf: url), oldBytes)
        XCTAssertEqual(try temporaryFiles(in: directory), [])
    }

    func testLongFileNamesStillWriteAtomically() throws {
        let directory = try makeTemporaryDirectory()
        let url = directory.appendingPathComponent(String(repeating: "m", count: 240) + ".st")
        try AtomicFile.write([UInt8]([1, 2, 3]), to: url)
        XCTAssertEqual(try Array(Data(contentsOf: url)), [1, 2, 3])
        XCTAssertEqual(try temporaryFiles(in: directory), [])
    }

    func testReadingMissingFilesAndDirectoriesNamesThePath() throws {
        let directory = try makeTemporaryDirectory()
        let missing = directory.appendingPathComponent("missing.safetensors")
        assertThrows(try SafeTensors(contentsOf: missing),
                     .fileSystem(operation: "open the file", path: missing.path, code: ENOENT),
                     mentioning: [missing.path, "No such file"])
        assertThrows(try SafeTensors(contentsOf: directory),
                     .fileSystem(operation: "read the file", path: directory.path, code: EISDIR))
        let empty = directory.appendingPathComponent("empty.safetensors")
        try AtomicFile.write([UInt8](), to: empty)
        assertThrows(try SafeTensors(contentsOf: empty), .fileTooShort(byteCount: 0), mentioning: [empty.path])
    }

    // MARK: Helpers

    private func littleEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// A file with the given header (not padded) and `data` zero bytes.
    private func file(header: String, data: Int = 0) -> [UInt8] {
        file(headerBytes: Array(header.utf8), data: data)
    }

    private func file(headerBytes: [UInt8], data: Int = 0) -> [UInt8] {
        littleEndian(UInt64(headerBytes.count)) + headerBytes + [UInt8](repeating: 0, count: data)
    }

    private func assertMalformed(_ header: String, at offset: Int, mentioning words: [String] = [],
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors(decoding: self.file(header: header), source: "h.st"), file: file, line: line) { error in
            guard case .malformedJSON(let byteOffset, _)? = (error as? CheckpointError)?.reason else {
                return XCTFail("expected malformed JSON, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(byteOffset, offset, "\(error)", file: file, line: line)
            let description = String(describing: error)
            for word in ["h.st", "at byte \(offset)"] + words {
                XCTAssertTrue(description.contains(word), "'\(description)' lacks '\(word)'", file: file, line: line)
            }
        }
    }

    private func assertThrows<T>(
        _ expression: @autoclosure () throws -> T, _ reason: CheckpointError.Reason, mentioning words: [String] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let error = error as? CheckpointError else {
                return XCTFail("expected a CheckpointError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.reason, reason, file: file, line: line)
            for word in words {
                XCTAssertTrue(error.description.contains(word), "'\(error)' lacks '\(word)'", file: file, line: line)
            }
        }
    }

    private func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func temporaryFiles(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(AtomicFile.temporaryNameMarker)
        }
    }

    private static let pythonHasNumPy: Bool = {
        (try? runProcess("/usr/bin/env", ["python3", "-c", "import numpy"]))?.status == 0
    }()

    private func runPython(_ script: String, arguments: [String]) throws -> String {
        let result = try Self.runProcess("/usr/bin/env", ["python3", "-c", script] + arguments)
        XCTAssertEqual(result.status, 0, result.error)
        return result.output
    }

    private static func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}
