#!/usr/bin/env bash
# The whole speed comparison on this machine, at both widths, PyTorch in the same sitting:
#   bench/compare.sh [quick|full]      (default quick, about 25 minutes; full about 3 hours)
# 1. the preferred width: the machine's ceilings (PeakBenchmark, BandwidthBenchmark), the kernels, the
#    training step and sampling, scalar and vector;
# 2. the same under -XX:UseAVX=2 (256-bit vectors; on an AVX2-only CPU this repeats step 1 as a noise check);
# 3. the PyTorch anchor (../shared/anchors/pytorch) at its native kernels and at 256 bits;
# 4. bench/results/results-<width>.md and .png for each width.
# Run nothing else meanwhile: two cores leave no room for a build beside a benchmark.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-quick}"
(./mvnw -q -B -DskipTests install >&2)
java=$(./gatelane --print-java)
out=bench/results
grep -m1 "model name" /proc/cpuinfo >&2
if [ "$mode" = quick ]; then
  jmh=(-f 1 -wi 2 -w 1 -i 3 -r 1 -prof gc)
  kernels="PeakBenchmark|BandwidthBenchmark|GemvBenchmark|MatrixBenchmark|WeightGradientBenchmark"
  params=(-p hidden=128,256,512 -p batch=32)
else
  jmh=(-prof gc)
  kernels="PeakBenchmark|BandwidthBenchmark|Gemv|Matrix|WeightGradient|Elementwise"
  params=()
fi
for width in preferred avx2; do
  flags="--add-modules=jdk.incubator.vector"
  [ "$width" = avx2 ] && flags="$flags -XX:UseAVX=2"
  "$java" -jar bench/target/benchmarks.jar "$kernels" "${jmh[@]}" "${params[@]}" -jvmArgsAppend "$flags" \
      -rf json -rff "$out/kernels-$width.json"
  "$java" -jar bench/target/benchmarks.jar "TrainingBenchmark|SamplingBenchmark" "${jmh[@]}" \
      -jvmArgsAppend "$flags" -rf json -rff "$out/end-to-end-$width.json"
done
anchor=../shared/anchors/pytorch/charlstm_torch.py
rm -f "$out/pytorch.jsonl" "$out/pytorch-avx2.jsonl"
for threads in 1 2; do
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$threads /usr/bin/python3 "$anchor" train \
      --threads $threads --H 128 256 512 --T 25 100 --B 1 32 --out "$out/pytorch.jsonl"
  OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 OMP_NUM_THREADS=$threads /usr/bin/python3 "$anchor" train \
      --threads $threads --H 128 256 512 --T 100 --B 32 --out "$out/pytorch-avx2.jsonl"
done
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 /usr/bin/python3 "$anchor" sample --threads 1 \
    --H 128 256 512 --out "$out/pytorch.jsonl"
for width in preferred avx2; do
  torch="$out/pytorch.jsonl"
  [ "$width" = avx2 ] && torch="$out/pytorch-avx2.jsonl"
  "$java" --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.gatelane.bench.ResultsReport \
      "$out/results-$width" "$out/kernels-$width.json" "$out/end-to-end-$width.json" --pytorch "$torch"
done
