#!/usr/bin/env bash
# The whole speed comparison on this machine, at both widths, PyTorch in the same sitting:
#   bench/compare.sh [quick|full]      (default quick, 25-35 minutes; full about 3 hours)
# 1. the preferred width: the machine's ceilings (PeakBenchmark, BandwidthBenchmark), the kernels, the
#    training step and sampling, scalar and vector;
# 2. the same under -XX:UseAVX=2 (256-bit vectors; on an AVX2-only CPU this repeats step 1 as a noise check);
# 3. the anchors at their native kernels and at 256 bits, one thread and two: Intel oneDNN's LSTM primitive
#    (../shared/anchors/onednn, built here; Debian's libdnnl-dev is installed if missing) and PyTorch
#    (../shared/anchors/pytorch; python3-torch and OpenBLAS likewise);
# 4. bench/results/results-<width>.md, -roofline.png and -vs-anchors.png for each width.
# Run nothing else meanwhile: two cores leave no room for a build beside a benchmark.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-quick}"
# shellcheck source=bench/packages.sh
. bench/packages.sh
need_onednn
need_torch
onednn=../shared/anchors/onednn
"$onednn/build.sh" >&2
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
# oneDNN: the training step at TrainingBenchmark's shapes; ONEDNN_MAX_CPU_ISA=AVX2 is its -XX:UseAVX=2.
rm -f "$out/onednn.jsonl" "$out/onednn-avx2.jsonl"
for isa in ALL AVX2; do
  file="$out/onednn.jsonl"
  [ "$isa" = AVX2 ] && file="$out/onednn-avx2.jsonl"
  for threads in 1 2; do
    for steps_streams in 100/32 25/1; do
      [ "$threads" = 2 ] && [ "$steps_streams" = 25/1 ] && continue   # one stream gives a second thread nothing
      ONEDNN_MAX_CPU_ISA=$isa OMP_NUM_THREADS=$threads "$onednn/lstm_train" --H 128 256 512 \
          --T "${steps_streams%/*}" --B "${steps_streams#*/}" --min-time 2 --reps 3 --warmup 2 >> "$file"
    done
  done
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
  suffix=""
  [ "$width" = avx2 ] && suffix="-avx2"
  "$java" --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.gatelane.bench.ResultsReport \
      "$out/results-$width" "$out/kernels-$width.json" "$out/end-to-end-$width.json" \
      --onednn "$out/onednn$suffix.jsonl" --pytorch "$out/pytorch$suffix.jsonl"
done
