#!/usr/bin/env bash
# Runs the playground: installs what is missing, then serves it with Trunk
# on http://127.0.0.1:8080/ (rebuilding on change).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
exec trunk serve "$@"
