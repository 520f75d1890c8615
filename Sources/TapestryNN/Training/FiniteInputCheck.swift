// FiniteInputCheck.swift: fit, evaluate and predict refuse a batch holding NaN or infinity,
// naming the sample, instead of training silently to NaN weights.

import Tapestry
import TapestryData

extension Model {
    /// Throws ``ModelError/nonFiniteData(operation:part:sample:element:value:)`` when `inputs`
    /// (a gathered batch, `[samples.count] + sampleShape`) or float `targets` hold a NaN or an
    /// infinity, unless ``checksInputsAreFinite`` is off.
    ///
    /// `samples` are the batch's samples in the dataset's numbering, in batch order. One
    /// branch-free pass over the raw scalars per batch (vectorised); the sample is looked for
    /// only once something non-finite was found.
    func checkFinite(
        inputs: Tensor<Scalar>, targets: Targets<Scalar>?, samples: ArraySlice<Int>, operation: String
    ) throws {
        guard checksInputsAreFinite else { return }
        try Self.requireFinite(inputs, part: "input", samples: samples, operation: operation)
        if case .values(let values)? = targets {
            try Self.requireFinite(values, part: "target", samples: samples, operation: operation)
        }
    }

    private static func requireFinite(
        _ tensor: Tensor<Scalar>, part: String, samples: ArraySlice<Int>, operation: String
    ) throws {
        let firstBad: Int? = tensor.withUnsafeScalars { scalars in
            guard !FiniteScan.allFinite(scalars) else { return nil }
            return scalars.firstIndex { !$0.isFinite }
        }
        guard let firstBad, !samples.isEmpty else { return }
        let perSample = max(tensor.scalarCount / samples.count, 1)
        let position = min(firstBad / perSample, samples.count - 1)
        let value = tensor.withUnsafeScalars { $0[firstBad] }
        throw ModelError.nonFiniteData(
            operation: operation, part: part, sample: samples[samples.startIndex + position],
            element: firstBad % perSample, value: "\(value)")
    }
}

/// Whether a buffer of floating-point scalars holds only finite values, by their bit patterns.
enum FiniteScan {
    /// True when no scalar is NaN or infinite.
    ///
    /// A scalar is not finite exactly when its exponent field is all ones. Adding the
    /// exponent's lowest bit to the masked field carries into the sign bit only then, so one
    /// OR over the buffer answers for all of it, with no branch in the loop.
    static func allFinite<Scalar: BinaryFloatingPoint>(_ scalars: UnsafeBufferPointer<Scalar>) -> Bool {
        guard let base = scalars.baseAddress, !scalars.isEmpty else { return true }
        let raw = UnsafeRawPointer(base)
        if MemoryLayout<Scalar>.size == 4, Scalar.exponentBitCount == 8, Scalar.significandBitCount == 23 {
            return allFinite(raw.assumingMemoryBound(to: UInt32.self), count: scalars.count,
                             exponent: 0x7F80_0000, carry: 0x0080_0000, sign: 0x8000_0000)
        }
        if MemoryLayout<Scalar>.size == 8, Scalar.exponentBitCount == 11, Scalar.significandBitCount == 52 {
            return allFinite(raw.assumingMemoryBound(to: UInt64.self), count: scalars.count,
                             exponent: 0x7FF0_0000_0000_0000, carry: 0x0010_0000_0000_0000, sign: 0x8000_0000_0000_0000)
        }
        return scalars.allSatisfy(\.isFinite)
    }

    @inline(__always)
    private static func allFinite<Bits: FixedWidthInteger & UnsignedInteger>(
        _ words: UnsafePointer<Bits>, count: Int, exponent: Bits, carry: Bits, sign: Bits
    ) -> Bool {
        var any: Bits = 0
        for index in 0..<count {
            any |= (words[index] & exponent) &+ carry
        }
        return any & sign == 0
    }
}
