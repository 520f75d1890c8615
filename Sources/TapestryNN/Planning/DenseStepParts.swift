import Tapestry

// The split products of a planned `Dense` step (see `DenseStepPlan`): each part takes the
// same rows of the kernel (columns of the input) at every step, so a helper thread finds
// its rows of the kernel, of the kernel's gradient and of the optimizer's moments in its
// own core's cache. Made once per plan; `HelperThreads` hands them out without allocating.

/// The rows of the kernel (columns of the input) that `part` of `parts` multiplies:
/// contiguous, as even as possible, the same at every step.
func kernelRows(ofPart part: Int, of parts: Int, inputSize: Int) -> Range<Int> {
    (inputSize * part / parts)..<(inputSize * (part + 1) / parts)
}

/// The forward product `bias + input · kernel`, split by rows of the kernel: part 0 adds
/// its share to the output pre-filled with the bias, the others write partial sums that
/// the caller adds after.
final class DenseForwardParts<Scalar: TensorScalar>: ParallelWork {
    let inputSize: Int, outputSize: Int
    /// The `(maximum parts − 1)` partial sums, `maximumBatchSize × outputSize` apart.
    let partialSums: UnsafeMutablePointer<Scalar>
    var input: UnsafePointer<Scalar>, kernel: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>
    var output: UnsafeMutablePointer<Scalar>
    var rows = 0, parts = 1

    init(inputSize: Int, outputSize: Int, partialSums: UnsafeMutablePointer<Scalar>) {
        (self.inputSize, self.outputSize, self.partialSums) = (inputSize, outputSize, partialSums)
        (input, kernel, bias, output) = (UnsafePointer(partialSums), UnsafePointer(partialSums), UnsafePointer(partialSums), partialSums)
    }

    func runPart(_ part: Int) {
        let slice = kernelRows(ofPart: part, of: parts, inputSize: inputSize)
        if part == 0 { StepKernels.fillRows(output, with: bias, rows: rows, width: outputSize) }
        StepKernels.gemm(input + slice.lowerBound, kernel + slice.lowerBound * outputSize,
                         into: part == 0 ? output : partialSums + (part - 1) * rows * outputSize,
                         m: rows, n: outputSize, k: slice.count, accumulating: part == 0, lda: inputSize)
    }
}

/// The backward products, split by rows of the kernel: each part writes its rows of the
/// kernel's gradient and, when asked, its columns of the input's; part 0 also the bias's.
final class DenseBackwardParts<Scalar: TensorScalar>: ParallelWork {
    let inputSize: Int, outputSize: Int
    var input: UnsafePointer<Scalar>, outputGradient: UnsafePointer<Scalar>, kernel: UnsafePointer<Scalar>
    var kernelGradient: UnsafeMutablePointer<Scalar>, biasGradient: UnsafeMutablePointer<Scalar>
    var inputGradient: UnsafeMutablePointer<Scalar>?
    var rows = 0, parts = 1

    init(inputSize: Int, outputSize: Int, placeholder: UnsafeMutablePointer<Scalar>) {
        (self.inputSize, self.outputSize) = (inputSize, outputSize)
        (input, outputGradient, kernel) = (UnsafePointer(placeholder), UnsafePointer(placeholder), UnsafePointer(placeholder))
        (kernelGradient, biasGradient) = (placeholder, placeholder)
    }

    func runPart(_ part: Int) {
        let slice = kernelRows(ofPart: part, of: parts, inputSize: inputSize)
        StepKernels.gemm(input + slice.lowerBound, transposingA: true, outputGradient,
                         into: kernelGradient + slice.lowerBound * outputSize,
                         m: slice.count, n: outputSize, k: rows, lda: inputSize)
        if part == 0 { StepKernels.columnSums(outputGradient, rows: rows, width: outputSize, into: biasGradient) }
        if let inputGradient {
            StepKernels.gemm(outputGradient, kernel + slice.lowerBound * outputSize, transposingB: true,
                             into: inputGradient + slice.lowerBound, m: rows, n: slice.count, k: outputSize,
                             ldb: outputSize, ldc: inputSize)
        }
    }
}
