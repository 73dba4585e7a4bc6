"""Fixtures for Gatelane's safetensors import, made by PyTorch; and the check of Gatelane's export in PyTorch.

  /usr/bin/python3 interop/src/test/python/make_fixtures.py make OUT_DIR
      writes small character models as PyTorch state dicts in safetensors files (LSTM, GRU and RNN, one and two
      layers, with and without an nn.Embedding, F32 plus F16 and BF16 variants) and fixtures.json: for each file
      the mean cross-entropy (nats) PyTorch computes on TEXT, from a zero state, in one stream.
  /usr/bin/python3 interop/src/test/python/make_fixtures.py check FILE.safetensors EXPECTED_LOSS
      loads a file Gatelane exported into nn.LSTM (or nn.GRU or nn.RNN, told by the rows of weight_hh_l0) + nn.Linear with
      load_state_dict and prints PyTorch's loss on TEXT beside Gatelane's.

The safetensors format is written and read here by hand (8-byte little-endian header length, JSON header, raw
little-endian data), so that only Debian's python3-torch is needed. Run by hand: CI has no PyTorch.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

TEXT = ("The keeper winds the clock at dusk; the lens turns, and the beam sweeps the water. "
        "Ships far out count the flashes and know the coast.\n")
VOCAB = sorted(set(TEXT))
INDEX = {c: i for i, c in enumerate(VOCAB)}


class CharModel(nn.Module):
    def __init__(self, cell, hidden, layers, embedding):
        super().__init__()
        v = len(VOCAB)
        self.embedding = embedding
        if embedding:
            self.embed = nn.Embedding(v, embedding)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.rnn = rnn(embedding or v, hidden, layers)
        self.head = nn.Linear(hidden, v)

    def forward(self, symbols):
        x = self.embed(symbols) if self.embedding else nn.functional.one_hot(symbols, len(VOCAB)).float()
        y, _ = self.rnn(x)
        return self.head(y)


def loss_of(model):
    symbols = torch.tensor([INDEX[c] for c in TEXT])
    with torch.no_grad():
        logits = model(symbols[:-1].view(-1, 1))
        return nn.functional.cross_entropy(logits.view(-1, len(VOCAB)), symbols[1:]).item()


DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def save(state, path, dtype_name):
    header, blobs, at = {"__metadata__": {"gatelane.vocabulary": "".join(VOCAB)}}, [], 0
    for name, tensor in state.items():
        t = tensor.detach().to(DTYPES[dtype_name]).contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if dtype_name != "F32" else t.numpy().tobytes()
        header[name] = {"dtype": dtype_name, "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        assert entry["dtype"] == "F32", entry
        state[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).view(entry["shape"])
    return state


def make(out):
    os.makedirs(out, exist_ok=True)
    fixtures = {}
    # New configurations go last: each draws from its own seed, so the files before it stay as they were.
    configs = [("lstm", 1, 0), ("lstm", 2, 0), ("lstm", 1, 12), ("lstm", 2, 12), ("gru", 1, 0), ("gru", 2, 12),
               ("rnn", 1, 0), ("rnn", 2, 12)]
    for seed, (cell, layers, embedding) in enumerate(configs):
        torch.manual_seed(100 + seed)
        model = CharModel(cell, 16, layers, embedding)
        for dtype_name in ("F32", "F16", "BF16") if (cell, layers, embedding) == ("lstm", 1, 0) else ("F32",):
            # The loss of the weights as stored: rounded to the file's dtype and back.
            rounded = {k: v.to(DTYPES[dtype_name]).float() for k, v in model.state_dict().items()}
            model.load_state_dict(rounded)
            name = f"{cell}-{layers}layer{'-embed' if embedding else ''}-{dtype_name.lower()}"
            save(model.state_dict(), os.path.join(out, name + ".safetensors"), dtype_name)
            fixtures[name] = {"cell": cell, "layers": layers, "embedding": embedding, "dtype": dtype_name,
                              "loss": loss_of(model)}
    fixtures["_text"] = TEXT
    fixtures["_torch"] = torch.__version__
    with open(os.path.join(out, "fixtures.json"), "w", encoding="utf-8") as f:
        json.dump(fixtures, f, indent=1, ensure_ascii=False)
    print(json.dumps({k: v for k, v in fixtures.items() if not k.startswith("_")}, indent=1))


def check(path, expected):
    state = load(path)
    layers = sum(1 for k in state if k.startswith("rnn.weight_ih_l"))
    hidden = state["head.weight"].shape[1]
    cell = {4 * hidden: "lstm", 3 * hidden: "gru", hidden: "rnn"}[state["rnn.weight_hh_l0"].shape[0]]
    model = CharModel(cell, hidden, layers, 0)
    model.load_state_dict(state)
    loss = loss_of(model)
    print(json.dumps({"file": os.path.basename(path), "cell": cell, "torch": torch.__version__, "pytorch_loss": loss,
                      "gatelane_loss": float(expected), "relative_difference": abs(loss - float(expected)) / loss}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
