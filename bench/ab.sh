#!/usr/bin/env bash
# Two builds of the JMH benchmarks in one sitting, alternating, and the ratio B/A for every benchmark and
# parameter set:   bench/ab.sh JAR_A JAR_B [ROUNDS] -- JMH_ARGS...   (default 2 rounds)
# JAR_A and JAR_B are benchmarks.jar files (e.g. a copy of bench/target/benchmarks.jar from before a change, and
# the current one). Round 1 runs A then B, round 2 B then A, and so on, so that a drift of the machine during the
# sitting falls on both sides alike. JMH_ARGS are JMH's own: the benchmark, -p, -f, -wi, -w, -i, -r. JVM_ARGS (for
# example -XX:UseAVX=2) go to every fork beside --add-modules. Prints each round's ratio B/A and their range: on
# these shared machines a whole step's scores move by several percent from one fork to the next, so a change is
# only seen where every round agrees. Run nothing else meanwhile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: bench/ab.sh JAR_A JAR_B [ROUNDS] -- JMH_ARGS..." >&2; exit 2; }
[ $# -ge 3 ] || usage
declare -A jars=([A]="$1" [B]="$2")
shift 2
rounds=2
if [ "$1" != "--" ]; then
  rounds="$1"
  shift
fi
[ "${1:-}" = "--" ] && [ $# -ge 2 ] || usage
shift
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench/ab.sh: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }
for side in A B; do
  [ -s "${jars[$side]}" ] || { echo "bench/ab.sh: no benchmarks jar at ${jars[$side]}" >&2; exit 2; }
done
java=$("$here/gatelane" --print-java)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
  order=(A B)
  [ $((round % 2)) = 0 ] && order=(B A)
  for side in "${order[@]}"; do
    echo "round $round: $side (${jars[$side]})" >&2
    "$java" -jar "${jars[$side]}" "$@" -jvmArgsAppend "--add-modules=jdk.incubator.vector ${JVM_ARGS:-}" \
        -rf json -rff "$work/$side-$round.json" > "$work/$side-$round.log" 2>&1 \
        || { tail -20 "$work/$side-$round.log" >&2; exit 1; }
  done
done
/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
scores = {}  # (benchmark, params) -> {(side, round): score}
for side in "AB":
    for r in range(1, rounds + 1):
        for run in json.load(open(f"{work}/{side}-{r}.json")):
            params = ", ".join(f"{k}={v}" for k, v in sorted(run.get("params", {}).items()))
            key = (run["benchmark"].rsplit(".", 2)[-2] + "." + run["benchmark"].rsplit(".", 1)[-1], params)
            scores.setdefault(key, {})[(side, r)] = (run["primaryMetric"]["score"],
                                                     run["primaryMetric"]["scoreUnit"])
if not scores:
    sys.exit("bench/ab.sh: the runs reported no results")
print("| benchmark | parameters | A | B | B/A by round | B/A range |")
print("|---|---|---|---|---|---|")
for (benchmark, params), got in scores.items():
    if len(got) != 2 * rounds:
        sys.exit(f"bench/ab.sh: {benchmark} {params} is missing from some runs")
    unit = got[("A", 1)][1]
    a = [got[("A", r)][0] for r in range(1, rounds + 1)]
    b = [got[("B", r)][0] for r in range(1, rounds + 1)]
    ratios = [y / x for x, y in zip(a, b)]
    print(f"| {benchmark} | {params} | {' / '.join(f'{x:.4g}' for x in a)} {unit} | "
          f"{' / '.join(f'{y:.4g}' for y in b)} {unit} | {' / '.join(f'{q:.3f}' for q in ratios)} | "
          f"{min(ratios):.3f}-{max(ratios):.3f} |")
PY
