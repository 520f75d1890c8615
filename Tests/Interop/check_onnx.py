"""Checks an ONNX file Tapestry exported and runs it with the real onnxruntime.

Usage: check_onnx.py MODEL.onnx OUTPUT_DIR INPUT.npy [INPUT.npy ...]

Runs onnx.checker.check_model (full check), verifies the IR version is at most 9, then feeds
the .npy inputs (in the graph's input order) to an onnxruntime InferenceSession and writes
each output to OUTPUT_DIR/output_<i>.npy. Prints a JSON summary (IR version, opsets, inputs,
outputs, operator types and counts, initializer names) on standard output.
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime


def main():
    model_path, output_dir, input_paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    if model.ir_version > 9:
        raise SystemExit(f"IR version {model.ir_version} is newer than 9")
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    inputs = session.get_inputs()
    if len(inputs) != len(input_paths):
        raise SystemExit(f"the model has {len(inputs)} inputs, {len(input_paths)} given")
    feeds = {info.name: np.load(path) for info, path in zip(inputs, input_paths)}
    results = session.run(None, feeds)
    for index, result in enumerate(results):
        np.save(os.path.join(output_dir, f"output_{index}.npy"), result)
    print(json.dumps({
        "ir_version": model.ir_version,
        "opsets": {entry.domain: entry.version for entry in model.opset_import},
        "inputs": [info.name for info in inputs],
        "outputs": [info.name for info in session.get_outputs()],
        "operators": sorted({node.op_type for node in model.graph.node}),
        "operator_counts": {op: sum(node.op_type == op for node in model.graph.node)
                            for op in {node.op_type for node in model.graph.node}},
        "initializers": sorted(tensor.name for tensor in model.graph.initializer),
    }))


if __name__ == "__main__":
    main()
