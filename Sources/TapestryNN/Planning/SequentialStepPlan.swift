import Tapestry

/// A `Sequential` model's training step planned for one sample shape and a largest batch:
/// every layer's `LayerStepPlan`, the loss's value and gradient, and reusable gradient
/// tensors for the optimizer — a step that allocates nothing once made.
///
/// The plan is made by `fit` and `trainOnBatch` when every layer and the loss can be
/// planned, and checked before every step: the same layers (by identity), the same
/// trainable parameters in the same order, each of the planned shape. Anything else
/// (a layer swapped, a parameter made untrainable or given another shape) makes a new
/// plan, or sends the step to the tape. Parameter values are read at every step, so a
/// value the user sets between steps is used.
final class SequentialStepPlan<Scalar: TensorScalar> {
    /// The batch size the buffers hold; a step may have fewer samples.
    let maximumBatchSize: Int
    /// The shape of one input sample.
    let sampleShape: [Int]
    /// Scalars per input sample and per output sample.
    let inputWidth: Int, outputWidth: Int
    /// The shape of one output sample.
    let outputSampleShape: [Int]
    /// The loss's kind.
    let loss: PlannedLoss
    /// The parameters the gradients belong to, in order (the model's trainable ones).
    let parameters: [Parameter<Scalar>]
    /// One gradient per parameter, overwritten by every `run` (the optimizer reads them).
    private(set) var gradients: [Tensor<Scalar>]
    /// The batch's inputs, `maximumBatchSize × inputWidth`, written before `run`.
    let inputs: StepBuffer<Scalar>
    /// The batch's labels, for a loss that takes labels.
    let labels: StepBuffer<Int32>
    /// The batch's target values (`maximumBatchSize × outputWidth`), for one that takes values.
    let targetValues: StepBuffer<Scalar>
    /// The predictions of the last `run` (the last layer's output buffer).
    private(set) var predictions: UnsafePointer<Scalar>

    private let layerIdentities: [ObjectIdentifier]
    private let layerPlans: [any LayerStepPlan<Scalar>]
    /// Where each layer's parameters start in `parameters` (one more entry: the end).
    private let parameterStarts: [Int]
    /// Whether some earlier layer has parameters, so a layer must pass a cotangent back.
    private let needsInputGradient: [Bool]
    private let gradientPointers: UnsafeMutableBufferPointer<UnsafeMutablePointer<Scalar>>
    private let outputGradient: StepBuffer<Scalar>

    /// A plan for `layers` on samples of `sampleShape`, or `nil` when a layer or the loss
    /// cannot be planned, or when the layers' parameters are not exactly `parameters`.
    init?(layers: [any Layer<Scalar>], sampleShape: [Int], maximumBatchSize: Int, loss: any Loss,
          parameters: [Parameter<Scalar>]) {
        guard maximumBatchSize > 0, let planned = (loss as? any PlannableLoss)?.plannedLoss else { return nil }
        var plans: [any LayerStepPlan<Scalar>] = []
        var shape = sampleShape
        for layer in layers {
            guard let plannable = layer as? any PlannableLayer<Scalar>,
                  let plan = plannable.makeStepPlan(sampleShape: shape, maximumBatchSize: maximumBatchSize),
                  (try? layer.outputShape(forInputShape: shape)) == plan.outputSampleShape else { return nil }
            plans.append(plan)
            shape = plan.outputSampleShape
        }
        var plannedParameters: [Parameter<Scalar>] = []
        for plan in plans { plannedParameters += plan.parameters }
        guard plannedParameters.count == parameters.count,
              zip(plannedParameters, parameters).allSatisfy({ $0 === $1 }) else { return nil }
        self.maximumBatchSize = maximumBatchSize
        self.sampleShape = sampleShape
        inputWidth = sampleShape.reduce(1, *)
        outputSampleShape = shape
        outputWidth = shape.reduce(1, *)
        guard outputWidth > 0, planned.takesLabels ? shape.count == 1 : true else { return nil }
        self.loss = planned
        self.parameters = parameters
        gradients = parameters.map { Tensor(zeros: $0.value.shape) }
        inputs = StepBuffer(count: maximumBatchSize * inputWidth)
        labels = StepBuffer(count: planned.takesLabels ? maximumBatchSize : 0)
        targetValues = StepBuffer(count: planned.takesLabels ? 0 : maximumBatchSize * outputWidth)
        outputGradient = StepBuffer(count: maximumBatchSize * outputWidth)
        predictions = UnsafePointer(outputGradient.base)
        layerIdentities = layers.map { ObjectIdentifier($0) }
        layerPlans = plans
        var starts = [0]
        for plan in plans { starts.append(starts[starts.count - 1] + plan.parameters.count) }
        parameterStarts = starts
        needsInputGradient = plans.indices.map { starts[$0] > 0 }
        gradientPointers = .allocate(capacity: Swift.max(parameters.count, 1))
        gradientPointers.initialize(repeating: outputGradient.base)
    }

    deinit { gradientPointers.deallocate() }

    /// Whether the plan still fits: the same layers, the same trainable parameters (by
    /// identity, in order), each of the shape planned for, and the same sample shape.
    func fits(layers: [any Layer<Scalar>], parameters: [Parameter<Scalar>], sampleShape: [Int]) -> Bool {
        guard layers.count == layerIdentities.count, parameters.count == self.parameters.count,
              sampleShape == self.sampleShape else { return false }
        for index in layers.indices where ObjectIdentifier(layers[index]) != layerIdentities[index] { return false }
        for index in parameters.indices where parameters[index] !== self.parameters[index] { return false }
        for plan in layerPlans where !plan.isValid { return false }
        return true
    }

    /// Whether the plan still fits the same layers and sample shape, checked without the
    /// model's parameter list: each planned parameter still trainable, each layer's plan
    /// still valid (the layers' parameters are the plan's: every layer is planned).
    func fits(layers: [any Layer<Scalar>], sampleShape: ArraySlice<Int>) -> Bool {
        guard layers.count == layerIdentities.count, sampleShape.elementsEqual(self.sampleShape) else { return false }
        for index in layers.indices where ObjectIdentifier(layers[index]) != layerIdentities[index] { return false }
        for parameter in parameters where !parameter.isTrainable { return false }
        for plan in layerPlans where !plan.isValid { return false }
        return true
    }

    /// Forward, loss and backward on the first `rows` samples of `inputs` and their
    /// targets: returns the batch's mean loss; `gradients` and `predictions` hold the rest.
    ///
    /// - Precondition: `1...maximumBatchSize` contains `rows`.
    func run(rows: Int) -> Scalar {
        checkPrecondition(rows > 0 && rows <= maximumBatchSize,
                          "SequentialStepPlan.run: \(rows) rows for a plan of at most \(maximumBatchSize)")
        var x = UnsafePointer(inputs.base)
        for plan in layerPlans { x = plan.forward(x, rows: rows) }
        predictions = x
        let value = StepKernels.loss(loss, predictions: x, labels: UnsafePointer(labels.base), values: UnsafePointer(targetValues.base),
                                     rows: rows, width: outputWidth, gradient: outputGradient.base)
        for index in gradients.indices {
            // Unique storage is rewritten in place; one the caller kept is copied first.
            gradientPointers[index] = gradients[index].withUnsafeMutableScalars { $0.baseAddress ?? outputGradient.base }
        }
        var g = outputGradient.base
        for index in layerPlans.indices.reversed() {
            let slots = UnsafeMutableBufferPointer(rebasing: gradientPointers[parameterStarts[index]..<parameterStarts[index + 1]])
            guard let next = layerPlans[index].backward(outputGradient: g, rows: rows, parameterGradients: slots,
                                                        needsInputGradient: needsInputGradient[index]) else { break }
            g = next
        }
        return value
    }
}
