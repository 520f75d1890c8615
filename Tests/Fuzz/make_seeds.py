#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz corpora into Tests/Fuzz/Corpus/<target>/.

Run once to start a corpus; `make fuzz-merge` then keeps each corpus minimal. Seeds are named
seed-<what>, so a seed's purpose stays readable next to libFuzzer's hash-named inputs.
"""
import gzip
import io
import json
import os
import struct
import sys
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")


def save(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def idx(type_code, dims, payload=b""):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def gz(data, level=6):
    return gzip.compress(data, compresslevel=level, mtime=0)


# IDX payloads (FuzzIDX sees decompressed bytes).
idx_seeds = {
    "images-2x3x3": idx(0x08, [2, 3, 3], bytes(range(18))),
    "labels-5": idx(0x08, [5], bytes([0, 1, 9, 3, 10])),
    "empty-images": idx(0x08, [0, 28, 28]),
    "int8": idx(0x09, [2], b"\xff\x7f"),
    "int16": idx(0x0B, [2], struct.pack(">hh", -2, 300)),
    "int32": idx(0x0C, [1, 2], struct.pack(">ii", -70000, 1 << 30)),
    "float32": idx(0x0D, [2], struct.pack(">ff", 1.5, float("nan"))),
    "float64": idx(0x0E, [1], struct.pack(">d", -0.0)),
    "huge-claim": idx(0x08, [0xFFFFFFFF, 28, 28], b"\x01\x02"),
    "overflowing-claim": idx(0x0E, [0xFFFFFFFF] * 4),
    "rank-0": bytes([0, 0, 8, 0]),
    "bad-type": bytes([0, 0, 7, 1, 0, 0, 0, 1, 5]),
    "truncated-header": bytes([0, 0, 8, 3, 0, 0]),
    "trailing-data": idx(0x08, [2], b"\x01\x02\x03"),
    "short-payload": idx(0x08, [4], b"\x01"),
}
for name, data in idx_seeds.items():
    save("FuzzIDX", name, data)

# Gzip files (FuzzGzip sees the compressed file).
save("FuzzGzip", "images", gz(idx_seeds["images-2x3x3"]))
save("FuzzGzip", "labels-stored", gz(idx_seeds["labels-5"], level=0))
save("FuzzGzip", "float64-best", gz(idx_seeds["float64"], level=9))
save("FuzzGzip", "two-members", gz(idx_seeds["images-2x3x3"][:10]) + gz(idx_seeds["images-2x3x3"][10:]))
save("FuzzGzip", "huge-claim", gz(idx_seeds["huge-claim"]))
whole = gz(idx_seeds["int32"])
save("FuzzGzip", "truncated", whole[: len(whole) // 2])
save("FuzzGzip", "bad-crc", whole[:-8] + bytes([whole[-8] ^ 0xFF]) + whole[-7:])
save("FuzzGzip", "garbage-after", whole + b"\x00\x00junk")
save("FuzzGzip", "not-gzip", idx_seeds["labels-5"])
# A gzip header with FEXTRA, FNAME and FCOMMENT and FHCRC flags set.
header = b"\x1f\x8b\x08\x1e" + b"\x00" * 4 + b"\x00\x03" + b"\x04\x00abcd" + b"name\x00" + b"comment\x00"
save("FuzzGzip", "flags-no-hcrc", header + whole[10:])


# Safetensors files.
def safetensors(entries, metadata=None, pad=True, data=None):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    body = b""
    for name, (dtype, shape, raw) in entries.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(body), len(body) + len(raw)]}
        body += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + (body if data is None else data)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


model = {
    "dense.kernel": ("F32", [3, 2], f32(1, 2, 3, 4, 5, 6)),
    "dense.bias": ("F32", [2], f32(0.5, -0.5)),
    "dense_1.kernel": ("F32", [2, 1], f32(7, 8)),
    "dense_1.bias": ("F32", [1], f32(9)),
}
save("FuzzSafeTensors", "model", safetensors(model, {"framework": "tapestry", "model": "sequential"}))
save("FuzzSafeTensors", "model-f64", safetensors(
    {k: ("F64", s, struct.pack("<%dd" % (len(r) // 4), *struct.unpack("<%df" % (len(r) // 4), r)))
     for k, (d, s, r) in model.items()}))
save("FuzzSafeTensors", "empty-header", safetensors({}))
save("FuzzSafeTensors", "scalar-and-empty", safetensors({"s": ("F32", [], f32(3)), "e": ("F32", [0, 5], b"")}))
save("FuzzSafeTensors", "many-dtypes", safetensors({
    "b": ("BOOL", [2], b"\x00\x01"), "h": ("F16", [1], b"\x00\x3c"), "bf": ("BF16", [1], b"\x80\x3f"),
    "i": ("I64", [1], struct.pack("<q", -1)), "u": ("U8", [3], b"abc"), "c": ("C64", [1], f32(1, 2)),
}))
save("FuzzSafeTensors", "misaligned", safetensors({"x": ("F32", [2], f32(1, 2))}, pad=False))
save("FuzzSafeTensors", "truncated", safetensors(model)[:-5])
save("FuzzSafeTensors", "overlap", struct.pack("<Q", 96) + json.dumps(
    {"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
     "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}}, separators=(",", ":")).encode().ljust(96) + b"xyz")
save("FuzzSafeTensors", "escapes", safetensors({"q\"\\\u00e9\ud83d\ude00\n": ("U8", [1], b"z")}, {"k\t": "v\u0001"}))
save("FuzzSafeTensors", "huge-length", struct.pack("<Q", 1 << 62) + b"{}")
save("FuzzSafeTensors", "overflowing-shape", safetensors({"x": ("F64", [1 << 62, 4, 0], b"")}))

# Text for the DOT escapers.
for name, text in {
    "plain": "dense_1",
    "node-a": "a",
    "keyword": "node",
    "quotes": "say \"hi\" & 'bye'",
    "backslashes": "\\N \\G \\l \\\\ end\\",
    "record": "{x|y} <p> -> b; c [",
    "html": "<B>bold</B> &amp; &#38; ]]> <!-- -->",
    "lines": "one\ntwo\r\nthree\rfour\tfive",
    "controls": "nul\u0000bell\u0007esc\u001b[0m\ufffe",
    "unicode": "é中🙂 עברית ́combining",
    "empty": "",
    "spaces": "   ",
    "percent": "%s %d %n",
}.items():
    save("FuzzDOT", name, text)
# Documents for the strict JSON parser (FuzzJSON sees raw bytes).
for name, text in {
    "config": '{"name": "mlp", "layers": [{"kind": "dense", "units": 64, "rate": 1.5e-3}], "seed": null, "bias": true}',
    "numbers": "[0, -0, 1.25, -3e+10, 1E-2, 123456789012345678901234567890]",
    "escapes": '["\\u00e9\\ud83d\\ude00", "tab\\t quote\\" slash\\/", "é中"]',
    "nested": "[[[[{\"a\": [{}]}]]]]",
    "duplicate-escaped-key": '{"a": 1, "\\u0061": 2}',
    "trailing": "{} x",
    "scalar": "  \"just a string\"  ",
}.items():
    save("FuzzJSON", name, text)


# .npy files and .npz archives (FuzzNumPy tries every input as both).
def npy(descr, shape, payload, fortran=False, version=1):
    shape_text = "()" if not shape else "(%s,)" % shape[0] if len(shape) == 1 else "(%s)" % ", ".join(map(str, shape))
    header = ("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)).encode()
    prefix = 10 if version == 1 else 12
    header += b" " * ((64 - (prefix + len(header) + 1) % 64) % 64) + b"\n"
    length = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header + payload


def npz(members, method=zipfile.ZIP_STORED, zip64=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            with archive.open(info, "w", force_zip64=zip64) as member:
                member.write(data)
    return buffer.getvalue()


npy_seeds = {
    "f32": npy("<f4", [2, 3], f32(1, 2, 3, 4, 5, 6)),
    "f64-v2": npy("<f8", [2], struct.pack("<2d", 0.5, -1e300), version=2),
    "i32-v3": npy("<i4", [1, 1], struct.pack("<i", -7), version=3),
    "i64-scalar": npy("<i8", [], struct.pack("<q", 1 << 40)),
    "empty": npy("<f4", [0, 5], b""),
    "fortran": npy("<f4", [2, 2], f32(1, 2, 3, 4), fortran=True),
    "big-endian": npy(">f4", [1], struct.pack(">f", 1)),
    "object": npy("|O", [1], b"\x80\x04N."),
    "huge-shape": npy("<f8", [1 << 62, 8], b""),
    "truncated": npy("<f8", [4], struct.pack("<3d", 1, 2, 3)),
}
for name, data in npy_seeds.items():
    save("FuzzNumPy", "npy-" + name, data)
members = {"kernel": npy_seeds["f32"], "step": npy_seeds["i64-scalar"], "empty": npy_seeds["empty"]}
save("FuzzNumPy", "npz-stored", npz(members))
save("FuzzNumPy", "npz-deflated", npz(members, zipfile.ZIP_DEFLATED))
save("FuzzNumPy", "npz-zip64", npz(members, zipfile.ZIP_DEFLATED, zip64=True))
save("FuzzNumPy", "npz-bad-member", npz({"x": npy_seeds["fortran"]}))
save("FuzzNumPy", "npz-truncated", npz(members)[:-30])
save("FuzzNumPy", "npz-empty", npz({}))
print("seeds written under", ROOT, file=sys.stderr)
