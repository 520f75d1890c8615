"""Shared pieces of the Python side of the comparison: data, flags, timing, JSON.

Every script trains the same model on the same data and writes the same JSON
schema as the Swift demo's `--metrics-json`:

    {"epochs": [{"epoch": 1, "loss": ..., "accuracy": ..., "seconds": ...}, ...],
     "test": {"loss": ..., "accuracy": ...},
     "predictSeconds": ..., "loadSeconds": ..., "parameters": 55050}

(plus a few extra informational keys, e.g. "system", which readers may ignore).
"""

import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")

# The model: Flatten(28x28) -> Dense 64 relu -> Dense 64 relu -> Dense 10 (logits).
INPUT, HIDDEN, CLASSES = 28 * 28, 64, 10
PARAMETERS = (INPUT * HIDDEN + HIDDEN) + (HIDDEN * HIDDEN + HIDDEN) + (HIDDEN * CLASSES + CLASSES)
assert PARAMETERS == 55050
BATCH = 32
LEARNING_RATE, BETA1, BETA2, EPSILON = 1e-3, 0.9, 0.999, 1e-7  # Keras' Adam defaults


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--json", metavar="PATH", help="write the metrics JSON here")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2,
                   help="intra-op threads (default: all cores)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=DATA_DIR)
    return p.parse_args()


def _read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


def load_fashion_mnist(data_dir=DATA_DIR):
    """Returns (x_train, y_train, x_test, y_test, seconds).

    Images are float32 in [0, 1] with shape (N, 28, 28); labels are int32.
    Reads the IDX files of Debian's dataset-fashion-mnist package; no download.
    """
    start = time.perf_counter()

    def images(name):
        return (_read_idx(os.path.join(data_dir, name), 16)
                .reshape(-1, 28, 28).astype(np.float32) / 255.0)

    def labels(name):
        return _read_idx(os.path.join(data_dir, name), 8).astype(np.int32)

    x_train = images("train-images-idx3-ubyte.gz")
    y_train = labels("train-labels-idx1-ubyte.gz")
    x_test = images("t10k-images-idx3-ubyte.gz")
    y_test = labels("t10k-labels-idx1-ubyte.gz")
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    return x_train, y_train, x_test, y_test, time.perf_counter() - start


def median_seconds(fn, warmup=2, runs=7):
    """Median wall time of `fn()` over `runs` calls after `warmup` untimed calls.
    `fn` must block until its result is ready."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def log_epoch(epochs, record):
    print(f"epoch {record['epoch']}/{epochs}: loss {record['loss']:.4f} "
          f"accuracy {record['accuracy']:.4f} {record['seconds']:.2f} s", flush=True)


def finish(args, system, epochs, test_loss, test_accuracy, predict_seconds, load_seconds,
           extra=None):
    """Prints the summary and writes the JSON (if --json was given)."""
    metrics = {
        "epochs": epochs,
        "test": {"loss": float(test_loss), "accuracy": float(test_accuracy)},
        "predictSeconds": float(predict_seconds),
        "loadSeconds": float(load_seconds),
        "parameters": PARAMETERS,
        "system": system,
        "threads": args.threads,
    }
    metrics.update(extra or {})
    steady = [e["seconds"] for e in epochs[1:]] or [e["seconds"] for e in epochs]
    print(f"{system}: test loss {test_loss:.4f} accuracy {test_accuracy:.4f}; "
          f"steady epoch {statistics.median(steady):.3f} s; "
          f"predict 10k {predict_seconds * 1000:.1f} ms; load {load_seconds:.2f} s", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(metrics, f, indent=2)
            f.write("\n")
    return metrics
