import Foundation
import TapestryIO

/// A picture described as a DOT graph and drawn by Graphviz.
///
/// Conforming types only say what to draw (``makeGraph()``) and with which layout engine;
/// rendering to SVG, PNG or PDF and writing files come for free.
public protocol GraphvizPicture: Sendable {
    /// The layout engine the graph is meant for.
    var layout: Graphviz.Layout { get }

    /// Builds the DOT graph for the picture. Pure: the same value gives the same graph.
    func makeGraph() -> DOTGraph
}

extension GraphvizPicture {
    /// The DOT text of the picture.
    public var dotSource: String { makeGraph().source }

    /// Renders the picture in process.
    ///
    /// - Throws: ``GraphvizError`` if Graphviz fails.
    public func render(format: Graphviz.Format = .svg) throws -> [UInt8] {
        try Graphviz.render(dotSource, layout: layout, format: format)
    }

    /// Renders the picture as an SVG document.
    ///
    /// - Throws: ``GraphvizError`` if Graphviz fails.
    public func renderSVG() throws -> String {
        try Graphviz.renderSVG(dotSource, layout: layout)
    }

    /// Renders the picture and writes it atomically to `url` with `AtomicFile`: a failure
    /// leaves any previous file whole.
    ///
    /// - Parameters:
    ///   - url: The file to write.
    ///   - format: The output format; `nil` picks it from the file extension
    ///     (`svg`, `png`, `pdf`, `dot`/`gv`, `xdot`), defaulting to SVG.
    /// - Throws: ``GraphvizError`` if rendering fails (nothing is written then),
    ///   `FileWriteError` (naming the file and the system's reason) if writing fails.
    public func write(to url: URL, format: Graphviz.Format? = nil) throws {
        let chosen = format ?? Graphviz.Format(fileExtension: url.pathExtension) ?? .svg
        try AtomicFile.write(try render(format: chosen), to: url)
    }
}

/// A chart was given values it cannot draw (for example a non-square confusion matrix).
public struct ChartInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong with the input.
    public let message: String

    /// Creates an error with a message that names the offending input.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
