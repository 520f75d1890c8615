import Foundation
import Tapestry
import TapestryIO
import TapestryViz

/// The docs' picture of what "grad of grad" records: the Hessian of a tiny function,
/// computed on one tape so that `TapeGraph` shows the forward ops, the first derivative's
/// ops (recorded by a backward sweep with `createGraph`) and the second derivative's ops,
/// each in its own colour.
enum HessianPicture {
    /// f(x) = Σᵢ sin xᵢ · Σⱼ xⱼ, whose Hessian is `Hᵢⱼ = cos xᵢ + cos xⱼ − δᵢⱼ · Σₖ xₖ · sin xᵢ`.
    static func function(_ x: Tensor<Double>) -> Tensor<Double> {
        (x.sin() * x.sum()).sum()
    }

    /// The tape of `hessian(at:of:)` at (1, 2), drawn up to the Hessian.
    static func graph() throws -> TapeGraph {
        let tape = Tape<Double>()
        let x = tape.watch(Tensor([1, 2]), name: "x")
        _ = hessian(at: x, of: function)     // x is tracked: everything is recorded on `tape`
        return try TapeGraph(tape: tape, title: "The Hessian of f(x) = Σ sin xᵢ · Σ xⱼ at (1, 2), recorded on one tape")
    }

    /// The picture's file name.
    static let fileName = "hessian.svg"

    /// Writes `hessian.svg` into `folder`.
    static func write(to folder: FileSystemPath) throws {
        try graph().write(toPath: folder.appending(fileName))
    }
}
