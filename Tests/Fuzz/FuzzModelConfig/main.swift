// FuzzModelConfig: the whole-model architecture reader (`Model.architecture(fromJSON:)`), fed
// any bytes as the JSON config a whole-model file carries.
//
// Properties, for every input:
// - it returns a model or throws `ModelError.invalidModelFile` naming the source, on one line;
//   it never traps, and never allocates more than the parameter budget it is given;
// - a model it returns writes its architecture back as JSON that reads again to a model with
//   the same JSON (configurations round-trip), the same parameter names and shapes;
// - when the model knows its input shape and accepts it, a forward pass on one sample of
//   zeros runs and has the output shape the model promised.

import FuzzSupport
import Tapestry
import TapestryNN

@_cdecl("LLVMFuzzerTestOneInput")
func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let model: Model<Float>
    do {
        model = try Model<Float>.architecture(fromJSON: bytes, source: "fuzz", maximumParameterCount: 1 << 20)
    } catch let error as ModelError {
        guard case .invalidModelFile(let source, _) = error else {
            require(false, "not an invalidModelFile error: \(error)")
            return 0
        }
        require(source == "fuzz", "the error names \(source), not the source")
        require(!error.description.contains("\n"), "the error is not one line: \(error.description.debugDescription)")
        return 0
    } catch {
        require(false, "an error of an unexpected type: \(error)")
        return 0
    }
    require(model.parameterCount <= 1 << 20, "the model has \(model.parameterCount) parameters, past its budget")
    do {
        let json = try model.architectureJSON()
        let again = try Model<Float>.architecture(fromJSON: Array(json.utf8), source: "again", maximumParameterCount: 1 << 20)
        let rewritten = try again.architectureJSON()
        require(rewritten == json, "the architecture does not round-trip: \(json)")
        require(again.namedParameters.map(\.name) == model.namedParameters.map(\.name), "parameter names differ after a round trip")
        require(again.parameters.map(\.value.shape) == model.parameters.map(\.value.shape), "parameter shapes differ after a round trip")
    } catch {
        require(false, "a model read from a config cannot be written and read again: \(error)")
    }
    if let shape = model.inputShape, let output = try? model.outputShape(forInputShape: shape) {
        let result = model(Tensor(zeros: [1] + shape))
        require(result.shape == [1] + output, "the forward pass gives \(result.shape), not [1] + \(output)")
    }
    return 0
}

runFuzzTarget(fuzz, name: "FuzzModelConfig")
