extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// The scalars nested like NumPy prints them, summarised with `…` past 1,000 scalars.
    ///
    /// ```
    /// [[1.0, 2.0],
    ///  [3.0, 4.0]]
    /// ```
    public var description: String {
        let summarise = scalarCount > 1000
        return withUnsafeScalars { scalars in
            if rank == 0 { return "\(scalars[0])" }
            var text = ""
            format(scalars, dimension: 0, offset: 0, indent: 1, summarise: summarise, into: &text)
            return text
        }
    }

    /// The description plus the shape and scalar type.
    public var debugDescription: String {
        "Tensor<\(Scalar.self)>(shape: \(shape)\(node == nil ? "" : ", tracked"), \(description))"
    }

    private func format(
        _ scalars: UnsafeBufferPointer<Scalar>, dimension: Int, offset: Int, indent: Int,
        summarise: Bool, into text: inout String
    ) {
        let size = shape[dimension]
        let stride = shape[(dimension + 1)...].reduce(1, *)
        let edge = 3
        let indices: [Int?] = summarise && size > 2 * edge
            ? Array(0..<edge) + [nil] + Array((size - edge)..<size)
            : Array(0..<size)
        text += "["
        for (position, index) in indices.enumerated() {
            if position > 0 {
                text += dimension == rank - 1 ? ", " : "," + String(repeating: "\n", count: rank - dimension - 1) + String(repeating: " ", count: indent)
            }
            guard let index else { text += "..."; continue }
            if dimension == rank - 1 {
                text += "\(scalars[offset + index])"
            } else {
                format(scalars, dimension: dimension + 1, offset: offset + index * stride,
                       indent: indent + 1, summarise: summarise, into: &text)
            }
        }
        text += "]"
    }
}
