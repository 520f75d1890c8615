#!/usr/bin/env python3
"""NumPy's side of Tapestry's .npy/.npz tests (Tests/TapestryIOTests/NumPyInteropTests.swift).

  check_numpy.py read FILE...   loads each .npy/.npz file with numpy.load and prints, as JSON,
                                each array's dtype, shape and bytes (hex), keyed by file (and
                                member name for archives)
  check_numpy.py write DIR      writes .npy/.npz files NumPy makes (valid ones and ones Tapestry
                                must reject) into DIR, with DIR/manifest.json saying what each
                                should read as, or which error it should give
"""
import json
import os
import sys

import numpy as np


def describe(array):
    return {"dtype": array.dtype.str, "shape": list(array.shape), "hex": array.tobytes(order="C").hex()}


def read(paths):
    out = {}
    for path in paths:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            out[os.path.basename(path)] = describe(loaded)
        else:
            with loaded:
                out[os.path.basename(path)] = {name: describe(loaded[name]) for name in loaded.files}
    json.dump(out, sys.stdout)


def write(folder):
    os.makedirs(folder, exist_ok=True)
    manifest = {}

    def valid(name, array):
        np.save(os.path.join(folder, name), array)
        manifest[name] = {"expect": describe(np.array(array, order="C"))}

    def invalid(name, data_or_array, error, **save):
        path = os.path.join(folder, name)
        if isinstance(data_or_array, bytes):
            with open(path, "wb") as f:
                f.write(data_or_array)
        else:
            np.save(path, data_or_array, **save)
        manifest[name] = {"error": error}

    rng = np.random.default_rng(7)
    valid("f32.npy", rng.standard_normal((3, 4)).astype("<f4"))
    valid("f64.npy", rng.standard_normal((2, 3, 2)).astype("<f8"))
    valid("i32.npy", np.arange(-5, 7, dtype="<i4").reshape(3, 4))
    valid("i64.npy", np.array([-(2 ** 62), 0, 2 ** 62 + 5], dtype="<i8"))
    valid("scalar.npy", np.float64(2.5) * np.ones((), dtype="<f8"))
    valid("empty.npy", np.zeros((0, 5), dtype="<f4"))
    valid("vector-fortran-flag.npy", np.asfortranarray(np.arange(4, dtype="<f4")))
    invalid("fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)), "Fortran order")
    invalid("big-endian.npy", np.arange(3, dtype=">f4"), "big-endian")
    invalid("object.npy", np.array([1, "a", None], dtype=object), "'|O'", allow_pickle=True)
    invalid("float16.npy", np.ones(2, dtype="<f2"), "'<f2'")
    invalid("bool.npy", np.ones(2, dtype="?"), "'|b1'")
    invalid("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]), "structured")
    np.save(os.path.join(folder, "whole.npy"), np.arange(10, dtype="<f8"))
    with open(os.path.join(folder, "whole.npy"), "rb") as f:
        whole = f.read()
    os.remove(os.path.join(folder, "whole.npy"))
    invalid("truncated-data.npy", whole[:-3], "needs 80 data bytes, but the file has 77")
    invalid("truncated-header.npy", whole[:40], "ends inside the header")
    invalid("not-npy.npy", b"PK\x03\x04 this is not an array", "not a NumPy .npy file")

    arrays = {"kernel": rng.standard_normal((4, 3)).astype("<f4"), "bias": np.zeros(3, dtype="<f8"),
              "labels": np.array([3, 1, 4, 1, 5], dtype="<i8"), "count": np.array(7, dtype="<i4"),
              "nothing": np.zeros((2, 0), dtype="<f4")}
    np.savez(os.path.join(folder, "stored.npz"), **arrays)
    manifest["stored.npz"] = {"expect": {name: describe(a) for name, a in arrays.items()}}
    np.savez_compressed(os.path.join(folder, "deflated.npz"), **arrays)
    manifest["deflated.npz"] = {"expect": {name: describe(a) for name, a in arrays.items()}}
    np.savez(os.path.join(folder, "fortran-member.npz"), ok=np.ones(2, "<f4"),
             bad=np.asfortranarray(np.ones((2, 2), "<f4")))
    manifest["fortran-member.npz"] = {"error": "member 'bad.npy'"}
    with open(os.path.join(folder, "deflated.npz"), "rb") as f:
        archive = f.read()
    invalid("truncated.npz", archive[: len(archive) // 2], "not a valid .npz archive")
    corrupt = bytearray(archive)
    corrupt[60] ^= 0xFF
    invalid("corrupt.npz", bytes(corrupt), "kernel.npy")

    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "read":
        read(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        sys.exit(__doc__)
