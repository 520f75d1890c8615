/// Fonts and colours shared by the charts (internal).
enum ChartTheme {
    static let font = "Helvetica"
    static let boldFont = "Helvetica-Bold"
    static let text = RGBColor(hex: 0x222222)
    static let mutedText = RGBColor(hex: 0x555555)
    static let axis = RGBColor(hex: 0x444444)
    static let frame = RGBColor(hex: 0xB0B0B0)
    static let grid = RGBColor(hex: 0xE6E6E6)
    static let warning = RGBColor(hex: 0xB2182B)
    /// Training series (Tableau blue) and validation series (Tableau orange): distinct for
    /// the common colour-vision deficiencies, and validation is also dashed.
    static let training = RGBColor(hex: 0x1F77B4)
    static let validation = RGBColor(hex: 0xFF7F0E)
    /// Prediction gallery: correct prediction, wrong prediction, true class.
    static let correct = RGBColor(hex: 0x2166AC)
    static let wrong = RGBColor(hex: 0xD6262B)
    static let truth = RGBColor(hex: 0x1B9E3E)
    static let neutralBar = RGBColor(hex: 0xBDBDBD)
}
