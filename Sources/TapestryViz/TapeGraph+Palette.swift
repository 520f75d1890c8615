// The tape graph's colours.
extension TapeGraph {
    /// Node, cluster, edge and gradient-band colours.
    enum Palette {
        static let opBorder = RGBColor(hex: 0x8A99AD)
        static let parameterFill = RGBColor(hex: 0xE3F1DF)
        static let parameterBorder = RGBColor(hex: 0x5E9155)
        static let constantFill = RGBColor(hex: 0xF1F1F1)
        static let constantBorder = RGBColor(hex: 0x9A9A9A)
        static let outputFill = RGBColor(hex: 0xFFE4C2)
        static let outputBorder = RGBColor(hex: 0xD9822B)
        static let clusterFill = RGBColor(hex: 0xF5F8FC)
        static let clusterBorder = RGBColor(hex: 0xB3C0D1)
        static let layerHeader = RGBColor(hex: 0xD5E5F7)
        static let edge = RGBColor(hex: 0x6F7D8E)
        static let noGradient = RGBColor(hex: 0xB5B5B5)
        static let vanishing = RGBColor(hex: 0x2166AC)
        static let normal = RGBColor(hex: 0x767676)
        static let exploding = RGBColor(hex: 0xC62828)
        static let vanishingFill = RGBColor(hex: 0xD6E6F5)
        static let explodingFill = RGBColor(hex: 0xF9D9D6)

        /// Ops recorded by backward sweeps that built a graph, by derivative order 1, 2, 3+:
        /// purple, teal, rose (forward ops stay white).
        static let backwardFills = [RGBColor(hex: 0xEEE5F8), RGBColor(hex: 0xDDF2EE), RGBColor(hex: 0xF9E1EA)]
        static let backwardBorders = [RGBColor(hex: 0x7B52AB), RGBColor(hex: 0x2A8C80), RGBColor(hex: 0xB0456E)]

        /// The fill of an op of derivative `order ≥ 1`.
        static func backwardFill(order: Int) -> RGBColor { backwardFills[min(max(order, 1), 3) - 1] }

        /// The border (and edge colour) of an op of derivative `order ≥ 1`.
        static func backwardBorder(order: Int) -> RGBColor { backwardBorders[min(max(order, 1), 3) - 1] }

        static func color(_ band: GradientBand) -> RGBColor {
            switch band {
            case .vanishing: vanishing
            case .normal: normal
            case .exploding: exploding
            }
        }
    }
}
