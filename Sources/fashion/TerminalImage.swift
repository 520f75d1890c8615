/// Draws a grayscale image in the terminal with Unicode shading, as the tutorial's
/// `showImage` does with matplotlib: two characters per pixel, darker to lighter.
enum TerminalImage {
    private static let shades: [Character] = [" ", "░", "▒", "▓", "█"]

    /// The image as text, one line per row, framed.
    static func render(pixels: ArraySlice<UInt8>, rows: Int, columns: Int) -> String {
        let values = Array(pixels)
        var lines = ["┌" + String(repeating: "─", count: columns * 2) + "┐"]
        for row in 0..<rows {
            var line = "│"
            for column in 0..<columns {
                let value = Int(values[row * columns + column])
                let shade = shades[min(shades.count - 1, (value * shades.count) / 256)]
                line.append(shade)
                line.append(shade)
            }
            lines.append(line + "│")
        }
        lines.append("└" + String(repeating: "─", count: columns * 2) + "┘")
        return lines.joined(separator: "\n")
    }
}
