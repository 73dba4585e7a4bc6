#!/usr/bin/env bash
# gatelane serve under load, on loopback only: bench/serve-load.sh [SECONDS [EVENT_INTERVAL_MS]]
# (default 15 s per point, and the server's default --event-interval; 0 sends each wake-up's characters at once)
# For H = 128, 256, 512 (one layer, a model drawn from the default initialisation: speed does not depend on what
# a model learned), starts `gatelane serve --max-streams 64`, runs bench's ServeLoad with 1, 8 and 64 clients
# (streamed requests of 1,000 to 3,000 characters, 2,000 on average, after a 4-character prompt, one after another
# per client), then 64 clients behind a 100-character prompt, stops the server, and writes
# bench/results/serve-load.jsonl, serve-load.md and serve-load.png. Each point starts with every client asking at
# once (that burst's first characters are reported apart), runs WARMUP = 10 s unmeasured while the clients drift
# apart, then measures SECONDS. Run nothing else meanwhile.
# CLIENT_NICE (default 0) runs the clients at that nice level. They share the server's two cores, where a
# deployment's clients would be elsewhere: at nice 15 the server's threads win those cores and the chars/s rise
# (Zen 4, H = 128, 64 clients: 278k / 309k at nice 0 against 349k / 378k at nice 15, alternating), but the clients
# then read their own events late, so their first-character times are not the server's (H = 256, 64 clients, 100-
# character prompts: p99 124-127 ms at nice 15 against 16-21 ms at nice 0). NAME (default serve-load) names the
# results, so that another machine's, or another nice level's, can stand beside them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
seconds="${1:-15}"
client_nice="${CLIENT_NICE:-0}"
name="${NAME:-serve-load}"
warmup=10
interval=()
[ -n "${2:-}" ] && interval=(--event-interval "$2")
# shellcheck source=bench/serving.sh
source "$here/bench/serving.sh"
java=$(./gatelane --print-java)
out=bench/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(./mvnw -q -B -DskipTests install >&2)
rm -f "$out/$name.jsonl"
for H in 128 256 512; do
  untrained_model "$H" "$work/h$H.gatelane"
  ./gatelane serve --model "$work/h$H.gatelane" --port 0 --max-streams 64 --queue 64 "${interval[@]}" \
      > "$work/serve.log" 2>&1 &
  server=$!
  port=$(served_port "$work/serve.log")
  # CLIENTS:PROMPT; the last point is the time to first character behind a 100-character prompt.
  for point in 1:4 8:4 64:4 64:100; do
    nice -n "$client_nice" "$java" -cp bench/target/benchmarks.jar org.gatelane.bench.ServeLoad "$port" "${point%:*}" \
        "$seconds" 2000 "H=$H" "${point#*:}" "$warmup" | tee -a "$out/$name.jsonl"
  done
  kill -TERM "$server"
  wait "$server" || true
done
/usr/bin/python3 - "$out" "$java" "$name" "$client_nice" <<'PY'
import json, subprocess, sys
out, java, name, client_nice = sys.argv[1:5]
cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
family = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("cpu family"))
model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model\t"))
jdk = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
rows = [json.loads(l) for l in open(f"{out}/{name}.jsonl")]
single = {r["label"]: r["chars_per_second"] for r in rows if r["clients"] == 1}
lines = ["# gatelane serve under load", "", f"![chars/s by clients]({name}.png)", "",
         f"{cpu} (family {family}, model {model}), {jdk}; one generation thread, prompts fed on the request threads; clients "
         "on loopback, each asking for 1,000 to 3,000 (2,000 on average) streamed characters after a prompt "
         "(\"The \", or \"The \" repeated to 100 characters), again and again. Every point starts with all its "
         "clients asking at once (the burst column: the first characters of those first requests), then runs "
         f"{rows[0]['warmup_seconds']:.0f} s unmeasured while the clients drift apart, then measures "
         f"{rows[0]['seconds']:.0f} s (the other columns). The clients ran at nice {client_nice}. Written by "
         "`bench/serve-load.sh`.", "",
         "| model | clients | prompt | chars/s (all clients) | x one client | first character p50 / p99 (ms) | between characters p50 / p99 (ms) | burst: first character p50 / max (ms) | failures |",
         "|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    lines.append(f"| {r['label']} | {r['clients']} | {r['prompt']} | {r['chars_per_second']:,.0f} | "
                 f"{r['chars_per_second'] / single[r['label']]:.2f} | {r['first_character_ms_p50']:.1f} / "
                 f"{r['first_character_ms_p99']:.1f} | {r['gap_ms_p50']:.2f} / {r['gap_ms_p99']:.2f} | "
                 f"{r['burst_first_character_ms_p50']:.1f} / {r['burst_first_character_ms_max']:.1f} | {r['failures']} |")
open(f"{out}/{name}.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
"$java" -cp bench/target/benchmarks.jar org.gatelane.bench.ServeLoadReport "$out/$name.jsonl" "$out/$name.png"
