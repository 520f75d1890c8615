import Tapestry

/// A `Dense` layer's planned step: `activation(input · kernel + bias)` into a buffer
/// pre-filled with the bias (one BLAS call accumulates the product, as the `linear` op
/// does), then the activation (ReLU from a scratch buffer, softmax in place); backward, the
/// activation's pullback and the three products of the `linear`
/// op's pullback.
///
/// A large layer (the Fashion MLP's first, 32 × 784 × 64) splits its products over the
/// `HelperThreads` by rows of the kernel (`DenseForwardParts`, `DenseBackwardParts`).
final class DenseStepPlan<Scalar: TensorScalar>: LayerStepPlan {
    /// The fewest multiply-adds of a product per part when it is split: 400K (about 10 µs
    /// of one core), well above the hand-off's cost of a microsecond or less.
    static var multiplyAddsPerPart: Int { 400_000 }

    private let layer: Dense<Scalar>
    private let inputSize: Int, outputSize: Int
    private let activation: PlannedActivation
    private let output: StepBuffer<Scalar>
    /// ReLU's input forward, its masked cotangent backward (empty for other activations).
    private let scratch: StepBuffer<Scalar>
    private let inputGradient: StepBuffer<Scalar>
    /// The input of the last `forward`, which `backward` needs.
    private var input: UnsafePointer<Scalar>
    /// The most parts a product may be split into, the forward's partial sums of all parts
    /// but the first (`(maximumParts − 1) × maximumBatchSize × outputSize`), and the split
    /// products' parts (see `DenseStepParts.swift`).
    private let maximumParts: Int
    private let partialSums: StepBuffer<Scalar>
    private let forwardParts: DenseForwardParts<Scalar>, backwardParts: DenseBackwardParts<Scalar>

    let outputSampleShape: [Int]
    let parameters: [Parameter<Scalar>]

    init(layer: Dense<Scalar>, activation: PlannedActivation, maximumBatchSize: Int) {
        self.layer = layer
        (inputSize, outputSize) = (layer.inputSize, layer.outputSize)
        self.activation = activation
        output = StepBuffer(count: maximumBatchSize * outputSize)
        scratch = StepBuffer(count: activation == .relu ? maximumBatchSize * outputSize : 0)
        inputGradient = StepBuffer(count: maximumBatchSize * inputSize)
        input = UnsafePointer(inputGradient.base)
        let largest = maximumBatchSize * inputSize * outputSize
        // Planned for the most threads, so a plan made while `HelperThreads.width` is 1 splits once it is not.
        maximumParts = Swift.max(1, Swift.min(HelperThreads.maximumWidth, largest / Self.multiplyAddsPerPart, inputSize / 16))
        partialSums = StepBuffer(count: (maximumParts - 1) * maximumBatchSize * outputSize)
        forwardParts = DenseForwardParts(inputSize: inputSize, outputSize: outputSize, partialSums: partialSums.base)
        backwardParts = DenseBackwardParts(inputSize: inputSize, outputSize: outputSize, placeholder: partialSums.base)
        outputSampleShape = [outputSize]
        parameters = [layer.kernel, layer.bias]
    }

    var isValid: Bool {
        // Element by element: an array literal here would allocate at every step.
        let kernel = layer.kernel.value.shape, bias = layer.bias.value.shape
        return kernel.count == 2 && kernel[0] == inputSize && kernel[1] == outputSize && bias.count == 1 && bias[0] == outputSize
    }

    func forward(_ input: UnsafePointer<Scalar>, rows: Int) -> UnsafePointer<Scalar> {
        self.input = input
        let kernel = layer.kernel.scalarBase, bias = layer.bias.scalarBase
        // ReLU reads the affine map from its own buffer (see `StepKernels.relu`).
        let affine = activation == .relu ? scratch.base : output.base
        let parts = parts(rows: rows)
        if parts == 1 {
            StepKernels.fillRows(affine, with: bias, rows: rows, width: outputSize)
            StepKernels.gemm(input, kernel, into: affine, m: rows, n: outputSize, k: inputSize, accumulating: true)
        } else {
            let work = forwardParts
            (work.input, work.kernel, work.bias, work.output, work.rows, work.parts) = (input, kernel, bias, affine, rows, parts)
            HelperThreads.run(parts: parts, of: work)
            StepKernels.add(parts - 1, from: partialSums.base, to: affine, count: rows * outputSize)
        }
        switch activation {
        case .linear: break
        case .relu: StepKernels.relu(affine, into: output.base, count: rows * outputSize)
        case .softmax: StepKernels.softmax(output.base, rows: rows, width: outputSize)
        }
        return UnsafePointer(output.base)
    }

    func backward(
        outputGradient: UnsafeMutablePointer<Scalar>, rows: Int,
        parameterGradients: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>, needsInputGradient: Bool
    ) -> UnsafeMutablePointer<Scalar>? {
        var g = UnsafePointer(outputGradient)
        switch activation {
        case .linear: break
        case .relu:
            StepKernels.reluGradient(g, output: output.base, into: scratch.base, count: rows * outputSize)
            g = UnsafePointer(scratch.base)
        case .softmax: StepKernels.softmaxGradient(outputGradient, output: output.base, rows: rows, width: outputSize)
        }
        let parts = parts(rows: rows)
        if parts == 1 {
            StepKernels.gemm(input, transposingA: true, g, into: parameterGradients[0], m: inputSize, n: outputSize, k: rows)
            StepKernels.columnSums(g, rows: rows, width: outputSize, into: parameterGradients[1])
            guard needsInputGradient else { return nil }
            StepKernels.gemm(g, layer.kernel.scalarBase, transposingB: true, into: inputGradient.base,
                             m: rows, n: inputSize, k: outputSize)
            return inputGradient.base
        }
        // Each part: its rows of the kernel's gradient and its columns of the input's.
        let work = backwardParts
        (work.input, work.outputGradient, work.kernel) = (input, g, layer.kernel.scalarBase)
        (work.kernelGradient, work.biasGradient) = (parameterGradients[0], parameterGradients[1])
        (work.inputGradient, work.rows, work.parts) = (needsInputGradient ? inputGradient.base : nil, rows, parts)
        HelperThreads.run(parts: parts, of: work)
        return work.inputGradient
    }

    /// How many parts a product on `rows` samples is split into (1: not split).
    private func parts(rows: Int) -> Int {
        guard maximumParts > 1 else { return 1 }
        return Swift.max(1, Swift.min(maximumParts, HelperThreads.width, rows * inputSize * outputSize / Self.multiplyAddsPerPart))
    }
}

/// The planned step of a layer that only gives samples another shape (`Flatten`,
/// `Reshape`): row-major scalars stay where they are, so both passes hand their buffer on.
final class ReshapingStepPlan<Scalar: TensorScalar>: LayerStepPlan {
    let outputSampleShape: [Int]
    var parameters: [Parameter<Scalar>] { [] }
    var isValid: Bool { true }

    init(outputSampleShape: [Int]) { self.outputSampleShape = outputSampleShape }

    func forward(_ input: UnsafePointer<Scalar>, rows: Int) -> UnsafePointer<Scalar> { input }

    func backward(
        outputGradient: UnsafeMutablePointer<Scalar>, rows: Int,
        parameterGradients: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>, needsInputGradient: Bool
    ) -> UnsafeMutablePointer<Scalar>? {
        needsInputGradient ? outputGradient : nil
    }
}

/// The planned step of a standalone `ReLU` layer.
final class ReLUStepPlan<Scalar: TensorScalar>: LayerStepPlan {
    let outputSampleShape: [Int]
    var parameters: [Parameter<Scalar>] { [] }
    var isValid: Bool { true }
    private let width: Int
    private let output: StepBuffer<Scalar>
    private let inputGradient: StepBuffer<Scalar>

    init(sampleShape: [Int], maximumBatchSize: Int) {
        outputSampleShape = sampleShape
        width = sampleShape.reduce(1, *)
        output = StepBuffer(count: maximumBatchSize * width)
        inputGradient = StepBuffer(count: maximumBatchSize * width)
    }

    func forward(_ input: UnsafePointer<Scalar>, rows: Int) -> UnsafePointer<Scalar> {
        StepKernels.relu(input, into: output.base, count: rows * width)
        return UnsafePointer(output.base)
    }

    func backward(
        outputGradient: UnsafeMutablePointer<Scalar>, rows: Int,
        parameterGradients: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>, needsInputGradient: Bool
    ) -> UnsafeMutablePointer<Scalar>? {
        guard needsInputGradient else { return nil }
        StepKernels.reluGradient(outputGradient, output: output.base, into: inputGradient.base, count: rows * width)
        return inputGradient.base
    }
}

extension Parameter {
    /// The first scalar of the current value, for a planned step to read during the step
    /// (the parameter keeps the storage alive; an update replaces or rewrites it between
    /// steps, so it is read again at every step).
    var scalarBase: UnsafePointer<Scalar> {
        value.withUnsafeScalars { scalars in
            guard let base = scalars.baseAddress else {
                fatalError("\(localName): a planned step needs a non-empty parameter, got shape \(value.shape)")
            }
            return base
        }
    }
}
