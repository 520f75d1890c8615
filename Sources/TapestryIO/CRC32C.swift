// CRC32C.swift: the Castagnoli CRC-32 (CRC-32C) that TFRecord files, and so TensorBoard event
// files, checksum their records with — not zlib's CRC-32, which ZIP uses.

/// The CRC-32C checksum (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78) and the
/// masked form TFRecord stores.
///
/// ```swift
/// CRC32C.checksum(of: Array("123456789".utf8))   // 0xE3069283
/// ```
public enum CRC32C {
    /// The byte-at-a-time lookup table of the reflected polynomial.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(of bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }

    /// TFRecord's masked checksum: the CRC rotated right by 15 bits plus 0xA282EAD8, so a
    /// checksum of data that itself holds checksums stays well distributed.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The masked CRC-32C of `bytes`, as stored in a TFRecord.
    public static func maskedChecksum(of bytes: some Sequence<UInt8>) -> UInt32 {
        masked(checksum(of: bytes))
    }
}
