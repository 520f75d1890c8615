// SafeTensors+Decoding.swift: the bytes of a safetensors file, validated, as a checkpoint.

// MARK: - Decoding

extension SafeTensors {
    /// Decodes and validates the bytes of a safetensors file.
    ///
    /// Every structural property is checked before anything is returned, so no input can
    /// crash the decoder or make it allocate without bound. The tensors' bytes are shared
    /// with `bytes`, never copied; what decoding adds is bounded by the header: the parsed
    /// header (8 bytes per JSON value, released before the entries are built), then about
    /// 350 bytes per tensor (its dictionary slot, name and shape). A header of many tiny
    /// tensors is the worst case: 3.6 × the header's size (measured on a 90 MB header of
    /// 900,000 one-byte tensors), so at most about 400 MB for the largest header accepted
    /// (`maximumHeaderLength`). For a checkpoint of real tensors the header is a sliver of
    /// the file and the addition a small fraction of the input. Checked:
    /// - the 8-byte header length is present, at most `maximumHeaderLength`, and within the file;
    /// - the header is UTF-8 JSON (nesting at most 64 deep, no duplicate keys) holding an
    ///   object whose `__metadata__`, if present, maps strings to strings;
    /// - each tensor has a `dtype` string naming a standard safetensors dtype, a `shape` of
    ///   non-negative integers whose product (and byte size) does not overflow, and
    ///   `data_offsets` `[begin, end]` with `0 ≤ begin ≤ end` spanning exactly
    ///   shape × dtype size bytes, all within the file;
    /// - the tensors tile the data section exactly: no overlaps, gaps or trailing bytes.
    ///
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - source: the file's name for error messages.
    /// - Throws: `CheckpointError` whose description names `source` and the tensor or byte
    ///   offset at fault.
    public init(decoding bytes: [UInt8], source: String = "<memory>") throws {
        func fail(_ reason: CheckpointError.Reason) -> CheckpointError {
            CheckpointError(source: source, reason: reason)
        }
        guard bytes.count >= 8 else { throw fail(.fileTooShort(byteCount: bytes.count)) }
        var length: UInt64 = 0
        for index in (0..<8).reversed() { length = length << 8 | UInt64(bytes[index]) }
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw fail(.headerTooLarge(length: length, limit: Self.maximumHeaderLength))
        }
        let headerLength = Int(length)
        guard headerLength <= bytes.count - 8 else {
            throw fail(.headerPastEndOfFile(length: length, fileSize: bytes.count))
        }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart

        // The parsed header (its tape) is released when `decodeHeader` returns, before the
        // entries are built, so the two never take memory at the same time.
        var (metadata, layout) = try Self.decodeHeader(bytes, dataStart: dataStart, fail: fail)

        // The tensors must tile the data section: sorted by offset, each starts where the
        // previous one ended, and the last ends at the end of the file.
        layout.sort { a, b in
            (a.range.lowerBound, a.range.upperBound, a.name) < (b.range.lowerBound, b.range.upperBound, b.name)
        }
        var cursor = 0
        var previous: (name: String, range: Range<Int>)?
        for item in layout {
            if item.range.lowerBound < cursor, let previous {
                throw fail(.overlappingData(
                    tensor: item.name, range: item.range, other: previous.name, otherRange: previous.range))
            }
            if item.range.lowerBound > cursor {
                throw fail(.unusedData(range: cursor..<item.range.lowerBound, dataStart: dataStart))
            }
            cursor = item.range.upperBound
            previous = (item.name, item.range)
        }
        if cursor < dataSize {
            throw fail(.unusedData(range: cursor..<dataSize, dataStart: dataStart))
        }

        var entries: [String: Entry] = [:]
        entries.reserveCapacity(layout.count)
        for item in layout {
            let slice = bytes[(dataStart + item.range.lowerBound)..<(dataStart + item.range.upperBound)]
            entries[item.name] = Entry(dtype: item.dtype, shape: item.shape, bytes: slice)
        }
        self.entries = entries
        self.metadata = metadata
        self.source = source
    }

    /// One tensor's place in the data section, as the header describes it.
    private typealias Layout = (name: String, dtype: DType, shape: [Int], range: Range<Int>)

    /// Parses the header (`bytes[8..<dataStart]`) into metadata and the tensors' layout.
    ///
    /// The parser shares `bytes` (no copy) and adds 8 bytes per JSON value (see
    /// `StrictJSONParser`); the layout holds one small record per tensor.
    private static func decodeHeader(
        _ bytes: [UInt8], dataStart: Int, fail: (CheckpointError.Reason) -> CheckpointError
    ) throws -> (metadata: [String: String], layout: [Layout]) {
        let dataSize = bytes.count - dataStart
        let root: JSONValue
        do {
            root = try StrictJSONParser.parse(bytes[8..<dataStart])
        } catch {
            throw fail(.malformedJSON(byteOffset: error.byteOffset, detail: error.detail))
        }
        guard let members = try? root.members else {
            throw fail(.invalidHeader(detail: "the header is a JSON \(root.kind), not an object"))
        }

        var metadata: [String: String] = [:]
        var layout: [Layout] = []
        layout.reserveCapacity(members.underestimatedCount)
        for (name, value) in members {
            if name == Self.metadataKey {
                metadata = try Self.decodeMetadata(value, fail: fail)
                continue
            }
            let entry = try Self.decodeEntry(name: name, value: value, fail: fail)
            guard entry.range.upperBound <= dataSize else {
                throw fail(.dataPastEndOfFile(
                    tensor: name, range: entry.range, dataStart: dataStart, fileSize: bytes.count))
            }
            layout.append((name, entry.dtype, entry.shape, entry.range))
        }
        return (metadata, layout)
    }

    private static func decodeMetadata(
        _ value: JSONValue, fail: (CheckpointError.Reason) -> CheckpointError
    ) throws -> [String: String] {
        guard let pairs = try? value.members else {
            throw fail(.invalidHeader(detail: "__metadata__ is a JSON \(value.kind), not an object"))
        }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard let text = try? item.string() else {
                throw fail(.invalidHeader(
                    detail: "__metadata__ value for key '\(key)' is a JSON \(item.kind), not a string"))
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func decodeEntry(
        name: String, value: JSONValue, fail: (CheckpointError.Reason) -> CheckpointError
    ) throws -> (dtype: DType, shape: [Int], range: Range<Int>) {
        func invalid(_ detail: String) -> CheckpointError { fail(.invalidEntry(tensor: name, detail: detail)) }
        guard let fields = try? value.members else {
            throw invalid("the entry is a JSON \(value.kind), not an object")
        }
        var dtypeValue: JSONValue?, shapeValue: JSONValue?, offsetsValue: JSONValue?
        for (key, field) in fields {
            switch key {
            case "dtype": dtypeValue = field
            case "shape": shapeValue = field
            case "data_offsets": offsetsValue = field
            default: break  // Unknown fields are ignored, as by the reference implementation.
            }
        }

        guard let dtypeValue else { throw invalid("the entry has no \"dtype\"") }
        guard let dtypeName = try? dtypeValue.string() else {
            throw invalid("\"dtype\" is a JSON \(dtypeValue.kind), not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail(.unsupportedDType(tensor: name, dtype: dtypeName))
        }

        guard let shapeValue else { throw invalid("the entry has no \"shape\"") }
        guard let dimensionValues = try? shapeValue.elements else {
            throw invalid("\"shape\" is a JSON \(shapeValue.kind), not an array")
        }
        var shape: [Int] = []
        var scalarCount = 1
        for (index, dimensionValue) in dimensionValues.enumerated() {
            let dimension = try nonNegativeInteger(dimensionValue, orThrow: { invalid("shape[\(index)] \($0)") })
            // Reject a running product that overflows even if a later dimension is 0, so
            // that `Tensor`'s own left-to-right count cannot overflow either.
            let (product, overflow) = scalarCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                let listed = dimensionValues.map { (try? $0.numberText()) ?? $0.kind.rawValue }
                throw invalid("shape [\(listed.joined(separator: ", "))] overflows Int")
            }
            scalarCount = product
            shape.append(dimension)
        }
        let (byteCount, overflow) = scalarCount.multipliedReportingOverflow(by: dtype.byteWidth)
        guard !overflow else { throw invalid("shape \(shape) of dtype \(dtypeName) overflows Int in bytes") }

        guard let offsetsValue else { throw invalid("the entry has no \"data_offsets\"") }
        guard let offsetValues = try? offsetsValue.elements, case let pair = Array(offsetValues.prefix(3)), pair.count == 2
        else { throw invalid("\"data_offsets\" is not an array of two integers [begin, end]") }
        let begin = try nonNegativeInteger(pair[0], orThrow: { invalid("data_offsets[0] \($0)") })
        let end = try nonNegativeInteger(pair[1], orThrow: { invalid("data_offsets[1] \($0)") })
        guard begin <= end else { throw invalid("data_offsets [\(begin), \(end)] end before they begin") }
        guard end - begin == byteCount else {
            throw fail(.sizeMismatch(
                tensor: name, shape: shape, dtype: dtypeName, expectedBytes: byteCount, actualBytes: end - begin))
        }
        return (dtype, shape, begin..<end)
    }

    /// `value` as an `Int ≥ 0`; otherwise throws `error(description of the problem)`.
    private static func nonNegativeInteger(_ value: JSONValue, orThrow error: (String) -> CheckpointError) throws -> Int {
        guard let text = try? value.numberText() else { throw error("is a JSON \(value.kind), not an integer") }
        guard !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            throw error("is \(text), not an integer")
        }
        guard !text.hasPrefix("-") || text == "-0" else { throw error("is negative (\(text))") }
        guard let integer = Int(text) else { throw error("is \(text), too large") }
        return integer
    }
}
