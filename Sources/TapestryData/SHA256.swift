import CLibCrypto
import Foundation

/// An incremental SHA-256 over OpenSSL's libcrypto (its SHA-NI / AVX2 code runs at several
/// hundred MB/s here, so hashing the 55 MB of Fashion-MNIST costs ~0.03 s).
///
/// Tapestry links the system libcrypto rather than building swift-crypto's copy of
/// BoringSSL, which took minutes of every clean build for this one function.
public final class SHA256 {
    private let context: OpaquePointer

    /// Starts a digest.
    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("SHA256: libcrypto could not initialise a SHA-256 context (out of memory?)")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds bytes.
    public func update(bufferPointer bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The digest as 64 lowercase hexadecimal digits; call it once, after the last update.
    public func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.prefix(Int(length)).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] },
                      as: UTF8.self)
    }

    /// The hexadecimal SHA-256 of `bytes`.
    public static func hexDigest(of bytes: some ContiguousBytes) -> String {
        let hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }
}
