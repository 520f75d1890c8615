#!/usr/bin/env python3
"""TensorBoard's side of Tests/TapestryNNTests/TensorBoardTests.swift.

  read_events.py LOGDIR   loads each run under LOGDIR (every folder holding an event file)
                          with TensorBoard's own EventAccumulator and prints, as JSON, per run:
                          its scalars (tag -> [[step, value], ...]), its histograms
                          (tag -> [[step, num, min, max, sum, bucket count total], ...]) and
                          its graph's nodes ([[name, op, [inputs]], ...]) if it has one
"""
import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator


def read_run(folder):
    accumulator = event_accumulator.EventAccumulator(folder, size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.GRAPH: 1})
    accumulator.Reload()
    tags = accumulator.Tags()
    run = {"scalars": {}, "histograms": {}, "graph": None}
    for tag in tags["scalars"]:
        run["scalars"][tag] = [[event.step, event.value] for event in accumulator.Scalars(tag)]
    for tag in tags["histograms"]:
        run["histograms"][tag] = [
            [event.step, event.histogram_value.num, event.histogram_value.min, event.histogram_value.max,
             event.histogram_value.sum, sum(event.histogram_value.bucket)]
            for event in accumulator.Histograms(tag)]
    if tags["graph"]:
        graph = accumulator.Graph()
        run["graph"] = [[node.name, node.op, list(node.input)] for node in graph.node]
    return run


def main(logdir):
    runs = {}
    for folder, _, files in sorted(os.walk(logdir)):
        if any("tfevents" in name for name in files):
            runs[os.path.relpath(folder, logdir)] = read_run(folder)
    json.dump(runs, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
