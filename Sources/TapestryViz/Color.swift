import Foundation

/// An sRGB colour with components in 0...1 (internal helper for the charts).
struct RGBColor: Hashable, Sendable {
    var red: Double
    var green: Double
    var blue: Double

    /// A colour from `0xRRGGBB`.
    init(hex: UInt32) {
        red = Double((hex >> 16) & 0xFF) / 255
        green = Double((hex >> 8) & 0xFF) / 255
        blue = Double(hex & 0xFF) / 255
    }

    init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A gray level, 0 black … 255 white.
    init(gray: UInt8) {
        let value = Double(gray) / 255
        self.init(red: value, green: value, blue: value)
    }

    /// `#rrggbb`, as Graphviz and SVG expect.
    var hex: String {
        func byte(_ component: Double) -> Int { Int((min(max(component, 0), 1) * 255).rounded()) }
        return String(format: "#%02x%02x%02x", byte(red), byte(green), byte(blue))
    }

    /// WCAG relative luminance, 0 (black) … 1 (white).
    var relativeLuminance: Double {
        func linear(_ c: Double) -> Double {
            c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Black or white, whichever has the higher WCAG contrast ratio on this colour; the
    /// better of the two is always at least 4.58:1 (WCAG AA for normal text).
    var contrastingText: RGBColor {
        let onWhite = 1.05 / (relativeLuminance + 0.05)
        let onBlack = (relativeLuminance + 0.05) / 0.05
        return onBlack >= onWhite ? RGBColor(hex: 0x000000) : RGBColor(hex: 0xFFFFFF)
    }

    /// Linear interpolation towards `other` (`t` = 0 gives `self`).
    func mixed(with other: RGBColor, _ t: Double) -> RGBColor {
        RGBColor(
            red: red + (other.red - red) * t,
            green: green + (other.green - green) * t,
            blue: blue + (other.blue - blue) * t)
    }
}

/// A sequential colour scale through evenly spaced stops.
struct SequentialScale: Sendable {
    let stops: [RGBColor]

    /// ColorBrewer "Blues" (9 classes): light to dark, readable in gray scale too.
    static let blues = SequentialScale(stops: [
        0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B,
    ].map(RGBColor.init(hex:)))

    /// The colour at `t` in 0...1 (clamped; NaN counts as 0).
    func color(at t: Double) -> RGBColor {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = clamped * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], position - Double(index))
    }
}
