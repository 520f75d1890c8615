// SafeTensors+Encoding.swift: a checkpoint as the bytes of a safetensors file, deterministically.

// MARK: - Encoding

extension SafeTensors {
    /// The checkpoint as the bytes of a safetensors file (deterministic: see the type's
    /// documentation for the order).
    ///
    /// - Throws: `CheckpointError` with reason `.reservedName` if a tensor is named
    ///   `__metadata__`.
    public func encoded() throws -> [UInt8] {
        if entries[Self.metadataKey] != nil {
            throw CheckpointError(source: source, reason: .reservedName(Self.metadataKey))
        }
        let ordered = orderedEntries
        var header: [UInt8] = []
        header.append(UInt8(ascii: "{"))
        var needsComma = false
        if !metadata.isEmpty {
            appendJSONString(Self.metadataKey, to: &header)
            header.append(contentsOf: Array(":{".utf8))
            for (index, key) in metadata.keys.sorted().enumerated() {
                if index > 0 { header.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &header)
                header.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key] ?? "", to: &header)
            }
            header.append(UInt8(ascii: "}"))
            needsComma = true
        }
        var offset = 0
        for (name, entry) in ordered {
            if needsComma { header.append(UInt8(ascii: ",")) }
            needsComma = true
            appendJSONString(name, to: &header)
            let shape = entry.shape.map(String.init).joined(separator: ",")
            let end = offset + entry.byteCount
            let fields = ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            header.append(contentsOf: Array(fields.utf8))
            offset = end
        }
        header.append(UInt8(ascii: "}"))
        // Pad so the data section starts at a multiple of 8 (8 + N ≡ 0 mod 8).
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for (_, entry) in ordered { entry.withUnsafeBytes { file.append(contentsOf: $0) } }
        return file
    }
}

/// Appends `string` as a JSON string literal (UTF-8, escaping quotes, backslashes and
/// control characters).
private func appendJSONString(_ string: String, to output: inout [UInt8]) {
    let hexDigits = Array("0123456789abcdef".utf8)
    output.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            output.append(contentsOf: Array("\\u00".utf8))
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0xF)])
        default: output.append(byte)
        }
    }
    output.append(UInt8(ascii: "\""))
}
