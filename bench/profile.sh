#!/usr/bin/env bash
# Where a training step spends its time: one JMH fork of TrainingBenchmark under async-profiler (CPU samples),
# summed by the call site in core that called into the kernels, so the GEMMs of the recurrence, the weight
# gradients, the cells and everything else each get their share of the step. The same for one step of batched
# generation (GenerationBenchmark).
#
# Usage: bench/profile.sh [CONFIG] [cell]    (default 256/100/32/1/1 lstm; CONFIG is H/T/B/groups/threads)
#        bench/profile.sh generation [H [STREAMS]]    (default 512 64)
# async-profiler comes from Maven Central (tools.profiler:async-profiler, linux-x64 library) into
# bench/target/profiler; the raw collapsed stacks stay in bench/target/profile for a flame graph.
# JVM_ARGS (for example -XX:UseAVX=2) are added to the fork's options.
# Nothing else should run meanwhile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
if [ "${1:-}" = generation ]; then
  benchmark=(GenerationBenchmark -p hidden="${2:-512}" -p streams="${3:-64}")
else
  benchmark=(TrainingBenchmark -p config="${1:-256/100/32/1/1}" -p cell="${2:-lstm}")
fi
version=3.0
profiler="bench/target/profiler"
library="$profiler/linux-x64/libasyncProfiler.so"
if [ ! -f "$library" ]; then
  ./mvnw -q -B dependency:copy -Dartifact="tools.profiler:async-profiler:$version" -DoutputDirectory="$profiler"
  (cd "$profiler" && unzip -q -o "async-profiler-$version.jar" 'linux-x64/*')
fi
[ -f bench/target/benchmarks.jar ] || ./mvnw -q -B -DskipTests install
java=$(./gatelane --print-java)
out="bench/target/profile"
rm -rf "$out"
"$java" -jar bench/target/benchmarks.jar "${benchmark[@]}" -p implementation=vector -f 1 -wi 3 -w 2 -i 4 -r 2 \
    -jvmArgsAppend "--add-modules=jdk.incubator.vector ${JVM_ARGS:-}" \
    -prof "async:libPath=$here/$library;output=collapsed;dir=$here/$out;event=cpu;interval=1000000" \
    | grep -E "^(Benchmark|${benchmark[0]})"
stacks=$(find "$out" -name 'collapsed-cpu.csv' | head -1)
/usr/bin/python3 - "$stacks" <<'PY'
import collections, re, sys
# Each sample goes to the innermost core frame (who asked) and the outermost kernels frame (what ran).
shares, total = collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, count = line.rsplit(" ", 1)
    frames = [re.sub(r"_\[.\]$", "", f) for f in stack.split(";")]
    core = [f for f in frames if "gatelane/core/" in f]
    kernels = [f for f in frames if "gatelane/kernels/" in f]
    caller = core[-1].split("/")[-1] if core else "(outside core: JIT, GC, JMH)"
    callee = "kernels." + kernels[0].split(".")[-1] if kernels else "(own code)"
    shares[(caller, callee)] += int(count)
    total += int(count)
print(f"{total} samples; share of the step by caller in core and the kernel it ran:")
for (caller, callee), count in shares.most_common(20):
    print(f"{100 * count / total:5.1f} %  {caller:48s} {callee}")
PY
