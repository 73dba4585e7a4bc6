#!/usr/bin/env bash
# Time to quality: how good a character model Gatelane and PyTorch train on a real text in the same wall time.
#
# Usage: bench/quality.sh [all|short|long|deep|steps|seeds|schedules|stuck|restarts|render]   (default: all; on a quiet machine, nothing beside it)
#   short   120 s of training, one thread and two threads, Gatelane (CLI, defaults) against the PyTorch anchor
#   seeds [THREADS [SECONDS [SEED...]]]  120 s (or SECONDS), one thread (or THREADS), seeds 1 to 5 (or SEED...) on both
#           sides, Gatelane with --time (it ends itself, validated
#           and saved): one seed's trajectory can get unlucky (see bench/results/quality-spikes.md), five give
#           the spread; the anchor validates every 500 steps, so that both sides report their best-validation
#           model beside their last. Both sides at a constant rate, or with PAIR=default Gatelane with the defaults
#           of --time (its cooldown) against the anchor at its constant rate, each side as it is used
#   schedules [SECONDS [SEED...]]  (default 120 s, seeds 1 to 5), one thread, four runs a seed in one sitting:
#           each side at a constant rate (as seeds) and descending to the deadline (Gatelane --lr-schedule
#           cosine, the anchor under bench/python/deadline_schedule.py --schedule cosine): what the schedule buys
#           each side, the engine's lead apart from the recipe's, and which schedule --time should default to;
#           CONSTANT_ONLY=1 runs only the constant-rate pair of each seed, COSINE_ONLY=1 only the descending pair
#           (the constant pairs of `seeds` share its labels); DESCENT=linear|cooldown descends that way instead of
#           by a cosine; SIDES=gatelane or SIDES=pytorch runs that side's descending run only
#   long    600 s, one thread, both (about 21 minutes)
#   deep [SEED...]  (default seeds 1 to 3) two layers of 512 with dropout 0.2 for 600 s, both sides, a pair per
#           seed, about 21 minutes each (PyTorch's validations make its side slower)
#   steps   equal-step curves with matched initialisation (Gatelane --forget-bias 1 against the anchor's
#           --init zero-bias --forget-bias 1), the proof that both compute the same model
#   stuck [STEPS [SEED...]]  (default 1,000 steps, about PyTorch's 120 s here; seeds 1 to 5) the stuck state of
#           bench/results/quality-spikes.md, counted on both sides: each side trains its own seed for the same
#           number of steps (Gatelane `gatelane train`, PyTorch bench/python/identical_start.py from its own
#           initialisation), then each model is scored on the validation text from a zero state, per 20,000
#           characters, with the largest |c| its carried state reaches in each stretch; into
#           bench/target/quality/stuck-STEPS.txt
#   restarts [SECONDS [SEED...]]  (default 120 s, seeds 1 to 3) Gatelane alone, one thread, with --time's
#           defaults and streams restarting from zeros every 25, 100 (the default) and 400 chunks (or INTERVALS="N
#           ..."), one run per interval and seed in one sitting: what the interval of --restart-every costs or buys
#   render  bench/results/quality.md and quality.png from bench/results/quality.jsonl
#
# The text is the King James Bible from Debian's bible-kjv package (installed here if missing), verse labels
# removed, split 90/10 into train and validation under bench/target/quality; it is never committed.
# Every run appends one JSON line to bench/results/quality.jsonl. Gatelane runs exactly as a user would:
# `gatelane train ... --threads N`, SIGINT when the wall time is up (it saves and exits), then `gatelane eval`
# on the validation text from a zero state; the wall time includes its JVM start. PyTorch's budget counts
# training only (the anchor script excludes its start-up), so the comparison leans, slightly, its way.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
what="${1:-all}"
work="$here/bench/target/quality"
results="$here/bench/results/quality.jsonl"
anchor="$here/../shared/anchors/pytorch/charlstm_quality.py"
mkdir -p "$work" "$(dirname "$results")"

# shellcheck source=bench/packages.sh
. "$here/bench/packages.sh"

prepare() {
  command -v bible >/dev/null || install_packages bible-kjv
  need_torch
  if [ ! -s "$work/train.txt" ]; then
    bible -f Gen1:1-Rev22:21 | sed -E 's/^[0-9]?[A-Za-z]+[0-9]+:[0-9]+ //' > "$work/kjv.txt"
    /usr/bin/python3 - "$work" <<'PY'
import sys, os
work = sys.argv[1]
text = open(os.path.join(work, "kjv.txt"), encoding="utf-8").read()
cut = len(text) * 9 // 10
open(os.path.join(work, "train.txt"), "w", encoding="utf-8").write(text[:cut])
open(os.path.join(work, "val.txt"), "w", encoding="utf-8").write(text[cut:])
print(f"corpus: {len(text)} characters, {cut} for training, {len(text) - cut} for validation", file=sys.stderr)
PY
  fi
  ./gatelane --help >/dev/null   # builds the jar if needed, before any clock starts
  cp cli/target/gatelane.jar "$work/gatelane.jar"   # a copy: edits elsewhere never rebuild it mid-run
}

gl() { "$(./gatelane --print-java)" --add-modules jdk.incubator.vector -jar "$work/gatelane.jar" "$@"; }

# gatelane_run LABEL SECONDS THREADS HIDDEN [extra train options...]
gatelane_run() {
  local label="$1" seconds="$2" threads="$3" hidden="$4"; shift 4
  local model="$work/$label.gatelane"
  rm -f "$model" "$model".*
  local started ended stop=(timeout -s INT --kill-after=120 "$seconds") budget=()
  if [ "${TIMED:-0}" = 1 ]; then
    # The run ends itself at its budget (--time), validated and saved; the timeout only guards against a hang.
    stop=(timeout -s INT --kill-after=120 "$((seconds + 60))")
    budget=(--time "${seconds}s")
  fi
  started=$(date +%s.%N)
  "${stop[@]}" "$(./gatelane --print-java)" --add-modules jdk.incubator.vector \
      -jar "$work/gatelane.jar" train --text "$work/train.txt" --val-text "$work/val.txt" \
      --hidden "$hidden" --seq-length 100 --batch-size 32 --lr 0.002 --threads "$threads" --checkpoint "$model" \
      --iterations 100000000 --sample-every 1000 "${budget[@]}" "$@" > "$work/$label.log" || true
  ended=$(date +%s.%N)
  local eval_line best_line=""
  eval_line=$(gl eval --model "$model" --text "$work/val.txt")
  # The best-validation model the run kept beside the last (see quality-spikes.md): what keeping the best buys.
  if [ -f "$model.best" ] && ! cmp -s "$model" "$model.best"; then   # the same bytes when the last was the best
    best_line=$(gl eval --model "$model.best" --text "$work/val.txt")
  fi
  /usr/bin/python3 - "$label" "$seconds" "$threads" "$model" "$eval_line" "$started" "$ended" "$results" "$*" \
      "$best_line" <<'PY'
import json, os, re, sys, csv
label, seconds, threads, model, eval_line, started, ended, out, extra, best_line = sys.argv[1:]
def bits_per_char(line):  # from `gatelane eval`'s line
    return float(re.search(r": ([0-9.]+) bits/char", line).group(1))
bpc = bits_per_char(eval_line)
best = bits_per_char(best_line) if best_line else bpc
rows = list(csv.reader(open(model + ".csv")))[1:]
curve = [[float(r[1]), round(float(r[3]) / 0.6931471805599453, 4)] for r in rows if r[2] == "validation"]
log = open(model.replace(".gatelane", ".log")).read()
iters = int(re.findall(r"(?:interrupted at iteration|checkpoint iter|done:) (\d+)", log)[-1])
# Streams restarted within the epoch every N chunks (--restart-every, said at the start); 0: at epochs only.
restart = re.search(r"streams restart every (\d+) chunks", log)
# Its dropout, as the run said at its start: "dropout P" (from the first step), "dropout P from iteration I (after N
# passes)" (late) or "no dropout".
dropout = re.search(r"; dropout ([0-9.]+)(?: from iteration \d+ \(after (\d+) pass)?", log)
wall = float(ended) - float(started)
cpu = open("/proc/cpuinfo").read()
family = re.search(r"cpu family\s*: (\d+)", cpu).group(1)
model_number = re.search(r"\nmodel\s*: (\d+)", cpu).group(1)
record = {"system": "gatelane", "cpu": f"family {family} model {model_number}", "label": label,
          "budget_s": int(seconds), "threads": int(threads),
          "options": extra, "restart_every": int(restart.group(1)) if restart else 0, "dropout": float(dropout.group(1)) if dropout else 0.0,
          "dropout_after": int(dropout.group(2) or 0) if dropout else 0, "stopped_by": "--time" if os.environ.get("TIMED") == "1" else "SIGINT", "iterations": iters, "wall_s": round(wall, 1),
          "chars_per_s": round(iters * 100 * 32 / wall), "val_bits_per_char": bpc, "best_val_bits_per_char": best,
          "curve_s_bpc": curve}
open(out, "a").write(json.dumps(record) + "\n")
print(json.dumps(record))
PY
}

# torch_run LABEL SECONDS THREADS [extra anchor options...]; SCHEDULE=cosine|linear descends to the deadline
torch_run() {
  local label="$1" seconds="$2" threads="$3"; shift 3
  local run=("$anchor")
  [ -n "${SCHEDULE:-}" ] && run=("$here/bench/python/deadline_schedule.py" "$anchor" --schedule "$SCHEDULE")
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$threads" /usr/bin/python3 "${run[@]}" \
      --train "$work/train.txt" --val "$work/val.txt" --H 256 --T 100 --B 32 --lr 0.002 --clip 5 \
      --threads "$threads" --seconds "$seconds" --label "$label" "$@" > "$work/$label.json"
  /usr/bin/python3 - "$work/$label.json" "$results" "$seconds" <<'PY'
import json, re, sys
record = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
# Its best validation: the last, or one of those --eval-every took on the way (excluded from its budget).
best = min([record["val_bits_per_char"]] + [point[1] for point in record["curve"]])
cpu = open("/proc/cpuinfo").read()
machine = "family %s model %s" % (re.search(r"cpu family\s*: (\d+)", cpu).group(1),
                                  re.search(r"\nmodel\s*: (\d+)", cpu).group(1))
record.update({"system": "pytorch", "cpu": machine, "budget_s": int(sys.argv[3]), "best_val_bits_per_char": best})
open(sys.argv[2], "a").write(json.dumps(record) + "\n")
print(json.dumps(record))
PY
}

short() {
  for threads in 1 2; do
    gatelane_run "gatelane-120s-${threads}t" 120 "$threads" 256
    torch_run "pytorch-120s-${threads}t" 120 "$threads"
  done
}

long() {
  gatelane_run gatelane-600s-1t 600 1 256 --checkpoint-every 500
  torch_run pytorch-600s-1t 600 1 --eval-every 500
}

deep() {
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
  for seed in "${seeds[@]}"; do
    # A constant rate, as the anchor's: the seeds recorded before the cooldown became --time's default ran so.
    TIMED=1 gatelane_run "gatelane-600s-2x512-dropout-seed$seed" 600 1 512 --layers 2 --dropout 0.2 \
        --checkpoint-every 250 --seed "$seed" --lr-schedule constant
    torch_run "pytorch-600s-2x512-dropout-seed$seed" 600 1 --H 512 --layers 2 --dropout 0.2 --eval-every 250 \
        --seed "$seed"
  done
}

# pair KIND SECONDS THREADS SEED: KIND constant, both sides at a constant rate and without dropout; KIND default,
# each side as it is used, Gatelane with --time's defaults (its schedule included) against the anchor at its
# constant rate. Gatelane ends itself with --time (validating at its end only, since it checkpoints on its clock
# every 10 minutes); the anchor validates every 500 steps outside its budget, so that it reports a best beside its
# last.
pair() {
  local kind="$1" seconds="$2" threads="$3" seed="$4"
  local gatelane_label=timed anchor_label="" recipe=(--lr-schedule constant --dropout 0)
  [ "$kind" = constant ] || { gatelane_label=default; anchor_label=default-; recipe=(); }
  TIMED=1 gatelane_run "gatelane-${seconds}s-${threads}t-$gatelane_label-seed$seed" "$seconds" "$threads" 256 \
      --seed "$seed" "${recipe[@]}"
  torch_run "pytorch-${seconds}s-${threads}t-${anchor_label}seed$seed" "$seconds" "$threads" --seed "$seed" \
      --eval-every 500
}

seeds() {
  local threads="${1:-1}" seconds="${2:-120}"; shift 2 || shift $#
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
  for seed in "${seeds[@]}"; do
    pair "${PAIR:-constant}" "$seconds" "$threads" "$seed"
  done
}

schedules() {
  local seconds="${1:-120}"; shift || true
  local descent="${DESCENT:-cosine}"
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
  for seed in "${seeds[@]}"; do
    [ "${COSINE_ONLY:-0}" = 1 ] || pair constant "$seconds" 1 "$seed"
    [ "${CONSTANT_ONLY:-0}" = 1 ] && continue
    [ "${SIDES:-both}" = pytorch ] || TIMED=1 gatelane_run "gatelane-${seconds}s-1t-$descent-seed$seed" \
        "$seconds" 1 256 --seed "$seed" --lr-schedule "$descent" --dropout 0
    [ "${SIDES:-both}" = gatelane ] || SCHEDULE=$descent torch_run "pytorch-${seconds}s-1t-$descent-seed$seed" \
        "$seconds" 1 --seed "$seed"
  done
}

restarts() {
  local seconds="${1:-120}"; shift || true
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
  for seed in "${seeds[@]}"; do
    for every in ${INTERVALS:-25 100 400}; do
      TIMED=1 gatelane_run "gatelane-${seconds}s-1t-restart-every-$every-seed$seed" "$seconds" 1 256 --seed "$seed" \
          --restart-every "$every"
    done
  done
}

steps() {
  local model="$work/steps.gatelane"
  rm -f "$model" "$model".*
  gl train --text "$work/train.txt" --val-text "$work/val.txt" --hidden 128 --seq-length 50 \
      --batch-size 16 --lr 0.002 --forget-bias 1 --iterations 1500 --checkpoint-every 250 --sample-every 100000 \
      --checkpoint "$model" > "$work/steps.log"
  /usr/bin/python3 - "$model" "$results" <<'PY'
import csv, json, sys
model, out = sys.argv[1:]
rows = list(csv.reader(open(model + ".csv")))[1:]
curve = [[int(r[0]), round(float(r[3]) / 0.6931471805599453, 4)] for r in rows if r[2] == "validation"]
record = {"system": "gatelane", "label": "equal-steps-forget-bias-1", "H": 128, "T": 50, "B": 16,
          "iterations": 1500, "curve": curve}
open(out, "a").write(json.dumps(record) + "\n")
print(json.dumps(record))
PY
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 /usr/bin/python3 "$anchor" \
      --train "$work/train.txt" --val "$work/val.txt" --H 128 --T 50 --B 16 --lr 0.002 --iterations 1500 \
      --eval-every 250 --init zero-bias --forget-bias 1 --label equal-steps-zero-bias-forget-1 >> "$results"
}

stuck() {
  local steps="${1:-1000}"; shift || true
  local seeds=("$@")
  [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
  local start="$here/bench/python/identical_start.py" report="$work/stuck-$steps.txt"
  local torch=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 /usr/bin/python3 "$start")
  : > "$report"
  for seed in "${seeds[@]}"; do
    local model="$work/stuck-gatelane-$steps-seed$seed"
    rm -f "$model".gatelane "$model".gatelane.*
    gl train --text "$work/train.txt" --val-text "$work/val.txt" --hidden 256 --seq-length 100 --batch-size 32 \
        --lr 0.002 --iterations "$steps" --checkpoint-every "$steps" --sample-every 100000000 --seed "$seed" \
        --checkpoint "$model.gatelane" > "$model.log"
    gl export --model "$model.gatelane" --to "$model.safetensors" --force
    local anchor_model="$work/stuck-pytorch-$steps-seed$seed"
    "${torch[@]}" init "$work/train.txt" "$anchor_model-init.safetensors" --seed "$seed"
    "${torch[@]}" train "$work/train.txt" "$anchor_model-init.safetensors" "$anchor_model.safetensors" \
        --iterations "$steps" > "$anchor_model.log"
    "${torch[@]}" score "$work/val.txt" "$model.safetensors" "$anchor_model.safetensors" | tee -a "$report"
  done
}

render() {
  local java
  java=$(./gatelane --print-java)
  (./mvnw -q -B -DskipTests install -pl bench -am >&2)
  "$java" --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.gatelane.bench.QualityReport \
      "$results" bench/results/quality
}

case "$what" in
  all) prepare; short; seeds; long; deep; steps; render ;;
  short|long|steps) prepare; "$what" ;;
  seeds) prepare; shift; seeds "$@" ;;
  deep) prepare; shift; deep "$@" ;;
  schedules) prepare; shift; schedules "$@" ;;
  stuck) prepare; shift; stuck "$@" ;;
  restarts) prepare; shift; restarts "$@" ;;
  render) render ;;
  *) echo "usage: bench/quality.sh [all|short|long|deep|steps|seeds|schedules|stuck|restarts|render]" >&2; exit 2 ;;
esac
