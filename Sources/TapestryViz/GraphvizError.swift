/// A failure reported by the in-process Graphviz bridge.
///
/// Each case carries the text Graphviz itself produced (its `agerr` messages, trimmed),
/// so a caller can show the user exactly what Graphviz objected to.
public enum GraphvizError: Error, Equatable, Sendable {
    /// The DOT text could not be parsed (`agmemread` failed), e.g. `syntax error in line 1 near '}'`.
    case syntax(message: String)
    /// The layout engine rejected the graph or is not installed.
    case layout(engine: String, message: String)
    /// The renderer for the requested output format failed or is not installed.
    case render(format: String, message: String)
    /// Graphviz could not be initialised (`gvContext` returned no context).
    case unavailable(message: String)

    /// Graphviz's own message for this failure.
    public var message: String {
        switch self {
        case .syntax(let message), .layout(_, let message), .render(_, let message),
            .unavailable(let message):
            return message
        }
    }
}

extension GraphvizError: CustomStringConvertible {
    /// A one-line human-readable description, prefixed with the failing stage.
    public var description: String {
        switch self {
        case .syntax(let message):
            return "Graphviz could not parse the DOT input: \(message)"
        case .layout(let engine, let message):
            return "Graphviz layout '\(engine)' failed: \(message)"
        case .render(let format, let message):
            return "Graphviz could not render '\(format)': \(message)"
        case .unavailable(let message):
            return "Graphviz is unavailable: \(message)"
        }
    }
}
