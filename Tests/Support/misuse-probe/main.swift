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
    "labels": {
        _ = Tensor.sparseSoftmaxCrossEntropy(logits: Tensor<Float>(zeros: [2, 3]), labels: Tensor<Int32>([0, 7]))
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
