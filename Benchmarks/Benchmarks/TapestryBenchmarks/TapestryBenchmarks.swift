import BLASFloor
import Benchmark
import Foundation
import Tapestry
import TapestryData
import TapestryNN
import TapestryViz

// The figures issue #6 asks for: a training step, one epoch, predicting the 10,000 test
// images, loading and verifying the dataset, and rendering the model diagram; and the
// functional-models issue's: rendering the diagram of a 20-residual-block graph.

/// The classic Fashion MLP, compiled as the demo compiles it.
private func fashionModel() -> Sequential<Float> {
    setRandomSeed(2026)
    let model = Sequential<Float>(inputShape: [28, 28]) {
        Flatten()
        Dense(inputSize: 784, outputSize: 64, activation: .relu)
        Dense(inputSize: 64, outputSize: 64, activation: .relu)
        Dense(inputSize: 64, outputSize: 10)
    }
    model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
    return model
}

/// A ResNet-like functional model: an input, then `blocks` residual blocks of two Dense
/// layers and a skip Add.
private func residualModel(blocks: Int) throws -> Functional<Float> {
    let input = Input<Float>(shape: [32], name: "input")
    var x = input
    for _ in 0..<blocks {
        let inner = try Dense<Float>(inputSize: 32, outputSize: 32, activation: .relu, seed: 1)(x)
        x = try Add<Float>()([x, try Dense<Float>(inputSize: 32, outputSize: 32, seed: 2)(inner)])
    }
    return try Functional(name: "resnet_like", input: input, output: x)
}

/// The Fashion CNN of `fashion --model cnn` (121,930 parameters), compiled the same way.
private func fashionCNN() -> Sequential<Float> {
    setRandomSeed(2026)
    let model = Sequential<Float>(inputShape: [28, 28]) {
        Reshape([28, 28, 1])
        Conv2D(inputChannels: 1, filters: 32, kernelSize: (3, 3), activation: .relu)
        MaxPooling2D(poolSize: (2, 2))
        Conv2D(inputChannels: 32, filters: 64, kernelSize: (3, 3), activation: .relu)
        MaxPooling2D(poolSize: (2, 2))
        Flatten()
        Dense(inputSize: 1600, outputSize: 64, activation: .relu)
        Dense(inputSize: 64, outputSize: 10)
    }
    model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: true), metrics: [.accuracy])
    return model
}

/// Why a benchmark could not set itself up.
private enum BenchmarkSetupError: Error {
    case outOfMemory
}

nonisolated(unsafe) private var dataset: FashionMNIST?

private func fashionData() throws -> FashionMNIST {
    if let dataset { return dataset }
    let loaded = try FashionMNIST.load()
    dataset = loaded
    return loaded
}

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident]

    // The floor first: Tapestry's step and prediction below are read as ratios to these,
    // measured in the same run (the host is noisy; absolute times drift up to 2×).
    Benchmark("BLAS floor: the 8 products of a batch-32 MLP step (1 thread)",
              configuration: .init(metrics: metrics, warmupIterations: 50, maxIterations: 2000)) { benchmark in
        guard blas_floor_prepare() == 0 else { throw BenchmarkSetupError.outOfMemory }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blas_floor_step() }
    }

    Benchmark("BLAS floor: the 3 forward products for 10,000 images",
              configuration: .init(metrics: metrics, warmupIterations: 3, maxIterations: 50)) { benchmark in
        guard blas_floor_prepare() == 0 else { throw BenchmarkSetupError.outOfMemory }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blas_floor_predict() }
    }

    Benchmark("train step (batch 32)", configuration: .init(metrics: metrics, warmupIterations: 50, maxIterations: 2000)) { benchmark in
        let data = try fashionData()
        let model = fashionModel()
        let batches = (0..<50).map { data.train.batch(at: Array(($0 * 32)..<($0 * 32 + 32))[...]) }
        var next = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let batch = batches[next % batches.count]
            next += 1
            blackHole(try model.trainOnBatch(batch.inputs, batch.targets))
        }
    }

    // The same step without the NaN/infinity scan of the batch (Model.checksInputsAreFinite):
    // the difference from "train step (batch 32)" is what the scan costs a step.
    Benchmark("train step (batch 32), finite check off",
              configuration: .init(metrics: metrics, warmupIterations: 50, maxIterations: 2000)) { benchmark in
        let data = try fashionData()
        let model = fashionModel()
        model.checksInputsAreFinite = false
        let batches = (0..<50).map { data.train.batch(at: Array(($0 * 32)..<($0 * 32 + 32))[...]) }
        var next = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let batch = batches[next % batches.count]
            next += 1
            blackHole(try model.trainOnBatch(batch.inputs, batch.targets))
        }
    }

    Benchmark("one epoch (60,000 images, batch 32)",
              configuration: .init(metrics: metrics, warmupIterations: 1, maxDuration: .seconds(30), maxIterations: 5)) { benchmark in
        let data = try fashionData()
        let model = fashionModel()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.fit(data.train, epochs: 1, batchSize: 32, verbose: 0))
        }
    }

    Benchmark("predict 10,000 test images",
              configuration: .init(metrics: metrics, warmupIterations: 3, maxIterations: 50)) { benchmark in
        let data = try fashionData()
        let model = fashionModel()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.predict(data.test, batchSize: 1000))
        }
    }

    Benchmark("CNN: one epoch (60,000 images, batch 32)",
              configuration: .init(metrics: metrics, warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 2)) { benchmark in
        let data = try fashionData()
        let model = fashionCNN()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.fit(data.train, epochs: 1, batchSize: 32, verbose: 0))
        }
    }

    Benchmark("CNN: predict 10,000 test images",
              configuration: .init(metrics: metrics, warmupIterations: 1, maxIterations: 20)) { benchmark in
        let data = try fashionData()
        let model = fashionCNN()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try model.predict(data.test, batchSize: 1000))
        }
    }

    Benchmark("load and verify Fashion-MNIST",
              configuration: .init(metrics: metrics, warmupIterations: 1, maxIterations: 10)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try FashionMNIST.load())
        }
    }

    Benchmark("render the model diagram (SVG)",
              configuration: .init(metrics: metrics, warmupIterations: 5, maxIterations: 500)) { benchmark in
        let model = fashionModel()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try ModelDiagram(model).renderSVG())
        }
    }

    Benchmark("render a 20-residual-block functional model diagram (SVG)",
              configuration: .init(metrics: metrics, warmupIterations: 3, maxIterations: 200)) { benchmark in
        let model = try residualModel(blocks: 20)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try ModelDiagram(model).renderSVG())
        }
    }
}
