#!/usr/bin/env bash
# Shows that a 500 MB corpus trains within a 1 GB heap: the text is streamed twice (vocabulary, then symbols)
# and kept as one byte per character. Prints the peak heap use reported by the JVM. Not a test: it takes a
# minute and 500 MB of disk. Usage: bench/large-corpus.sh [FOLDER]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
folder="${1:-$(mktemp -d)}"
corpus="$folder/large-corpus.txt"
if [ ! -f "$corpus" ]; then
  seed="$here/cli/src/main/resources/org/gatelane/cli/default-corpus.txt"
  : > "$corpus"
  while [ "$(stat -c %s "$corpus")" -lt 500000000 ]; do cat "$seed" "$seed" "$seed" "$seed" >> "$corpus"; done
fi
echo "corpus: $(stat -c %s "$corpus") bytes at $corpus"
GATELANE_JAVA_OPTS="-Xmx1g -Xlog:gc*:file=$folder/gc.log" /usr/bin/time -v "$here/gatelane" train --text "$corpus" \
  --checkpoint "$folder/large.gatelane" --force --iterations 300 --sample-every 100 --val-fraction 0 \
  2>&1 | grep -E "training|^iter|done|Maximum resident|Exit status"
grep -E "Pause Full|Heap" "$folder/gc.log" | tail -3 || true
