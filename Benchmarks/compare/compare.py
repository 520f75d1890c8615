"""Reads the metrics JSONs and `/usr/bin/time -v` reports that run.sh leaves in a results
folder and prints a Markdown table comparing Tapestry with the Python frameworks.

    python3 compare.py --results DIR [--only tapestry,torch,jax,keras] [--model mlp|cnn]

For each system NAME the folder may hold NAME.json (metrics, the schema of the Swift
demo's --metrics-json), NAME.time (GNU time -v output, for the peak RSS) and NAME.status
(one line saying why the system has no numbers). Standard library only.
"""

import argparse
import json
import os
import re
import statistics

SYSTEMS = {  # name -> label used when the JSON carries no "system" key
    "tapestry": "Tapestry (Swift)",
    "torch": "PyTorch (eager)",
    "jax": "JAX (jit step)",
    "keras": "TensorFlow / Keras 3",
}


MODELS = {
    "mlp": "MLP (784 → 64 relu → 64 relu → 10)",
    "cnn": "CNN (Conv 32 3×3 relu → MaxPool 2 → Conv 64 3×3 relu → MaxPool 2 → Dense 64 relu → Dense 10)",
}


def load_average():
    text = read_text("/proc/loadavg")
    return text.split()[0] if text else "unknown"


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def peak_rss_bytes(time_report):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_report or "")
    return int(m.group(1)) * 1024 if m else None


def load(results, name):
    row = {"name": name, "label": SYSTEMS[name]}
    text = read_text(os.path.join(results, f"{name}.json"))
    if text is None:
        status = read_text(os.path.join(results, f"{name}.status"))
        row["unavailable"] = (status or "unavailable: no results").strip()
        return row
    metrics = json.loads(text)
    seconds = [e["seconds"] for e in metrics["epochs"]]
    row.update(
        label=metrics.get("system", row["label"]),
        # Steady state: the median of epochs 2..N (epoch 1 carries warm-up / compilation).
        steady=statistics.median(seconds[1:] or seconds),
        first=seconds[0],
        predict=metrics.get("predictSeconds"),
        predict_one_batch=metrics.get("predictSecondsOneBatch"),
        accuracy=metrics["test"]["accuracy"],
        rss=peak_rss_bytes(read_text(os.path.join(results, f"{name}.time"))),
    )
    return row


def fmt_seconds(s):
    if s is None:
        return "–"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_bytes(b):
    if b is None:
        return "–"
    return f"{b / 1e9:.2f} GB" if b >= 1e9 else f"{b / 1e6:.0f} MB"


def floor(results):
    """The BLAS floor's figures (blas_floor --json, before and after the runs), averaged."""
    runs = []
    for when in ("before", "after"):
        text = read_text(os.path.join(results, f"floor-{when}.json"))
        if text:
            runs.append(json.loads(text))
    if not runs:
        return None
    return {key: statistics.mean(r[key] for r in runs) for key in ("epochSeconds", "predictSeconds", "stepSeconds")}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", required=True, help="folder written by run.sh")
    p.add_argument("--only", default=",".join(SYSTEMS), help="comma-separated subset of " + ",".join(SYSTEMS))
    p.add_argument("--model", choices=sorted(MODELS), default="mlp", help="the network the results are for")
    args = p.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        p.error(f"unknown system(s): {', '.join(unknown)}")
    rows = [load(args.results, n) for n in names]
    tapestry = next((r for r in rows if r["name"] == "tapestry" and "steady" in r), None)

    print(f"Fashion-MNIST {MODELS[args.model]}, batch 32, Adam; load average at the end: {load_average()}")
    print()
    print("| system | s/epoch (steady, median of epochs 2..N) | epoch 1 | predict 10k "
          "| peak RSS | test accuracy | epoch time ÷ Tapestry's |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if "unavailable" in r:
            print(f"| {r['label']} | {r['unavailable']} | | | | | |")
            continue
        ratio = f"{r['steady'] / tapestry['steady']:.2f}×" if tapestry else "–"
        print(f"| {r['label']} | {r['steady']:.3f} s | {r['first']:.2f} s "
              f"| {fmt_seconds(r['predict'])} | {fmt_bytes(r['rss'])} "
              f"| {r['accuracy']:.4f} | {ratio} |")

    print()
    measured_floor = floor(args.results)
    if measured_floor and args.model == "mlp":
        print(f"BLAS floor (OpenBLAS alone on the MLP's products, mean of the runs before and after): "
              f"epoch {measured_floor['epochSeconds']:.3f} s (step {measured_floor['stepSeconds'] * 1e6:.1f} µs × 1,875, "
              f"one thread), predict 10k {fmt_seconds(measured_floor['predictSeconds'])} (all cores).")
        print()
        for r in rows:
            if "steady" not in r:
                continue
            predict = (f", predict {r['predict'] / measured_floor['predictSeconds']:.2f}× the forward floor"
                       if r.get("predict") else "")
            print(f"- {r['label']}: epoch {r['steady'] / measured_floor['epochSeconds']:.2f}× the step floor × 1,875{predict}")
        print()
    if tapestry:
        for r in rows:
            if r is tapestry or "steady" not in r:
                continue
            x = r["steady"] / tapestry["steady"]
            words = (f"Tapestry is {1 / x:.2f}× slower per epoch" if x < 1
                     else f"Tapestry is {x:.2f}× faster per epoch")
            print(f"- {r['label']} / Tapestry = {x:.2f}× ({words})")
    elif "tapestry" in names:
        print("- No Tapestry numbers, so no ratios.")
    for r in rows:
        if r.get("predict_one_batch") is not None:
            print(f"- {r['label']}: predict 10k is `model.predict(x)` (batches of 32, as in the "
                  f"tutorial); in one batch of 10k it takes {fmt_seconds(r['predict_one_batch'])}.")


if __name__ == "__main__":
    main()
