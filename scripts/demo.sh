#!/usr/bin/env bash
# Sets everything up, builds the release preset and runs the main job on the built-in examples:
# prints a summary per scenario and writes JSON and text reports under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target backstop
mkdir -p out
shopt -s nullglob
files=(examples/*.toml examples/presets/*.toml examples/liquidation/*.toml)
./build/release/backstop run "${files[@]}" --out out
echo "reports written to out/"
