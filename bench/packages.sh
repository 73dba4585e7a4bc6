# Sourced by the benchmark scripts: Debian packages the anchors need, each installed only if missing, in one
# place so that every script checks them the same way.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# apt-get install PACKAGE..., refreshing the package lists once if a package is not found.
install_packages() {
  as_root apt-get install -y "$@" >&2 || { as_root apt-get update >&2 && as_root apt-get install -y "$@" >&2; }
}

# The PyTorch anchor: without OpenBLAS, torch runs on the reference BLAS, an order of magnitude slower, so both
# or nothing.
need_torch() {
  if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
    install_packages python3-torch libopenblas0-openmp
  fi
}

# The oneDNN anchor's headers and library (Debian's oneDNN 2.6.3).
need_onednn() {
  [ -f /usr/include/oneapi/dnnl/dnnl.hpp ] || install_packages libdnnl-dev
}
