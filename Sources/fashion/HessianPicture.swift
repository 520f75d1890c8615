import Foundation
import Tapestry
import TapestryViz

/// The docs' picture of what "grad of grad" records: the Hessian of a tiny function,
/// computed on one tape so that `TapeGraph` shows the forward ops, the first derivative's
/// ops (recorded by a backward sweep with `createGraph`) and the second derivative's ops,
/// each in its own colour.
enum HessianPicture {
    /// f(x) = x₀² · x₁ + sin x₁, whose Hessian at (1, 2) is [[2x₁, 2x₀], [2x₀, −sin x₁]].
    static func function(_ x: Tensor<Double>) -> Tensor<Double> {
        x[0].squared() * x[1] + x[1].sin()
    }

    /// The tape of `hessian(at:of:)` at (1, 2), drawn up to the Hessian.
    static func graph() throws -> TapeGraph {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2]), name: "x")
        _ = hessian(at: x, of: function)     // x is tracked: everything is recorded on `tape`
        return try TapeGraph(tape: tape, title: "The Hessian of f(x) = x₀²·x₁ + sin x₁ at (1, 2), recorded on one tape")
    }

    /// Writes `hessian.svg` into `folder`.
    static func write(to folder: URL) throws {
        try graph().write(to: folder.appendingPathComponent("hessian.svg"))
    }
}
