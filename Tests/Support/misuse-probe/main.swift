// Performs one misuse of Tapestry's API, named by the first argument, so that
// ReleaseMessageTests can check that the trap's message survives a release build.
//
//     misuse-probe matmul     # [2, 3] · [4, 5]
import Foundation
import Tapestry

let misuses: [String: () -> Void] = [
    "matmul": { _ = Tensor<Float>(zeros: [2, 3]).matmul(Tensor(zeros: [4, 5])) },
    "add": { _ = Tensor<Float>(zeros: [2, 3]) + Tensor(zeros: [4]) },
    "reshape": { _ = Tensor<Float>(zeros: [2, 3]).reshaped(to: [4, 5]) },
    "linear": { _ = Tensor<Float>(zeros: [2, 3]).linear(weight: Tensor(zeros: [3, 4]), bias: Tensor(zeros: [5])) },
    "pullback": {
        // A custom op whose pullback returns a [3, 3] cotangent for a [2, 3] operand.
        let tape = Tape<Float>()
        let x = tape.watch(Tensor(zeros: [2, 3]))
        let y = Tensor.differentiable("bad_pullback", operands: [x]) { $0[0] } pullback: { _, _, _ in [Tensor(zeros: [3, 3])] }
        _ = tape.gradient(of: y.sum(), wrt: x)
    },
    "checkPrecondition": {
        // The public check, inlined into this module: its message must survive too.
        let shape = [2, 3]
        checkPrecondition(shape.count == 3, "probe_op: shapes \(shape) and [4, 5] disagree")
    },
    "shadow": {
        // A plain `precondition` in a module that declares the shadow below.
        let shape = [2, 3]
        precondition(shape.count == 3, "shadowed_op: shapes \(shape) and [4, 5] disagree")
    },
    "labels": {
        _ = Tensor.sparseSoftmaxCrossEntropy(logits: Tensor<Float>(zeros: [2, 3]), labels: Tensor<Int32>([0, 7]))
    },
    "onceDifferentiable": {
        // Differentiating the gradient of an op declared once-differentiable.
        let tape = Tape<Float>()
        let x = tape.watch(Tensor([1, 2]))
        let y = Tensor.differentiable("raw_square", operands: [x], isOnceDifferentiable: true) { $0[0] * $0[0] }
            pullback: { g, xs, _ in [Tensor(shape: [2], scalars: zip(g.scalars, xs[0].scalars).map { 2 * $0 * $1 })] }
        let dy = tape.gradient(of: y.sum(), wrt: x, createGraph: true)
        _ = tape.gradient(of: dy.sum(), wrt: x)
    },
    "untrackedPullback": {
        // A custom op not declared once-differentiable whose pullback bypasses the tape.
        let tape = Tape<Float>()
        let x = tape.watch(Tensor([1, 2]))
        let y = Tensor.differentiable("raw_cube", operands: [x]) { $0[0] * $0[0] * $0[0] }
            pullback: { g, xs, _ in [Tensor(shape: [2], scalars: zip(g.scalars, xs[0].scalars).map { 3 * $0 * $1 * $1 })] }
        let dy = tape.gradient(of: y.sum(), wrt: x, createGraph: true)
        _ = tape.gradient(of: (dy * dy).sum(), wrt: x, createGraph: true)
    },
    "mixedTapes": {
        // An op joining tensors of two recording tapes.
        let (outer, inner) = (Tape<Float>(), Tape<Float>())
        let (a, b) = (outer.watch(Tensor([1, 2])), inner.watch(Tensor([3, 4])))
        _ = b * a
    },
]

let arguments = CommandLine.arguments
guard arguments.count == 2, let misuse = misuses[arguments[1]] else {
    print("usage: misuse-probe \(misuses.keys.sorted().joined(separator: "|"))")
    exit(2)
}
misuse()
print("misuse-probe: \(arguments[1]) did not trap")
exit(0)

/// The one-line shadow `checkPrecondition`'s documentation recommends to other modules:
/// this module's `precondition` keeps its message in release builds too.
@_transparent
func precondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
    file: StaticString = #fileID, line: UInt = #line
) {
    checkPrecondition(condition(), message(), file: file, line: line)
}
