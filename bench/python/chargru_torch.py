"""PyTorch's nn.GRU training throughput, measured exactly as the LSTM anchor measures nn.LSTM.

The anchor (../shared/anchors/pytorch/charlstm_torch.py) knows only the LSTM. This script reuses its corpus and
timing protocol (benchutil.timed_reps: warm-up, calibration, repetitions, contention guard) and its training
step, with nn.GRU in place of nn.LSTM: one-hot input over D symbols, one layer, nn.Linear head, mean
cross-entropy, Adam (lr 1e-3), no clipping, state carried and detached.

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/python/chargru_torch.py \\
      --H 128 256 512 --T 25 --B 1 --threads 1 --out bench/results/gru-torch.jsonl
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ANCHOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "anchors", "pytorch")
sys.path.insert(0, ANCHOR)
from benchutil import timed_reps  # noqa: E402
from corpus import build_corpus  # noqa: E402


class CharGRU(nn.Module):
    def __init__(self, D, H):
        super().__init__()
        self.gru = nn.GRU(D, H, num_layers=1, batch_first=True)
        self.fc = nn.Linear(H, D)

    def forward(self, x_onehot, state):
        out, state = self.gru(x_onehot, state)
        return self.fc(out), state


def bench_train(D, H, T, B, data, args):
    torch.manual_seed(1234)
    model = CharGRU(D, H)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data_t = torch.tensor(data, dtype=torch.long)
    L = len(data) // B
    streams = data_t[: B * L].view(B, L)
    st = dict(pos=0, h=torch.zeros(1, B, H), loss=None)

    def step():
        p = st["pos"]
        if p + T + 1 > L:
            p = 0
            st["h"].zero_()
        xb = streams[:, p: p + T]
        yb = streams[:, p + 1: p + T + 1]
        st["pos"] = p + T
        logits, h = model(F.one_hot(xb, D).to(torch.float32), st["h"])
        loss = F.cross_entropy(logits.reshape(B * T, D), yb.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        st["h"] = h.detach()
        st["loss"] = loss.detach()

    res = timed_reps(step, B * T, args.warmup, args.min_time, args.reps)
    res["final_loss"] = round(float(st["loss"]), 4)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--H", type=int, nargs="+", default=[128])
    ap.add_argument("--T", type=int, nargs="+", default=[25])
    ap.add_argument("--B", type=int, nargs="+", default=[1])
    ap.add_argument("--D", type=int, default=65)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--min-time", type=float, default=3.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = build_corpus(args.D)["data"]
    for H in args.H:
        for T in args.T:
            for B in args.B:
                record = dict(mode="train", cell="gru", torch=torch.__version__, threads=torch.get_num_threads(),
                              D=args.D, H=H, T=T, B=B, unit="chars/s", **bench_train(args.D, H, T, B, data, args))
                line = json.dumps(record)
                print(line, flush=True)
                if args.out:
                    with open(args.out, "a") as f:
                        f.write(line + "\n")


if __name__ == "__main__":
    main()
