// SafeTensorsDType.swift: the scalar types a safetensors file can hold.

extension SafeTensors {
    /// A scalar type of the safetensors format, named as in the header.
    public enum DType: String, CaseIterable, Sendable {
        /// `BOOL`, one byte per element.
        case bool = "BOOL"
        /// `U8`.
        case uint8 = "U8"
        /// `I8`.
        case int8 = "I8"
        /// `F8_E5M2`, an 8-bit float.
        case float8E5M2 = "F8_E5M2"
        /// `F8_E4M3`, an 8-bit float.
        case float8E4M3 = "F8_E4M3"
        /// `F8_E8M0`, an 8-bit power-of-two scale.
        case float8E8M0 = "F8_E8M0"
        /// `I16`.
        case int16 = "I16"
        /// `U16`.
        case uint16 = "U16"
        /// `F16`, IEEE half precision.
        case float16 = "F16"
        /// `BF16`, bfloat16.
        case bfloat16 = "BF16"
        /// `I32`.
        case int32 = "I32"
        /// `U32`.
        case uint32 = "U32"
        /// `F32`, IEEE single precision (`Float`).
        case float32 = "F32"
        /// `F64`, IEEE double precision (`Double`).
        case float64 = "F64"
        /// `C64`, a pair of F32.
        case complex64 = "C64"
        /// `I64`.
        case int64 = "I64"
        /// `U64`.
        case uint64 = "U64"

        /// The size of one element in bytes.
        public var byteWidth: Int {
            switch self {
            case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0: return 1
            case .int16, .uint16, .float16, .bfloat16: return 2
            case .int32, .uint32, .float32: return 4
            case .float64, .complex64, .int64, .uint64: return 8
            }
        }
    }
}
