#!/usr/bin/env bash
# Spark training against one machine, back to back: steps/s of `gatelane train` on 1 and 2 threads, and of
# `gatelane-spark` on local[2] with each --average-every K (0 = the exact per-step gradient sum), same model, same
# text, same two stream groups. Prints each run's summary line; nothing else may run meanwhile (2 cores).
# Usage: bench/spark-local.sh TEXT [H [LAYERS [ITERATIONS [K...]]]]   e.g. bench/spark-local.sh kjv.txt 512 1 384 0 8 16
set -euo pipefail
cd "$(dirname "$0")/.."
text="$1"; hidden="${2:-512}"; layers="${3:-1}"; iterations="${4:-384}"; shift $(( $# < 4 ? $# : 4 ))
averaging=("${@:-0 8 16}")
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
common=(--text "$text" --hidden "$hidden" --layers "$layers" --seq-length 100 --batch-size 32 --stream-groups 2
        --iterations "$iterations" --checkpoint-every 1000000 --val-fraction 0.01 --log-every "$iterations")
for threads in 1 2; do
  echo "threads $threads: $(./gatelane train "${common[@]}" --checkpoint "$work/t$threads.gatelane" --threads "$threads" \
      --sample-every 1000000 2>&1 | grep -E '^done')"
done
for k in ${averaging[*]}; do
  out="$(./gatelane-spark "${common[@]}" --checkpoint "$work/k$k.gatelane" --average-every "$k" --master 'local[2]' 2>&1)"
  echo "spark K=$k: $(echo "$out" | grep -E "^$iterations \|") | $(echo "$out" | grep -E 'steps in')"
done
