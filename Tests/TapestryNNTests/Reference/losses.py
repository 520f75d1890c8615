#!/usr/bin/env python3
"""NumPy transcriptions of Keras 3's losses (keras/src/losses/losses.py with the NumPy
backend's binary/categorical cross-entropy), reduced with "sum_over_batch_size".
Writes losses.json next to this script, which LossTests compares against to 1e-12.

Run: python3 Tests/TapestryNNTests/Reference/losses.py
"""
import json
import os

import numpy as np

EPS = 1e-7
PROBABILITIES = np.array([[0.9, 0.2, 0.6], [0.4, 1.0, 0.0]])
LOGITS = np.array([[2.0, -1.0, 0.0], [0.5, 30.0, -4.0]])
BINARY = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.3]])
ONE_HOT = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
DISTRIBUTIONS = np.array([[0.2, 0.3, 0.5], [0.0, 0.9, 0.1]])
SOFTMAXED = np.array([[0.25, 0.25, 0.5], [0.1, 0.7, 0.2]])


def binary_crossentropy(t, y, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per = np.maximum(y, 0) - y * t + np.log1p(np.exp(-np.abs(y)))
    else:
        y = np.clip(y, EPS, 1.0 - EPS)
        per = -(t * np.log(y) + (1.0 - t) * np.log(1.0 - y))
    return float(np.mean(np.mean(per, axis=-1)))


def categorical_crossentropy(t, y, from_logits=False, label_smoothing=0.0):
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        log_p = y - y.max(axis=-1, keepdims=True)
        log_p = log_p - np.log(np.sum(np.exp(log_p), axis=-1, keepdims=True))
    else:
        y = y / np.sum(y, axis=-1, keepdims=True)
        log_p = np.log(np.clip(y, EPS, 1.0 - EPS))
    return float(np.mean(-np.sum(t * log_p, axis=-1)))


def huber(t, y, delta=1.0):
    error = y - t
    a = np.abs(error)
    return float(np.mean(np.mean(np.where(a <= delta, 0.5 * error ** 2, delta * a - 0.5 * delta ** 2), axis=-1)))


def mean_absolute_error(t, y):
    return float(np.mean(np.mean(np.abs(y - t), axis=-1)))


def kl_divergence(t, y):
    t = np.clip(t, EPS, 1)
    y = np.clip(y, EPS, 1)
    return float(np.mean(np.sum(t * np.log(t / y), axis=-1)))


VALUES = {
    "binary_probabilities": binary_crossentropy(BINARY, PROBABILITIES),
    "binary_probabilities_smoothed": binary_crossentropy(BINARY, PROBABILITIES, label_smoothing=0.2),
    "binary_logits": binary_crossentropy(BINARY, LOGITS, from_logits=True),
    "binary_logits_smoothed": binary_crossentropy(BINARY, LOGITS, from_logits=True, label_smoothing=0.1),
    "categorical_probabilities_smoothed": categorical_crossentropy(ONE_HOT, SOFTMAXED, label_smoothing=0.1),
    "categorical_logits_smoothed": categorical_crossentropy(ONE_HOT, LOGITS, from_logits=True, label_smoothing=0.1),
    "huber_1": huber(BINARY, LOGITS),
    "huber_0.5": huber(BINARY, LOGITS, delta=0.5),
    "mean_absolute_error": mean_absolute_error(BINARY, LOGITS),
    "kl_divergence": kl_divergence(DISTRIBUTIONS, SOFTMAXED),
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "losses.json"), "w") as f:
    json.dump({
        "probabilities": PROBABILITIES.tolist(), "logits": LOGITS.tolist(), "binary": BINARY.tolist(),
        "oneHot": ONE_HOT.tolist(), "distributions": DISTRIBUTIONS.tolist(), "softmaxed": SOFTMAXED.tolist(),
        "values": VALUES,
    }, f, indent=1)
print(json.dumps(VALUES, indent=1))
