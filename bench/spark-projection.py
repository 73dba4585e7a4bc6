#!/usr/bin/env python3
"""Predicts, on paper, what Gatelane's Spark training gains on 4-64 machines, from costs measured on local[2].

Reads bench/results/spark-local.json (written by hand from `bench/spark-local.sh`'s output: the task's compute per
step and the round's fixed overhead per model size) and prints a markdown table. The model, weak scaling (every
machine one task of the same streams, as local[2] ran two):

  round time(W) = K * c                      the slowest task's K steps (c: one step of one task)
                + f + W * t                  the fixed overhead measured on local[2], plus launching W tasks
                + S_down / bw * 2            the broadcast (torrent: about twice one copy's time)
                + W * S_up / bw              every task's result into the driver's network link
                + W * S_up / avg             the driver's averaging (or gradient sum), measured per task
  speedup(W) = W * K * c / round time(W)     against one machine running one such task without Spark

S_up is the parameters plus the optimizer's two Adam moments (averaging) or the gradients (K = 0); bw is an
assumed 10 Gb/s link (1.25 GB/s); t an assumed 2 ms to launch a task. A machine stops paying when the round's
overhead exceeds its compute, i.e. below the step time c* = overhead(W) / K at which efficiency is 50 %.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
BANDWIDTH = 1.25e9   # bytes/s, an assumed 10 Gb/s link
LAUNCH = 0.002       # seconds to launch one task, assumed
MACHINES = [1, 2, 4, 8, 16, 32, 64]


def parameters(hidden, vocabulary, layers):
    count = 0
    inputs = vocabulary
    for _ in range(layers):
        count += (inputs + hidden) * 4 * hidden + 4 * hidden
        inputs = hidden
    return count + hidden * vocabulary + vocabulary


def main():
    measured = json.loads((HERE / "results" / "spark-local.json").read_text())
    print("| model | scheme | c (s/step) | " + " | ".join(f"W={w}" for w in MACHINES) + " | c* at W=64 |")
    print("|---|---|---|" + "---|" * len(MACHINES) + "---|")
    for row in measured["models"]:
        p = parameters(row["hidden"], measured["vocabulary"], row["layers"])
        for scheme, k in (("gradient sum every step", 1), (f"averaging, K = {measured['k']}", measured["k"])):
            exact = scheme.startswith("gradient")
            s_up = 4 * p if exact else 3 * 4 * p
            s_down = 4 * p if exact else 3 * 4 * p
            fixed = row["step_overhead"] if exact else row["round_overhead"]
            combine = row["combine_per_task"] * (1 if exact else 3)
            c = row["task_step"]
            cells = []
            for w in MACHINES:
                overhead = fixed + w * LAUNCH + 2 * s_down / BANDWIDTH + w * s_up / BANDWIDTH + w * combine
                cells.append(f"{w * k * c / (k * c + overhead):.1f}x")
            overhead64 = fixed + 64 * LAUNCH + 2 * s_down / BANDWIDTH + 64 * s_up / BANDWIDTH + 64 * combine
            print(f"| H={row['hidden']} x{row['layers']} ({p / 1e6:.2f} M parameters) | {scheme} | {c:.3f} | "
                  + " | ".join(cells) + f" | {overhead64 / k:.3f} s |")


if __name__ == "__main__":
    main()
