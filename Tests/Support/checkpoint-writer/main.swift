// checkpoint-writer: saves a large checkpoint over and over, for the test that kills a
// process in the middle of a save (Tests/ReliabilityTests/CrashSafeWriteTests.swift).
//
//     checkpoint-writer PATH MEGABYTES FIRST-GENERATION
//
// Generation g is a model whose every weight equals Float(g), saved with
// `Sequential.save(weightsTo:)` and metadata `"model": "generation-<g>"`, so a reader can tell
// a whole file of one generation from a torn one. Before each save it prints `saving <g>`,
// after it `saved <g> <milliseconds>`, and after the first save also `ready`. It runs until
// it is killed.

import Foundation
import Tapestry
import TapestryIO
import TapestryNN

/// Prints `line` at once (standard output is a pipe, which `print` would buffer).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let megabytes = Int(arguments[2]), megabytes > 0,
      let firstGeneration = Int(arguments[3]), firstGeneration > 0
else {
    FileHandle.standardError.write(Data("usage: checkpoint-writer PATH MEGABYTES FIRST-GENERATION\n".utf8))
    exit(2)
}
let url = URL(fileURLWithPath: arguments[1])

/// A 1024 × 1024 linear map: 4 MiB of weights, created as zeros (a Glorot draw of 16 million
/// weights takes seconds in a debug build, and the test restarts this process several times).
final class Block: Layer {
    var name = ""
    let weight = Parameter("weight", value: Tensor<Float>(zeros: [1024, 1024]))
    var parameters: [Parameter<Float>] { [weight] }
    func callAsFunction(_ input: Tensor<Float>) -> Tensor<Float> { input.matmul(weight.value) }
    func outputShape(forInputShape shape: [Int]) throws -> [Int] { shape }
}

let layers: [any Layer<Float>] = (0..<max(1, megabytes / 4)).map { _ in Block() }
let model = Sequential<Float>(inputShape: [1024], layers: layers)

var generation = firstGeneration
while true {
    for parameter in model.parameters {
        parameter.value = Tensor(repeating: Float(generation), shape: parameter.value.shape)
    }
    model.name = "generation-\(generation)"
    say("saving \(generation)")
    let start = DispatchTime.now()
    do {
        try model.save(weightsTo: url)
    } catch {
        FileHandle.standardError.write(Data("checkpoint-writer: \(error)\n".utf8))
        exit(1)
    }
    let milliseconds = (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
    say("saved \(generation) \(milliseconds)")
    if generation == firstGeneration { say("ready") }
    generation += 1
}
