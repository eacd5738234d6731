#!/usr/bin/env bash
# Full-size margin revaluation benchmark (bench/margin_bench.cc): builds the release preset and runs
# backstop_bench single-threaded, pinned to one core. Manual only: it is NOT part of CI or ctest
# (it builds books of 10M accounts, needs ~6 GiB of free memory and takes about 5 minutes).
#
#   scripts/bench.sh                  # everything: stream bandwidth, mixed and perp-only, 1M and 10M
#   scripts/bench.sh '/1000000/'      # 1M books only (~1 minute)
#   scripts/bench.sh 'perp_only'      # any Google Benchmark filter regex
#   REPS=1 scripts/bench.sh           # one repetition instead of three (faster, noisier)
#   CPU=0 scripts/bench.sh            # pin to another core (default: the last one)
#   JSON=out.json scripts/bench.sh    # also write Google Benchmark JSON
#
# Figures and how to read them: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

FILTER="${1:-.}"
REPS="${REPS:-3}"
CPU="${CPU:-$(($(nproc) - 1))}"

cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target backstop_bench

BIN=build/release/bench/backstop_bench
ARGS=(--benchmark_filter="$FILTER" --benchmark_counters_tabular=true)
if ((REPS > 1)); then
  ARGS+=(--benchmark_repetitions="$REPS" --benchmark_display_aggregates_only=true)
fi
if [[ -n "${JSON:-}" ]]; then
  ARGS+=(--benchmark_out="$JSON" --benchmark_out_format=json)
fi

echo "== $(date -u +%FT%TZ)  $(lscpu | sed -n 's/^Model name: *//p')  $(nproc) cores  $(free -g | awk '/^Mem:/{print $2}') GiB"
echo "== git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "$CPU"); fi
exec "${PIN[@]}" "$BIN" "${ARGS[@]}"
