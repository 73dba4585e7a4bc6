#!/usr/bin/env bash
# Two builds of gatelane serve under the same load, alternating, on loopback only:
#   bench/serve-ab.sh JAR_A JAR_B [H...]   (default H = 256 512)
# JAR_A and JAR_B are gatelane.jar files (e.g. a copy of cli/target/gatelane.jar from before a change, and the
# current one). For each H, two rounds of A then B: start the server (--max-streams 64 --queue 64), warm it with
# 8 clients for 5 s, then ServeLoad with 64 clients behind a 100-character prompt, 10 s unmeasured and 15 s
# measured, and print one JSON line per run, labelled A-H=... or B-H=.... Run nothing else meanwhile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: bench/serve-ab.sh JAR_A JAR_B [H...]" >&2; exit 2; }
declare -A jars=([A]="$1" [B]="$2")
shift 2
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(256 512)
# shellcheck source=bench/serving.sh
source "$here/bench/serving.sh"
java=$("$here/gatelane" --print-java)
bench="$here/bench/target/benchmarks.jar"
[ -f "$bench" ] || (cd "$here" && ./mvnw -q -B -DskipTests install >&2)
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for H in "${sizes[@]}"; do
  untrained_model "$H" "$work/h$H.gatelane"
  for round in 1 2; do
    for side in A B; do
      "$java" --add-modules jdk.incubator.vector -jar "${jars[$side]}" serve --model "$work/h$H.gatelane" --port 0 \
          --max-streams 64 --queue 64 > "$work/serve.log" 2>&1 &
      server=$!
      port=$(served_port "$work/serve.log")
      "$java" -cp "$bench" org.gatelane.bench.ServeLoad "$port" 8 5 2000 warm 4 0 > /dev/null
      "$java" -cp "$bench" org.gatelane.bench.ServeLoad "$port" 64 15 2000 "$side-H=$H" 100 10
      kill -TERM "$server"
      wait "$server" || true
      server=
    done
  done
done
