#!/usr/bin/env bash
# Runs every test, in order, stopping at the first failure: formatting and
# lints, native tests, the release bundle and its size, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "setup"
scripts/setup.sh test
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (native)"
cargo test --workspace

step "trunk build --release"
trunk build --release

step "bundle size"
node scripts/size-report.mjs dist

step "browser tests (node --test, headless Chromium)"
node --test --test-concurrency=1 tests/browser/

echo
echo "all tests passed in $(( $(date +%s) - start ))s"
