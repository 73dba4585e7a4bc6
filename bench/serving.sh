# Sourced by the serving benchmarks (serve-load.sh, serve-ab.sh): a model to serve and a server's port, the same way
# in both.

# untrained_model H FILE: one layer of H from the default initialisation (speed does not depend on what a model
# learned), saved as a checkpoint.
untrained_model() {
  "$here/gatelane" train --hidden "$1" --iterations 1 --val-fraction 0 --sample-every 1000 --checkpoint "$2" \
      > /dev/null 2>&1
}

# served_port LOG: waits (10 s at most) for a server started with --port 0 to write its address to LOG, and prints
# the port it was given.
served_port() {
  for _ in $(seq 100); do grep -q '^serving ' "$1" && break; sleep 0.1; done
  sed -n 's|^serving .* at http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$1"
}
