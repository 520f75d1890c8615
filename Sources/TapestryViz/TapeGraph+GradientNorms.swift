import Foundation
import Tapestry

// Gradient norms: the L2 norm of each cotangent, how it is written, and the check that
// gradients belong to the drawn tape.
extension TapeGraph {
    /// The L2 norm of `tensor`: the square root of the sum of its squared scalars, summed in
    /// `Double` in storage order.
    public static func norm<Scalar: TensorScalar>(of tensor: Tensor<Scalar>) -> Double {
        tensor.withUnsafeScalars { scalars in
            // The generic conversion to Double is ~100 ns a scalar when unspecialised (5 ms
            // for the Fashion MLP's gradients); the common scalar types get a concrete loop.
            if Scalar.self == Float.self {
                return scalars.withMemoryRebound(to: Float.self) { sumOfSquares($0) }.squareRoot()
            }
            if Scalar.self == Double.self {
                return scalars.withMemoryRebound(to: Double.self) { sumOfSquares($0) }.squareRoot()
            }
            return scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        }
    }

    private static func sumOfSquares(_ scalars: UnsafeBufferPointer<Float>) -> Double {
        scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
    }

    private static func sumOfSquares(_ scalars: UnsafeBufferPointer<Double>) -> Double {
        scalars.reduce(0.0) { $0 + $1 * $1 }
    }

    /// A norm as the graph writes it: three significant digits (`0.0123`, `1.23e-05`), `0`,
    /// `NaN` or `∞`.
    public static func formattedNorm(_ norm: Double) -> String {
        if norm.isNaN { return "NaN" }
        if norm.isInfinite { return "∞" }
        if norm == 0 { return "0" }
        return String(format: "%.3g", norm)
    }

    /// The norms of `gradients` after checking that they belong to `entries`' tape.
    static func checkedNorms<Scalar>(
        _ gradients: Gradients<Scalar>, for entries: [TapeEntry]
    ) throws -> [Double?] {
        guard gradients.cotangents.count >= entries.count else {
            throw ChartInputError(
                "gradients have \(gradients.cotangents.count) cotangents for a tape of \(entries.count) entries")
        }
        for entry in entries {
            if let cotangent = gradients.cotangents[entry.index], cotangent.shape != entry.shape {
                throw ChartInputError(
                    "the cotangent of entry \(entry.index) (\(entry.op)) has shape \(cotangent.shape), "
                        + "the entry \(entry.shape): the gradients belong to another tape")
            }
        }
        return norms(gradients, count: entries.count)
    }

    static func norms<Scalar>(_ gradients: Gradients<Scalar>, count: Int) -> [Double?] {
        (0..<count).map { index in
            index < gradients.cotangents.count ? gradients.cotangents[index].map { norm(of: $0) } : nil
        }
    }
}
