#!/usr/bin/env bash
# Installs what Kubeplay's build and tests need, each only when it is absent
# or at the wrong version, so a second run costs seconds.
#   scripts/setup.sh build   wasm target, trunk, wasm-bindgen-cli, npm packages (wasm-opt)
#   scripts/setup.sh test    the same, plus Debian's chromium and chromium-driver
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    step "installing trunk $TRUNK_VERSION (takes several minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
}

# wasm-bindgen-cli must equal the wasm-bindgen library in Cargo.lock.
ensure_wasm_bindgen() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ -z "$want" ]; then
    echo "error: Cargo.lock has no wasm-bindgen package" >&2
    exit 1
  fi
  if ! grep -q "^wasm_bindgen = \"$want\"" Trunk.toml; then
    echo "error: Trunk.toml [tools] wasm_bindgen must be \"$want\" (the version in Cargo.lock)" >&2
    exit 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
    step "installing wasm-bindgen-cli $want (takes a few minutes, once)"
    # Not --locked: the CLI's lock file pins a yanked dependency.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

# playwright-core (browser tests) and binaryen (wasm-opt) from package-lock.json.
ensure_npm_packages() {
  local stamp=node_modules/.kubeplay-lock-sha256
  local sum
  sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
    step "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
    echo "$sum" > "$stamp"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    step "installing Debian's chromium and chromium-driver"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver
  fi
}

case "${1:-build}" in
  build)
    ensure_wasm_target; ensure_npm_packages; ensure_trunk; ensure_wasm_bindgen ;;
  test)
    ensure_wasm_target; ensure_npm_packages; ensure_chromium; ensure_trunk; ensure_wasm_bindgen ;;
  *)
    echo "usage: scripts/setup.sh build|test" >&2; exit 2 ;;
esac
