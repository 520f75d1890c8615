// ZipArchive.swift: the parts of the ZIP format (PKWARE APPNOTE) a `.npz` archive uses: read
// stored and deflated members, including ZIP64 sizes and offsets; write stored or deflated
// members (without ZIP64: an archive over 4 GiB is refused with a clear error).

/// A ZIP archive's member list, read from its central directory.
struct ZipArchive {
    /// One member: where its bytes are and how they are stored.
    struct Member {
        let name: String
        let flags: UInt16
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    /// Why an archive or one member did not read.
    struct Failure: Error {
        let detail: String
        var member: String? = nil
    }

    /// The largest ratio of inflated to deflated size deflate can reach (1032:1), with slack:
    /// a member announcing more is rejected before anything is allocated.
    static let maximumInflationRatio = 1040

    let members: [Member]

    /// Reads the member list of the archive in `raw`.
    init(reading raw: UnsafeRawBufferPointer) throws(Failure) {
        let reader = ByteReader(raw)
        // The end-of-central-directory record: 22 bytes and a comment of up to 65535.
        let endSignature: UInt32 = 0x0605_4B50
        var end: Int?
        if raw.count >= 22 {
            var candidate = raw.count - 22
            let lowest = max(0, raw.count - 22 - 65535)
            while candidate >= lowest {
                if reader.uint32(at: candidate) == endSignature,
                   Int(reader.uint16(at: candidate + 20) ?? 0) <= raw.count - candidate - 22 {
                    end = candidate
                    break
                }
                candidate -= 1
            }
        }
        guard let end else { throw Failure(detail: "no end-of-central-directory record (not a ZIP file, or truncated)") }
        let disk = reader.uint16(at: end + 4) ?? 0
        let directoryDisk = reader.uint16(at: end + 6) ?? 0
        var count = Int(reader.uint16(at: end + 10) ?? 0)
        var directorySize = Int(reader.uint32(at: end + 12) ?? 0)
        var directoryOffset = Int(reader.uint32(at: end + 16) ?? 0)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the ZIP64 end record.
            guard end >= 20, reader.uint32(at: end - 20) == 0x0706_4B50, let recordOffset = reader.uint64(at: end - 12) else {
                throw Failure(detail: "the ZIP64 end-of-central-directory locator is missing")
            }
            guard raw.count >= 56, recordOffset <= UInt64(raw.count - 56), reader.uint32(at: Int(recordOffset)) == 0x0606_4B50 else {
                throw Failure(detail: "the ZIP64 end-of-central-directory record is missing or out of the file")
            }
            let record = Int(recordOffset)
            let counts = reader.uint64(at: record + 32) ?? 0
            let size = reader.uint64(at: record + 40) ?? 0
            let offset = reader.uint64(at: record + 48) ?? 0
            guard counts <= UInt64(raw.count), size <= UInt64(raw.count), offset <= UInt64(raw.count) else {
                throw Failure(detail: "the ZIP64 central directory lies outside the file")
            }
            count = Int(counts)
            directorySize = Int(size)
            directoryOffset = Int(offset)
        } else if disk != 0 || directoryDisk != 0 {
            throw Failure(detail: "multi-volume ZIP archives are not supported")
        }
        guard directoryOffset <= raw.count, directorySize <= raw.count - directoryOffset else {
            throw Failure(detail: "the central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file")
        }
        // Every entry takes at least 46 bytes, which bounds the count by the input.
        guard count <= directorySize / 46 else {
            throw Failure(detail: "the central directory claims \(count) members in \(directorySize) bytes")
        }
        var members: [Member] = []
        members.reserveCapacity(count)
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<count {
            guard position <= directoryEnd - 46, reader.uint32(at: position) == 0x0201_4B50,
                  let flags = reader.uint16(at: position + 8), let method = reader.uint16(at: position + 10),
                  let crc = reader.uint32(at: position + 16), let compressed32 = reader.uint32(at: position + 20),
                  let uncompressed32 = reader.uint32(at: position + 24), let nameLength = reader.uint16(at: position + 28),
                  let extraLength = reader.uint16(at: position + 30), let commentLength = reader.uint16(at: position + 32),
                  let offset32 = reader.uint32(at: position + 42)
            else { throw Failure(detail: "central directory entry \(index) at byte \(position) is malformed") }
            let nameStart = position + 46
            let extraStart = nameStart + Int(nameLength)
            let next = extraStart + Int(extraLength) + Int(commentLength)
            guard next <= directoryEnd else {
                throw Failure(detail: "central directory entry \(index) runs past the directory's end")
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[nameStart..<extraStart]), as: UTF8.self)
            var compressed = UInt64(compressed32)
            var uncompressed = UInt64(uncompressed32)
            var offset = UInt64(offset32)
            // The ZIP64 extended-information field holds, in order, each value that is 0xFFFFFFFF.
            var extra = extraStart
            while extra + 4 <= extraStart + Int(extraLength) {
                let id = reader.uint16(at: extra) ?? 0
                let size = Int(reader.uint16(at: extra + 2) ?? 0)
                guard extra + 4 + size <= extraStart + Int(extraLength) else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    func next64() throws(Failure) -> UInt64 {
                        guard field + 8 <= extra + 4 + size, let value = reader.uint64(at: field) else {
                            throw Failure(detail: "the ZIP64 field of '\(name)' is too short", member: name)
                        }
                        field += 8
                        return value
                    }
                    if uncompressed32 == 0xFFFF_FFFF { uncompressed = try next64() }
                    if compressed32 == 0xFFFF_FFFF { compressed = try next64() }
                    if offset32 == 0xFFFF_FFFF { offset = try next64() }
                }
                extra += 4 + size
            }
            guard compressed <= UInt64(raw.count), offset <= UInt64(raw.count),
                  uncompressed <= UInt64(Int.max / 2) else {
                throw Failure(detail: "its sizes or offset lie outside the file", member: name)
            }
            members.append(Member(name: name, flags: flags, method: method, crc32: crc,
                                  compressedSize: Int(compressed), uncompressedSize: Int(uncompressed),
                                  localHeaderOffset: Int(offset)))
            position = next
        }
        self.members = members
    }

    /// The uncompressed bytes of `member`, checked against its CRC-32.
    static func contents(of member: Member, in raw: UnsafeRawBufferPointer) throws(Failure) -> [UInt8] {
        func failure(_ detail: String) -> Failure { Failure(detail: detail, member: member.name) }
        let reader = ByteReader(raw)
        let local = member.localHeaderOffset
        guard local <= raw.count - 30, reader.uint32(at: local) == 0x0403_4B50,
              let nameLength = reader.uint16(at: local + 26), let extraLength = reader.uint16(at: local + 28) else {
            throw failure("no local file header at byte \(local)")
        }
        guard member.flags & 0x1 == 0 else { throw failure("the member is encrypted") }
        let start = local + 30 + Int(nameLength) + Int(extraLength)
        guard start <= raw.count, member.compressedSize <= raw.count - start else {
            throw failure("its \(member.compressedSize) bytes at byte \(start) run past the end of the file (\(raw.count) bytes)")
        }
        let data = UnsafeRawBufferPointer(rebasing: raw[start..<(start + member.compressedSize)])
        let bytes: [UInt8]
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw failure("a stored member of \(member.compressedSize) bytes announces \(member.uncompressedSize)")
            }
            bytes = Array(data)
        case 8:
            let (limit, overflow) = member.compressedSize.multipliedReportingOverflow(by: maximumInflationRatio)
            guard overflow || member.uncompressedSize <= limit + 64 else {
                throw failure("\(member.compressedSize) deflated bytes cannot inflate to the \(member.uncompressedSize) announced")
            }
            do {
                bytes = try RawDeflate.inflate(data, expectedCount: member.uncompressedSize)
            } catch {
                throw failure(error.detail)
            }
        default:
            throw failure("compression method \(member.method) is not supported (Tapestry reads stored and deflated members)")
        }
        let crc = bytes.withUnsafeBytes { RawDeflate.crc32($0) }
        guard crc == member.crc32 else {
            throw failure("CRC-32 mismatch (the member says \(hex(member.crc32)), its bytes give \(hex(crc)))")
        }
        return bytes
    }
}

/// Builds a ZIP archive in memory, member by member.
struct ZipWriter {
    private(set) var bytes: [UInt8] = []
    private var directory: [UInt8] = []
    private var count = 0

    /// Appends a member named `name` holding `contents`, deflated if `compressing`.
    ///
    /// - Throws: `Failure` if the archive would need ZIP64 (a member or the archive over 4 GiB,
    ///   or more than 65535 members).
    mutating func add(_ name: String, contents: [UInt8], compressing: Bool) throws(ZipArchive.Failure) {
        let stored = compressing ? contents.withUnsafeBytes { RawDeflate.deflate($0) } : contents
        let crc = contents.withUnsafeBytes { RawDeflate.crc32($0) }
        let nameBytes = Array(name.utf8)
        let limit = Int(UInt32.max) - 1
        guard contents.count <= limit, stored.count <= limit, bytes.count <= limit - 30 - nameBytes.count - stored.count,
              count < 0xFFFF, nameBytes.count <= 0xFFFF else {
            throw ZipArchive.Failure(detail: "the archive would exceed 4 GiB or 65535 members, which needs ZIP64 (Tapestry writes archives without it)", member: name)
        }
        // Bit 11: the name is UTF-8. Time and date: 1980-01-01 00:00, so output is reproducible.
        let flags: UInt16 = nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
        let method: UInt16 = compressing ? 8 : 0
        let offset = bytes.count
        var local = ByteWriter()
        local.uint32(0x0403_4B50); local.uint16(20); local.uint16(flags); local.uint16(method)
        local.uint16(0); local.uint16(0x0021); local.uint32(crc)
        local.uint32(UInt32(stored.count)); local.uint32(UInt32(contents.count))
        local.uint16(UInt16(nameBytes.count)); local.uint16(0)
        bytes += local.bytes
        bytes += nameBytes
        bytes += stored

        var entry = ByteWriter()
        entry.uint32(0x0201_4B50); entry.uint16(0x0314); entry.uint16(20); entry.uint16(flags); entry.uint16(method)
        entry.uint16(0); entry.uint16(0x0021); entry.uint32(crc)
        entry.uint32(UInt32(stored.count)); entry.uint32(UInt32(contents.count))
        entry.uint16(UInt16(nameBytes.count)); entry.uint16(0); entry.uint16(0); entry.uint16(0); entry.uint16(0)
        entry.uint32(0o100644 << 16); entry.uint32(UInt32(offset))
        directory += entry.bytes
        directory += nameBytes
        count += 1
    }

    /// The archive: the members, the central directory and its end record.
    func finished() throws(ZipArchive.Failure) -> [UInt8] {
        guard bytes.count + directory.count < Int(UInt32.max) else {
            throw ZipArchive.Failure(detail: "the archive would exceed 4 GiB, which needs ZIP64 (Tapestry writes archives without it)")
        }
        var end = ByteWriter()
        end.uint32(0x0605_4B50); end.uint16(0); end.uint16(0); end.uint16(UInt16(count)); end.uint16(UInt16(count))
        end.uint32(UInt32(directory.count)); end.uint32(UInt32(bytes.count)); end.uint16(0)
        return bytes + directory + end.bytes
    }
}

/// Little-endian integers at byte offsets of a buffer; `nil` past its end.
struct ByteReader {
    let raw: UnsafeRawBufferPointer
    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    func uint16(at offset: Int) -> UInt16? { value(at: offset, width: 2).map { UInt16($0) } }
    func uint32(at offset: Int) -> UInt32? { value(at: offset, width: 4).map { UInt32($0) } }
    func uint64(at offset: Int) -> UInt64? { value(at: offset, width: 8) }

    private func value(at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, offset <= raw.count - width else { return nil }
        var result: UInt64 = 0
        for index in 0..<width { result |= UInt64(raw[offset + index]) << (8 * index) }
        return result
    }
}

/// Little-endian integers appended to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func uint16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
    mutating func uint32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
    mutating func uint64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) } }
}

/// `0x1234abcd`.
func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
