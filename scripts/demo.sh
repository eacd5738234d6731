#!/usr/bin/env bash
# Sets everything up, builds the release preset and runs the main job on built-in data: a stress
# simulation of a generated book on a generated crash (examples/simulate/demo-crash.toml; report
# in out/demo-crash.html, .json and CSVs), then every example scenario (JSON and text under out/).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target backstop
mkdir -p out
./build/release/backstop simulate examples/simulate/demo-crash.toml --out out
echo "simulation report: out/demo-crash.html"
shopt -s nullglob
files=(examples/*.toml examples/presets/*.toml examples/liquidation/*.toml)
./build/release/backstop run "${files[@]}" --out out
echo "reports written to out/"
