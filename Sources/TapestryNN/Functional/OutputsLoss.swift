import Tapestry
import TapestryData

/// The weighted sum of per-output losses over packed predictions and targets.
struct OutputsLoss: Loss {
    let names: [String]
    let shapes: [[Int]]
    let losses: [any Loss]
    let weights: [Double]
    let layout: TargetLayout

    var name: String { "loss" }

    /// Packed targets are prepared when packed; only their width is checked.
    func prepare<Scalar: TensorScalar>(_ targets: Targets<Scalar>, outputShape: [Int]) throws -> Targets<Scalar> {
        guard targets.sampleShape == [layout.widths.reduce(0, +)] else {
            throw ModelError.incompatibleTargets(expected: "[\(layout.widths.reduce(0, +))] (packed per-output targets)", got: targets.sampleShape)
        }
        return targets
    }

    func callAsFunction<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        let parts = (0..<names.count).map { self.loss(output: $0, predictions: predictions, targets: targets) }
        return zip(parts, weights).dropFirst().reduce(parts[0] * Scalar(weights[0])) { $0 + $1.0 * Scalar($1.1) }
    }

    /// The loss of output `index` alone.
    func loss<Scalar: TensorScalar>(output index: Int, predictions: Tensor<Scalar>, targets: Targets<Scalar>) -> Tensor<Scalar> {
        let (prediction, target) = slices(output: index, predictions: predictions, targets: targets)
        return losses[index](predictions: prediction, targets: target)
    }

    /// Output `index`'s predictions and targets, cut from the packed rows.
    func slices<Scalar: TensorScalar>(output index: Int, predictions: Tensor<Scalar>, targets: Targets<Scalar>)
        -> (Tensor<Scalar>, Targets<Scalar>) {
        let batch = predictions.shape[0]
        let sizes = shapes.map { $0.reduce(1, *) }
        let start = sizes[..<index].reduce(0, +), targetStart = layout.widths[..<index].reduce(0, +)
        let prediction = names.count == 1 ? predictions
            : predictions.sliced(alongAxis: 1, from: start, to: start + sizes[index]).reshaped(to: [batch] + shapes[index])
        let column = targets.scalars.sliced(alongAxis: 1, from: targetStart, to: targetStart + layout.widths[index])
        let target: Targets<Scalar> = layout.isLabels[index]
            ? .labels(Tensor<Int32>(converting: column.reshaped(to: [batch])))
            : .values(column.reshaped(to: [batch] + (layout.widths[index] == sizes[index] ? shapes[index] : [layout.widths[index]])))
        return (prediction, target)
    }
}

/// `<output>_loss`: one output's unweighted loss, averaged over samples.
final class OutputLossMetric: MeanMetric {
    let loss: OutputsLoss
    let output: Int

    init(loss: OutputsLoss, output: Int) {
        self.loss = loss
        self.output = output
        super.init(name: "\(loss.names[output])_loss")
    }

    override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let value = loss.loss(output: output, predictions: predictions, targets: targets)
        add(total: Double(value.scalar) * Double(predictions.shape[0]), count: predictions.shape[0])
    }
}

/// `<output>_<metric>`: a metric of one output.
final class OutputMetric: Metric {
    let inner: Metric
    let loss: OutputsLoss
    let output: Int

    init(_ inner: Metric, loss: OutputsLoss, output: Int) {
        self.inner = inner
        self.loss = loss
        self.output = output
        super.init(name: loss.names.count > 1 ? "\(loss.names[output])_\(inner.name)" : inner.name)
    }

    override func update<Scalar: TensorScalar>(predictions: Tensor<Scalar>, targets: Targets<Scalar>) {
        let (prediction, target) = loss.slices(output: output, predictions: predictions, targets: targets)
        inner.update(predictions: prediction, targets: target)
    }

    override func result() -> Double { inner.result() }
    override func reset() { inner.reset() }
}
