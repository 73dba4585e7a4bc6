#!/usr/bin/env bash
# GRU against LSTM, and each against PyTorch, one thread, in one sitting: bench/gru.sh [run|render]
# (run: about 10 minutes, then render; render: bench/results/gru.md from the saved results only)
# Gatelane: TrainingBenchmark (vector kernels, preferred width) with -p cell=lstm,gru. PyTorch: the LSTM anchor
# (../shared/anchors/pytorch/charlstm_torch.py) and bench/python/chargru_torch.py, which measures nn.GRU with the
# anchor's own protocol. Writes bench/results/gru.{jsonl,md}. Run nothing else meanwhile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
java=$(./gatelane --print-java)
out=bench/results
if [ "${1:-run}" = run ]; then
(./mvnw -q -B -DskipTests install >&2)
configs="128/25/1/1/1,256/25/1/1/1,512/25/1/1/1,128/100/32/1/1,256/100/32/1/1,512/100/32/1/1"
"$java" -jar bench/target/benchmarks.jar TrainingBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1 -p implementation=vector \
    -p cell=lstm,gru -p config="$configs" -jvmArgsAppend "--add-modules=jdk.incubator.vector" \
    -rf json -rff "$out/gru-gatelane.json"
rm -f "$out/gru-torch.jsonl"
for B in "1 --T 25" "32 --T 100"; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 /usr/bin/python3 \
      ../shared/anchors/pytorch/charlstm_torch.py train --threads 1 --H 128 256 512 --B $B --out "$out/gru-torch.jsonl"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 /usr/bin/python3 \
      bench/python/chargru_torch.py --threads 1 --H 128 256 512 --B $B --out "$out/gru-torch.jsonl"
done
fi
/usr/bin/python3 - "$out" "$java" <<'PY'
import json, subprocess, sys
out, java = sys.argv[1], sys.argv[2]
cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
family = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("cpu family"))
jdk = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
gatelane = {}
for r in json.load(open(f"{out}/gru-gatelane.json")):
    p = r["params"]
    H, T, B = (int(x) for x in p["config"].split("/")[:3])
    gatelane[(p["cell"], H, T, B)] = r["primaryMetric"]["score"] * T * B
torch = {}
for line in open(f"{out}/gru-torch.jsonl"):
    r = json.loads(line)
    torch[(r.get("cell", "lstm"), r["H"], r["T"], r["B"])] = r["median"]
V = 65
# Training FLOPs per character, as ResultsReport's compute limit counts them: the recurrent and head GEMMs,
# forward and twice backward (the one-hot input is a gather): 3·(2·H·G + 2·H·V) with G = 4H or 3H.
flops = {"lstm": lambda H: 24 * H * H + 6 * V * H, "gru": lambda H: 18 * H * H + 6 * V * H}
rows = ["| H | T | B | LSTM Gatelane | LSTM PyTorch | ratio | GRU Gatelane | GRU PyTorch | ratio | GRU/LSTM chars/s "
        "| GRU/LSTM FLOP/s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
for (cell, H, T, B) in sorted(k for k in gatelane if k[0] == "lstm"):
    l, lt = gatelane[("lstm", H, T, B)], torch.get(("lstm", H, T, B))
    g, gt = gatelane[("gru", H, T, B)], torch.get(("gru", H, T, B))
    rows.append(f"| {H} | {T} | {B} | {l:,.0f} | {lt:,.0f} | **{l / lt:.2f}×** | {g:,.0f} | {gt:,.0f} | **{g / gt:.2f}×** "
                f"| {g / l:.2f} | {g * flops['gru'](H) / (l * flops['lstm'](H)):.2f} |")
with open(f"{out}/gru.md", "w") as f:
    f.write("# GRU and LSTM training, Gatelane against PyTorch (chars/s, one thread)\n\n")
    f.write(f"Written by `bench/gru.sh`: {cpu} (family {family}), {jdk}, Gatelane's vector kernels at the preferred "
            "width, JMH (1 fork, 5 × 1 s); PyTorch's nn.LSTM through the anchor script and nn.GRU through "
            "`bench/python/chargru_torch.py`, the same protocol, OpenBLAS at its native kernels. One layer, "
            "V = 65, Adam, no clipping. Ratios are Gatelane ÷ PyTorch in the same sitting. The last column is the "
            "GRU's FLOP rate over the LSTM's (18H² + 6VH against 24H² + 6VH FLOPs per character): above 1, the GRU "
            "runs at a larger share of the same machine's peak than the LSTM.\n\n")
    f.write("\n".join(rows) + "\n")
print("\n".join(rows))
PY
