"""Equal steps from identical initial weights: the strongest check that Gatelane and PyTorch train the same model.

  identical_start.py init  TRAIN.txt OUT.safetensors [--seed S] [--hidden H] [--cell lstm|gru] [--layers L]
      draws nn.LSTM(V, H) (or nn.GRU) + nn.Linear(H, V) as PyTorch does and writes them with the vocabulary
      (then: gatelane import --from OUT.safetensors --out init.gatelane;
             gatelane train --init-from init.gatelane --text TRAIN.txt ... --iterations N)
  identical_start.py train TRAIN.txt INIT.safetensors OUT.safetensors --iterations N [--hidden H] [--cell ...]
      trains those weights char-rnn style (T=100, B=32, Adam lr 2e-3, clip 5, one thread), printing the
      training loss in bits/char every 100 steps, and writes the result
  identical_start.py score TEXT.txt MODEL.safetensors...
      scores each model (nn.LSTM or nn.GRU, told by the rows of weight_hh_l0, any number of layers) on TEXT from
      a zero state in one stream (chunks of 1,000 characters, state carried), printing the mean bits/char and the
      mean over every 20,000 characters, to find where a model fails (and, for an LSTM, the largest |c| the
      carried state reaches in each of those stretches); compare with `gatelane eval`
  identical_start.py trace TEXT.txt MODEL.safetensors... --at STRING [--length N]
      an LSTM's state, character by character, from the line of TEXT that holds STRING (the state carried from
      the text's start): the bits spent on each next character, the first guess, mean and largest |c|, mean |h|
"""
import argparse, json, math, struct, sys

import numpy as np
import torch
import torch.nn as nn


def save(path, tensors, vocabulary):
    header, blobs, at = {"__metadata__": {"gatelane.vocabulary": vocabulary}}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    tensors = {name: torch.from_numpy(np.frombuffer(raw[8 + n + e["data_offsets"][0]:8 + n + e["data_offsets"][1]],
                                                    dtype=np.float32).reshape(e["shape"]).copy())
               for name, e in header.items() if name != "__metadata__"}
    return tensors, header["__metadata__"]["gatelane.vocabulary"]


class Model(nn.Module):
    def __init__(self, V, H, cell="lstm", layers=1):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn, self.head, self.V = rnn(V, H, layers), nn.Linear(H, V), V

    def forward(self, x, state):
        y, state = self.rnn(nn.functional.one_hot(x, self.V).float(), state)
        return self.head(y), state


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["init", "train", "score", "trace"])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--at", help="trace: the text to start at (its line is traced from its first character)")
    ap.add_argument("--length", type=int, default=200, help="trace: characters to trace")
    ap.add_argument("--merged-bias", action="store_true",
                    help="train one bias per gate, as Gatelane does: bias_hh folded into bias_ih and frozen at 0")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    if a.mode == "trace":
        trace(open(a.files[0], encoding="utf-8").read(), a.files[1:], a.at, a.length)
        return
    if a.mode == "score":
        text = open(a.files[0], encoding="utf-8").read()
        for path in a.files[1:]:
            model, vocabulary, cell, layers = load_model(path)
            index = {c: i for i, c in enumerate(vocabulary)}
            x = torch.tensor([index[c] for c in text])
            losses, state, cell_sizes = [], None, []
            with torch.no_grad():
                for p in range(0, len(x) - 1, 1000):
                    chunk = x[p:min(p + 1000, len(x) - 1)]
                    logits, state = model(chunk.view(-1, 1), state)
                    losses.append(nn.functional.cross_entropy(logits.view(-1, model.V), x[p + 1:p + 1 + len(chunk)],
                                                              reduction="none"))
                    if cell == "lstm":  # the largest |c| of any layer's unit at the chunk's end
                        cell_sizes.append(state[1].abs().max().item())
            bits = torch.cat(losses) / math.log(2)
            print(f"{path} ({layers}-layer {cell}): {bits.mean().item():.6f} bits/char; per 20,000 characters:",
                  " ".join(f"{bits[i:i + 20000].mean().item():.2f}" for i in range(0, len(bits), 20000)))
            if cell_sizes:
                print("  largest |c| at the ends of its 1,000-character chunks, per 20,000 characters:",
                      " ".join(f"{max(cell_sizes[i:i + 20]):.1f}" for i in range(0, len(cell_sizes), 20)))
        return
    train = open(a.files[0], encoding="utf-8").read()
    vocabulary = "".join(sorted(set(train)))
    V, H, T, B = len(vocabulary), a.hidden, 100, 32
    model = Model(V, H, a.cell, a.layers)
    if a.mode == "init":
        save(a.files[1], model.state_dict(), vocabulary)
        return
    tensors, _ = load(a.files[1])
    model.load_state_dict(tensors)
    if a.merged_bias:
        with torch.no_grad():
            for name, hh in model.rnn.named_parameters():
                if name.startswith("bias_hh"):
                    getattr(model.rnn, name.replace("hh", "ih")).add_(hh)
                    hh.zero_()
                    hh.requires_grad_(False)
    index = {c: i for i, c in enumerate(vocabulary)}
    data = torch.tensor([index[c] for c in train])
    L = (len(data) - 1) // B
    X, Y = data[:L * B].view(B, L).t(), data[1:L * B + 1].view(B, L).t()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    state, pos = None, 0
    for step in range(1, a.iterations + 1):
        if pos + T > L:
            pos, state = 0, None
        if state is not None:  # the GRU's state is h, the LSTM's (h, c)
            state = state.detach() if torch.is_tensor(state) else tuple(s.detach() for s in state)
        logits, state = model(X[pos:pos + T], state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, V), Y[pos:pos + T].reshape(-1))
        pos += T
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if step % 100 == 0:
            print(step, round(loss.item() / math.log(2), 4), flush=True)
    save(a.files[2], model.state_dict(), vocabulary)


def load_model(path):
    """A saved model as nn.LSTM or nn.GRU (told by the rows of weight_hh_l0), any number of layers."""
    tensors, vocabulary = load(path)
    H = tensors["rnn.weight_hh_l0"].shape[1]
    cell = "gru" if tensors["rnn.weight_hh_l0"].shape[0] == 3 * H else "lstm"
    layers = sum(1 for name in tensors if name.startswith("rnn.weight_ih_l"))
    model = Model(len(vocabulary), H, cell, layers)
    model.load_state_dict(tensors)
    return model, vocabulary, cell, layers


def trace(text, paths, at, length):
    """Per character from the line holding `at`: the bits the model spends on the next one, its first guess, and
    the size of the LSTM's carried state (mean and largest |c|, mean |h|), the state carried from the text's start."""
    start = text.rfind("\n", 0, text.index(at)) + 1
    for path in paths:
        model, vocabulary, cell, _ = load_model(path)
        if cell != "lstm":
            sys.exit(f"{path}: trace follows an LSTM's cell state; this model is a {cell}")
        index = {c: i for i, c in enumerate(vocabulary)}
        x = torch.tensor([index[c] for c in text[:start + length + 1]])
        print(path)
        print("   i char  bits  guess  |c| mean  |c| max  |h| mean")
        with torch.no_grad():
            state = model(x[:start].view(-1, 1), None)[1] if start > 0 else None  # the RNN refuses an empty run
            for i in range(start, start + length):
                logits, state = model(x[i].view(1, 1), state)
                p = torch.softmax(logits.view(-1), 0)
                h, c = state[0].abs(), state[1].abs()
                print(f"{i - start:4d} {text[i]!r:5} {-math.log2(p[x[i + 1]].item()):5.1f}  "
                      f"{vocabulary[p.argmax().item()]!r:5} {c.mean().item():8.2f} {c.max().item():8.2f} "
                      f"{h.mean().item():8.2f}")


if __name__ == "__main__":
    main()
