/// A grayscale image as plain pixels, e.g. one 28×28 Fashion-MNIST sample.
public struct GrayscaleImage: Sendable, Equatable {
    /// Height in pixels.
    public let rows: Int
    /// Width in pixels.
    public let columns: Int
    /// Row-major intensities, `rows × columns` of them; 0 is no ink (the background of
    /// MNIST-style data), 255 is full ink.
    public let pixels: [UInt8]

    /// Creates an image from row-major pixels.
    ///
    /// - Throws: ``ChartInputError`` unless `rows` and `columns` are positive and
    ///   `pixels.count == rows × columns`.
    public init(rows: Int, columns: Int, pixels: [UInt8]) throws {
        guard rows > 0, columns > 0 else {
            throw ChartInputError("image size \(rows)×\(columns) is not positive")
        }
        let (expected, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, pixels.count == expected else {
            throw ChartInputError("image of \(rows)×\(columns) pixels was given \(pixels.count) pixel values")
        }
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }

    /// The intensity at (`row`, `column`).
    public subscript(row: Int, column: Int) -> UInt8 {
        pixels[row * columns + column]
    }
}
