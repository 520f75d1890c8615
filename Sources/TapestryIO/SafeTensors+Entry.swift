// SafeTensors+Entry.swift: one stored tensor — dtype, shape and raw bytes — and its conversion
// to a `Tensor`.

import Tapestry

extension SafeTensors {
    /// One stored tensor: its dtype, shape and raw little-endian bytes.
    ///
    /// An entry is always consistent: its byte count is `scalarCount * dtype.byteWidth`.
    /// Entries decoded from a file share the file's buffer instead of copying it, so the
    /// buffer lives as long as any of its entries.
    public struct Entry: Equatable, Sendable {
        /// The scalar type as stored.
        public let dtype: DType
        /// The size of each dimension, outermost first.
        public let shape: [Int]
        private let storage: ArraySlice<UInt8>

        /// The scalars, row-major, little-endian (a copy; see `withUnsafeBytes(_:)`).
        public var bytes: [UInt8] { Array(storage) }

        /// The number of bytes (`scalarCount * dtype.byteWidth`).
        public var byteCount: Int { storage.count }

        /// The number of scalars (the product of `shape`).
        public var scalarCount: Int { storage.count / dtype.byteWidth }

        /// Calls `body` with the raw little-endian bytes, without copying them.
        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try storage.withUnsafeBytes(body)
        }

        /// Captures a tensor's scalars (not its tape tracking).
        ///
        /// - Precondition: `S.dtypeName` is a safetensors dtype whose size is
        ///   `MemoryLayout<S>.size` (true of `Float` and `Double`).
        public init<S: TensorScalar>(_ tensor: Tensor<S>) {
            guard let dtype = DType(rawValue: S.dtypeName), dtype.byteWidth == MemoryLayout<S>.size else {
                failPrecondition(
                    "SafeTensors.Entry: \(S.self).dtypeName '\(S.dtypeName)' is not a safetensors dtype of"
                        + " \(MemoryLayout<S>.size) bytes")
            }
            var bytes = tensor.withUnsafeScalars { Array(UnsafeRawBufferPointer($0)) }
            Self.convertLittleEndian(&bytes, width: dtype.byteWidth)
            self.init(dtype: dtype, shape: tensor.shape, bytes: bytes[...])
        }

        /// An entry from already validated parts.
        init(dtype: DType, shape: [Int], bytes: ArraySlice<UInt8>) {
            self.dtype = dtype
            self.shape = shape
            self.storage = bytes
        }

        /// The scalars as a tensor of `S`, converting F32 to F64 (exact) but never F64 to
        /// F32 (lossy).
        func tensor<S: TensorScalar>(named name: String, as _: S.Type, source: String) throws -> Tensor<S> {
            let count = scalarCount
            if dtype.rawValue == S.dtypeName && dtype.byteWidth == MemoryLayout<S>.size {
                #if _endian(little)
                // Suitably aligned bytes (the usual case) are the scalars as they are.
                let aligned = storage.withUnsafeBytes { raw -> Tensor<S>? in
                    guard let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<S>.alignment == 0 else {
                        return nil
                    }
                    return raw.withMemoryRebound(to: S.self) { Tensor(shape: shape, scalars: $0) }
                }
                if let aligned { return aligned }
                #endif
                var tensor = Tensor<S>(zeros: shape)
                tensor.withUnsafeMutableScalars { scalars in
                    let destination = UnsafeMutableRawBufferPointer(scalars)
                    storage.withUnsafeBytes { destination.copyMemory(from: $0) }
                    #if _endian(big)
                    Self.reverseElementBytes(destination, width: dtype.byteWidth)
                    #endif
                }
                return tensor
            }
            if dtype == .float32 && S.dtypeName == DType.float64.rawValue {
                var tensor = Tensor<S>(zeros: shape)
                tensor.withUnsafeMutableScalars { scalars in
                    storage.withUnsafeBytes { raw in
                        for index in 0..<count {
                            let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))
                            scalars[index] = S(Float(bitPattern: bits))
                        }
                    }
                }
                return tensor
            }
            if dtype == .float32 || dtype == .float64,
               S.dtypeName == DType.float32.rawValue || S.dtypeName == DType.float64.rawValue {
                throw CheckpointError(
                    source: source, reason: .dtypeMismatch(tensor: name, stored: dtype.rawValue, requested: S.dtypeName))
            }
            throw CheckpointError(source: source, reason: .unsupportedDType(tensor: name, dtype: dtype.rawValue))
        }

        /// Turns host-order elements into little-endian ones (a no-op on little-endian hosts).
        private static func convertLittleEndian(_ bytes: inout [UInt8], width: Int) {
            #if _endian(big)
            bytes.withUnsafeMutableBytes { reverseElementBytes($0, width: width) }
            #endif
        }

        /// Reverses the bytes of each `width`-byte element.
        private static func reverseElementBytes(_ buffer: UnsafeMutableRawBufferPointer, width: Int) {
            guard width > 1 else { return }
            var start = 0
            while start + width <= buffer.count {
                var low = start, high = start + width - 1
                while low < high {
                    buffer.swapAt(low, high)
                    low += 1
                    high -= 1
                }
                start += width
            }
        }
    }
}
