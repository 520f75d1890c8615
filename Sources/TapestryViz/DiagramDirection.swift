/// The direction in which a diagram's data flows: Keras's `rankdir` for `plot_model`.
public enum DiagramDirection: Sendable, Hashable {
    /// From top to bottom (`rankdir=TB`), Keras's default.
    case topToBottom
    /// From left to right (`rankdir=LR`), for wide pages and slides.
    case leftToRight

    /// The Graphviz `rankdir` value.
    var rankdir: String {
        switch self {
        case .topToBottom: "TB"
        case .leftToRight: "LR"
        }
    }
}
