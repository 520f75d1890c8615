import CGraphviz
import Foundation

/// In-process Graphviz rendering: DOT text in, SVG, PNG or PDF bytes out.
///
/// Nothing is spawned: the text is parsed with `agmemread`, laid out with `gvLayout` and
/// rendered with `gvRenderData` inside this process. All calls share one `GVC_t` context
/// (created on first use) and are serialised by one process-wide lock, so the functions
/// here may be called from any thread.
///
/// ```swift
/// let svg = try Graphviz.renderSVG("digraph { input -> dense -> softmax }")
/// let png = try Graphviz.render(dotText, layout: .neato, format: .png)
/// ```
public enum Graphviz {
    /// A Graphviz layout engine, named as Graphviz names it (the `-K` option of `dot`).
    public struct Layout: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The engine's name as passed to `gvLayout`, e.g. `"dot"`.
        public let rawValue: String

        /// Creates a layout from an engine name; an unknown name fails at render time
        /// with ``GraphvizError/layout(engine:message:)``.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Hierarchical layered drawing, for directed graphs (model and tape diagrams).
        public static let dot = Layout(rawValue: "dot")
        /// Spring-model layout.
        public static let neato = Layout(rawValue: "neato")
        /// Force-directed layout.
        public static let fdp = Layout(rawValue: "fdp")
        /// Multiscale force-directed layout for large graphs.
        public static let sfdp = Layout(rawValue: "sfdp")
        /// Circular layout.
        public static let circo = Layout(rawValue: "circo")
        /// Radial layout.
        public static let twopi = Layout(rawValue: "twopi")
        /// Layout of clusters packed as rectangles.
        public static let osage = Layout(rawValue: "osage")
        /// Squarified tree map of clusters.
        public static let patchwork = Layout(rawValue: "patchwork")
        /// `neato -n`: nodes keep their `pos` (in points); edges are routed.
        public static let nop = Layout(rawValue: "nop")
        /// `neato -n2`: nodes keep their `pos` and edges keep their spline `pos`
        /// (used by the charts, which place every mark themselves).
        public static let nop2 = Layout(rawValue: "nop2")

        /// The engine name.
        public var description: String { rawValue }
    }

    /// A Graphviz output format, named as Graphviz names it (the `-T` option of `dot`).
    public struct Format: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The format's name as passed to `gvRenderData`, e.g. `"svg"` or `"png:cairo"`.
        public let rawValue: String

        /// Creates a format from its Graphviz name; an unknown name fails at render time
        /// with ``GraphvizError/render(format:message:)``.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Scalable Vector Graphics (UTF-8 XML text).
        public static let svg = Format(rawValue: "svg")
        /// PNG bitmap (cairo renderer, 96 dpi unless the graph sets `dpi`).
        public static let png = Format(rawValue: "png")
        /// PDF document (cairo renderer).
        public static let pdf = Format(rawValue: "pdf")
        /// The input graph as DOT, annotated with the computed layout (`pos`, `bb`, …).
        public static let dot = Format(rawValue: "dot")
        /// DOT annotated with the layout and the detailed drawing operations.
        public static let xdot = Format(rawValue: "xdot")

        /// The format usually meant by a file extension (`svg`, `png`, `pdf`, `dot`/`gv`,
        /// `xdot`), case-insensitively; `nil` for any other extension.
        public init?(fileExtension: String) {
            switch fileExtension.lowercased() {
            case "svg": self = .svg
            case "png": self = .png
            case "pdf": self = .pdf
            case "dot", "gv": self = .dot
            case "xdot": self = .xdot
            default: return nil
            }
        }

        /// The format name.
        public var description: String { rawValue }
    }

    /// Lays out `dot` with `layout` and renders it as `format`, in process.
    ///
    /// - Parameters:
    ///   - dot: A complete DOT graph (`graph {…}` or `digraph {…}`); only the first graph
    ///     in the text is used.
    ///   - layout: The layout engine; overrides any `layout` attribute in the text.
    ///   - format: The output format.
    /// - Returns: The rendered bytes (UTF-8 text for SVG and DOT formats).
    /// - Throws: ``GraphvizError`` carrying Graphviz's own message: `.syntax` when the text
    ///   does not parse, `.layout` when layout fails or Graphviz logs an error while laying
    ///   out (for example a malformed HTML-like label, which Graphviz would otherwise
    ///   silently replace), `.render` when the renderer fails.
    public static func render(
        _ dot: String, layout: Layout = .dot, format: Format = .svg
    ) throws -> [UInt8] {
        let runtime = GraphvizRuntime.shared
        return try runtime.withLockedContext { context in
            guard let graph = dot.withCString({ agmemread($0) }) else {
                throw GraphvizError.syntax(
                    message: runtime.lastErrorMessage() ?? "no graph found in the input")
            }
            defer { agclose(graph) }

            let layoutStatus = gvLayout(context, graph, layout.rawValue)
            // Safe after a failed layout too: it frees whatever layout state exists.
            defer { gvFreeLayout(context, graph) }
            if layoutStatus != 0 || runtime.errorWasLogged() {
                throw GraphvizError.layout(
                    engine: layout.rawValue,
                    message: runtime.lastErrorMessage()
                        ?? "gvLayout returned \(layoutStatus) without a message")
            }

            var data: UnsafeMutablePointer<CChar>?
            var length: UInt32 = 0
            let renderStatus = gvRenderData(context, graph, format.rawValue, &data, &length)
            defer {
                if let data { gvFreeRenderData(data) }
            }
            guard renderStatus == 0, let data else {
                throw GraphvizError.render(
                    format: format.rawValue,
                    message: runtime.lastErrorMessage()
                        ?? "gvRenderData returned \(renderStatus) without a message")
            }
            return [UInt8](UnsafeRawBufferPointer(start: data, count: Int(length)))
        }
    }

    /// Lays out `dot` with `layout` and returns the SVG document as a string.
    ///
    /// - Throws: ``GraphvizError``, as ``render(_:layout:format:)``.
    public static func renderSVG(_ dot: String, layout: Layout = .dot) throws -> String {
        String(decoding: try render(dot, layout: layout, format: .svg), as: UTF8.self)
    }

    /// The version of the Graphviz library in use, e.g. `"2.43.0"`.
    ///
    /// - Throws: ``GraphvizError/unavailable(message:)`` if Graphviz cannot be initialised.
    public static func version() throws -> String {
        try GraphvizRuntime.shared.withLockedContext { context in
            guard let text = gvcVersion(context) else { return "unknown" }
            return String(cString: text)
        }
    }
}
