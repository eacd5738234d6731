#!/usr/bin/env bash
# clang-tidy over the engine sources with the checked-in .clang-tidy (warnings are errors).
# Usage: scripts/lint.sh [files...]   (default: every src/backstop/**/*.cc). Not part of CI (slow).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset debug >/dev/null
files=("$@")
if ((${#files[@]} == 0)); then mapfile -t files < <(git ls-files 'src/backstop/*.cc'); fi
clang-tidy -p build/debug --quiet --extra-arg=-std=c++2b --extra-arg=-Wno-unknown-warning-option \
  "${files[@]}"
