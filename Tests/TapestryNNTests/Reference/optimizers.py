#!/usr/bin/env python3
"""NumPy transcriptions of Keras 3's optimizer update rules, schedules and gradient
clipping (keras/src/optimizers/*.py, keras/src/optimizers/schedules/learning_rate_schedule.py),
in float64. Writes optimizers.json and schedules.json next to this script, which
OptimizerTests and ScheduleTests compare against to 1e-12.

Run: python3 Tests/TapestryNNTests/Reference/optimizers.py
"""
import json
import math
import os

import numpy as np

STEPS = 25
rng = np.random.default_rng(20261201)
INITIAL = [rng.normal(size=(2, 3)), rng.normal(size=(3,))]          # a kernel and a bias
GRADIENTS = [[rng.normal(scale=1.5, size=p.shape) for p in INITIAL] for _ in range(STEPS)]


# ---- schedules (Keras 3), step = optimizer.iterations before the update ----

def exponential_decay(initial, decay_steps, rate, staircase=False):
    def f(step):
        p = step / decay_steps
        if staircase:
            p = math.floor(p)
        return initial * rate ** p
    return f


def inverse_time_decay(initial, decay_steps, rate, staircase=False):
    def f(step):
        p = step / decay_steps
        if staircase:
            p = math.floor(p)
        return initial / (1 + rate * p)
    return f


def piecewise_constant(boundaries, values):
    def f(step):
        for b, v in zip(boundaries, values):
            if step <= b:
                return v
        return values[-1]
    return f


def cosine_decay(initial, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(step, lr):
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return lr * ((1 - alpha) * cosine + alpha)

    def f(step):
        if warmup_target is None:
            return decay(min(step, decay_steps), initial)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (warmup_target - initial) * (step / warmup_steps) + initial
        return decay(step - warmup_steps, warmup_target)
    return f


def constant(lr):
    return lambda step: lr


# ---- clipping (BaseOptimizer._clip_gradients) ----

def clip(grads, clipnorm=None, global_clipnorm=None, clipvalue=None):
    if clipnorm:
        out = []
        for g in grads:
            norm = math.sqrt(float(np.sum(g * g)))
            out.append(g * clipnorm / max(norm, clipnorm))
        return out
    if global_clipnorm:
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        scale = global_clipnorm * min(1.0 / norm, 1.0 / global_clipnorm)
        return [g * scale for g in grads]
    if clipvalue:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads


# ---- update rules: (state, g, theta, lr, t) with t = iterations + 1 ----

def sgd(momentum=0.0, nesterov=False):
    def init(p):
        return {"m": np.zeros_like(p)}

    def step(s, g, th, lr, t):
        if momentum != 0:
            s["m"] = -g * lr + s["m"] * momentum
            if nesterov:
                return th + (-g * lr + s["m"] * momentum)
            return th + s["m"]
        return th - g * lr
    return init, step


def adam(b1=0.9, b2=0.999, eps=1e-7):
    def init(p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def step(s, g, th, lr, t):
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        return th - s["m"] * alpha / (np.sqrt(s["v"]) + eps)
    return init, step


def rmsprop(rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    def init(p):
        return {"v": np.zeros_like(p), "a": np.zeros_like(p), "u": np.zeros_like(p)}

    def step(s, g, th, lr, t):
        s["v"] = rho * s["v"] + (1 - rho) * np.square(g)
        if centered:
            s["a"] = rho * s["a"] + (1 - rho) * g
            denominator = s["v"] - np.square(s["a"]) + eps
        else:
            denominator = s["v"] + eps
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            s["u"] = momentum * s["u"] + increment
            return th - s["u"]
        return th - increment
    return init, step


def adagrad(initial_accumulator=0.1, eps=1e-7):
    def init(p):
        return {"acc": np.full_like(p, initial_accumulator)}

    def step(s, g, th, lr, t):
        s["acc"] = s["acc"] + g * g
        return th - lr * g / np.sqrt(s["acc"] + eps)
    return init, step


def adamax(b1=0.9, b2=0.999, eps=1e-7):
    def init(p):
        return {"m": np.zeros_like(p), "u": np.zeros_like(p)}

    def step(s, g, th, lr, t):
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return th - (lr * s["m"]) / ((1 - b1 ** t) * (s["u"] + eps))
    return init, step


def nadam(b1=0.9, b2=0.999, eps=1e-7):
    shared = {"u_product": 1.0, "t": 0}

    def init(p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def step(s, g, th, lr, t):
        if shared["t"] != t:      # _backend_update_step: once per step, before the variables
            shared["u_product"] = shared["u_product"] * b1 * (1.0 - 0.5 * 0.96 ** t)
            shared["t"] = t
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t_1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_product_t = shared["u_product"]
        u_product_t_1 = u_product_t * u_t_1
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (np.square(g) - s["v"]) * (1 - b2)
        m_hat = u_t_1 * s["m"] / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = s["v"] / (1 - b2 ** t)
        return th - m_hat * lr / (np.sqrt(v_hat) + eps)
    return init, step


def lion(b1=0.9, b2=0.99):
    def init(p):
        return {"m": np.zeros_like(p)}

    def step(s, g, th, lr, t):
        th = th - lr * np.sign(s["m"] * b1 + g * (1.0 - b1))
        s["m"] = s["m"] * b2 + g * (1.0 - b2)
        return th
    return init, step


def run(rule, schedule, weight_decay=0.0, **clipping):
    """BaseOptimizer.apply: lr at iterations; clip; decay (rank ≥ 2 only); update; iterations += 1."""
    init, step = rule
    thetas = [p.copy() for p in INITIAL]
    states = [init(p) for p in thetas]
    trajectory = []
    for iterations in range(STEPS):
        lr = schedule(iterations)
        grads = clip([g.copy() for g in GRADIENTS[iterations]], **clipping)
        if weight_decay:
            thetas = [th - th * weight_decay * lr if th.ndim >= 2 else th for th in thetas]
        thetas = [step(s, g, th, lr, iterations + 1) for s, g, th in zip(states, grads, thetas)]
        trajectory.append([th.ravel().tolist() for th in thetas])
    return trajectory


CASES = {
    "sgd": run(sgd(), constant(0.1)),
    "sgd_momentum": run(sgd(momentum=0.9), constant(0.05)),
    "sgd_nesterov_weight_decay": run(sgd(momentum=0.9, nesterov=True), constant(0.05), weight_decay=0.1),
    "adam": run(adam(), constant(0.01)),
    "adamw": run(adam(), constant(0.01), weight_decay=0.1),
    "rmsprop": run(rmsprop(), constant(0.01)),
    "rmsprop_centered_momentum": run(rmsprop(rho=0.8, momentum=0.5, centered=True), constant(0.01)),
    "adagrad": run(adagrad(), constant(0.1)),
    "adamax": run(adamax(), constant(0.01)),
    "nadam": run(nadam(), constant(0.01)),
    "lion_weight_decay": run(lion(), constant(0.003), weight_decay=0.5),
    "adam_clipnorm": run(adam(), constant(0.01), clipnorm=1.0),
    "adam_global_clipnorm": run(adam(), constant(0.01), global_clipnorm=2.0),
    "sgd_clipvalue": run(sgd(momentum=0.9), constant(0.05), clipvalue=0.5),
    "adam_cosine_warmup": run(adam(), cosine_decay(0.0, 15, alpha=0.1, warmup_target=0.02, warmup_steps=5)),
    "sgd_exponential_decay": run(sgd(), exponential_decay(0.1, 4, 0.5, staircase=True)),
}

SCHEDULE_STEPS = 40
SCHEDULES = {
    "exponential": exponential_decay(0.1, 7, 0.6),
    "exponential_staircase": exponential_decay(0.1, 7, 0.6, staircase=True),
    "inverse_time": inverse_time_decay(0.2, 5, 0.5),
    "inverse_time_staircase": inverse_time_decay(0.2, 5, 0.5, staircase=True),
    "piecewise_constant": piecewise_constant([5, 12, 30], [0.1, 0.05, 0.01, 0.001]),
    "cosine": cosine_decay(0.1, 30),
    "cosine_alpha": cosine_decay(0.1, 30, alpha=0.2),
    "cosine_warmup": cosine_decay(0.001, 25, alpha=0.1, warmup_target=0.05, warmup_steps=8),
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "optimizers.json"), "w") as f:
    json.dump({
        "steps": STEPS,
        "initial": [p.ravel().tolist() for p in INITIAL],
        "shapes": [list(p.shape) for p in INITIAL],
        "gradients": [[g.ravel().tolist() for g in step] for step in GRADIENTS],
        "trajectories": CASES,
    }, f, indent=1)
with open(os.path.join(here, "schedules.json"), "w") as f:
    json.dump({name: [s(step) for step in range(SCHEDULE_STEPS)] for name, s in SCHEDULES.items()}, f, indent=1)
