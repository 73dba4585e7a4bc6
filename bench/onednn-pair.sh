#!/usr/bin/env bash
# Gatelane's training step against Intel oneDNN's LSTM, the two alternating, two rounds of each: a quieter
# reading of the ratios than compare.sh's single pass, whose Gatelane rows on a shared 2-core VM swing by a third.
#   bench/onednn-pair.sh [preferred|avx2]      (default preferred; about 15 minutes)
# One thread at B = 32, T = 100 and at B = 1, T = 25, then two threads at B = 32, H = 128 / 256 / 512; avx2 limits
# both sides to 256 bits (-XX:UseAVX=2, ONEDNN_MAX_CPU_ISA=AVX2). The raw output goes to
# bench/target/onednn-pair-<width>.txt and the table (Gatelane / oneDNN on the mean of the rounds, Gatelane's share
# of the compute limit: the same runs' peak over 24H² + 6VH FLOPs a character) to standard output.
# Run nothing else meanwhile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
width="${1:-preferred}"
case "$width" in
  preferred) isa=ALL; jvm_width="" ;;
  avx2) isa=AVX2; jvm_width="-XX:UseAVX=2" ;;
  *) echo "onednn-pair.sh: width must be preferred or avx2, not '$width'" >&2; exit 2 ;;
esac
# shellcheck source=bench/packages.sh
. bench/packages.sh
need_onednn
onednn=../shared/anchors/onednn
"$onednn/build.sh" >&2
[ -f bench/target/benchmarks.jar ] || (./mvnw -q -B -DskipTests install >&2)
java=$(./gatelane --print-java)
raw="bench/target/onednn-pair-$width.txt"

gatelane() { # configs (H/T/B/groups/threads, comma-separated)
  "$java" -jar bench/target/benchmarks.jar "TrainingBenchmark|PeakBenchmark" -p config="$1" -p cell=lstm \
      -p implementation=vector -f 1 -wi 2 -w 2 -i 3 -r 2 \
      -jvmArgsAppend "--add-modules=jdk.incubator.vector $jvm_width" 2>&1 | grep -E "^(TrainingBenchmark|PeakBenchmark)"
}
anchor() { # threads steps batch
  ONEDNN_MAX_CPU_ISA=$isa OMP_NUM_THREADS=$1 "$onednn/lstm_train" --H 128 256 512 --T "$2" --B "$3" \
      --min-time 2 --reps 3 --warmup 2
}
{
  grep -m1 "model name" /proc/cpuinfo
  grep -m1 "cpu family" /proc/cpuinfo
  grep -m1 "^model\s" /proc/cpuinfo
  for round in 1 2; do
    anchor 1 100 32
    anchor 1 25 1
    gatelane 128/100/32/1/1,256/100/32/1/1,512/100/32/1/1,128/25/1/1/1,256/25/1/1/1,512/25/1/1/1
  done
  for round in 1 2; do
    anchor 2 100 32
    gatelane 128/100/32/2/2,256/100/32/2/2,512/100/32/2/2
  done
} | tee "$raw" >&2

# FLOPs of one peakFma operation, one vector FMA: 2 x 16 lanes at 512 bits (the JVM's width where the CPU has
# AVX-512), 2 x 8 at 256.
flops_per_fma=16
[ "$width" = preferred ] && grep -qw avx512f /proc/cpuinfo && flops_per_fma=32
/usr/bin/python3 - "$raw" "$flops_per_fma" <<'PY'
import json, re, statistics, sys
text, flops_per_fma, vocabulary = open(sys.argv[1]).read(), int(sys.argv[2]), 65
anchor, gatelane = {}, {}
for line in re.findall(r"^\{.*\}$", text, re.M):
    run = json.loads(line)
    anchor.setdefault((run["H"], run["T"], run["B"], run["threads"]), []).append(run["chars_per_s_median"])
for h, t, b, threads, score in re.findall(
        r"trainingStep\s+lstm\s+(\d+)/(\d+)/(\d+)/\d+/(\d+)\s+vector\s+thrpt\s+\d+\s+([\d.]+)", text):
    gatelane.setdefault((int(h), int(t), int(b), int(threads)), []).append(float(score) * int(t) * int(b))
peaks = [float(p) for p in re.findall(r"peakFma.*?thrpt\s+\d+\s+([\d.]+)", text)]
peak = statistics.mean(peaks) * flops_per_fma
print(f"same-run peak {peak / 1e9:.1f} GFLOP/s (mean of {len(peaks)} runs)")
print("| H / T / B | threads | oneDNN chars/s | Gatelane chars/s | Gatelane / oneDNN | Gatelane's share of the limit |")
print("|---|---|---|---|---|---|")
for key in sorted(gatelane, key=lambda k: (k[3], -k[2], k[0])):
    h, t, b, threads = key
    ours, theirs = gatelane[key], anchor.get(key, [])
    limit = peak * threads / (24 * h * h + 6 * vocabulary * h)
    ratio = f"{statistics.mean(ours) / statistics.mean(theirs):.2f}x" if theirs else "-"
    print(f"| {h} / {t} / {b} | {threads} | {' / '.join(f'{x / 1e3:.1f}k' for x in theirs)} | "
          f"{' / '.join(f'{x / 1e3:.1f}k' for x in ours)} | {ratio} | {100 * statistics.mean(ours) / limit:.0f} % |")
PY
