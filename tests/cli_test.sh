#!/usr/bin/env bash
# End-to-end tests of the `backstop` command line. Run by ctest as:
#   cli_test.sh <path to backstop binary> <source dir>
# Checks: every examples/**/*.toml runs with exit 0 and its --json output validates against
# docs/schema/run-output.schema.json and is byte-identical across runs; every tests/data/bad/*.toml
# exits 2 with FILE:LINE: on stderr, nothing on stdout and nothing written under --out; exit codes
# for failed expectations and usage errors; --out writes <name>.json and <name>.txt.
set -uo pipefail

BACKSTOP=${1:?usage: cli_test.sh BACKSTOP_BINARY SOURCE_DIR}
SRC=${2:?usage: cli_test.sh BACKSTOP_BINARY SOURCE_DIR}
PY=/usr/bin/python3
SCHEMA="$SRC/docs/schema/run-output.schema.json"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# --- version and presets ---------------------------------------------------------------------
"$BACKSTOP" --version | grep -q '^backstop ' || fail "--version"
"$BACKSTOP" presets | grep -q 'aave-v3' || fail "presets lists aave-v3"

# --- examples: exit 0, valid JSON, deterministic ----------------------------------------------
mapfile -t examples < <(find "$SRC/examples" -name '*.toml' -not -path '*/examples/simulate/*' | sort)
((${#examples[@]} >= 3)) || fail "expected at least 3 example files, found ${#examples[@]}"
json_files=()
for f in "${examples[@]}"; do
  base=$(basename "$f" .toml)
  out="$TMP/ex-$(echo "$f" | md5sum | cut -c1-8)-$base.json"
  "$BACKSTOP" run "$f" --json >"$out" 2>"$TMP/stderr"
  rc=$?
  [[ $rc -eq 0 ]] || { fail "$f: exit $rc (want 0)"; cat "$TMP/stderr" >&2; }
  "$BACKSTOP" run "$f" --json 2>/dev/null | cmp -s - "$out" || fail "$f: --json output differs between runs"
  "$BACKSTOP" run "$f" >"$TMP/text" 2>/dev/null || fail "$f: text run failed"
  grep -q 'state hash: [0-9a-f]\{16\}' "$TMP/text" || fail "$f: text output lacks the state hash"
  json_files+=("$out")
done
if ((${#json_files[@]} > 0)); then
  "$PY" "$SRC/tests/validate_json.py" "$SCHEMA" "${json_files[@]}" || fail "schema validation"
fi

# --- bad files: exit 2, FILE:LINE: on stderr, empty stdout, nothing written --------------------
mapfile -t bad < <(find "$SRC/tests/data/bad" -name '*.toml' | sort)
((${#bad[@]} >= 8)) || fail "expected at least 8 bad files, found ${#bad[@]}"
for f in "${bad[@]}"; do
  outdir="$TMP/out-bad-$(basename "$f" .toml)"
  "$BACKSTOP" run "$f" --out "$outdir" >"$TMP/stdout" 2>"$TMP/stderr"
  rc=$?
  [[ $rc -eq 2 ]] || fail "$f: exit $rc (want 2)"
  [[ -s "$TMP/stdout" ]] && fail "$f: wrote to stdout"
  grep -qF -- "$f:" "$TMP/stderr" || fail "$f: stderr does not name the file"
  grep -qE -- "$(printf '%s' "$f" | sed 's/[].*^$[]/\\&/g'):[0-9]+:" "$TMP/stderr" ||
    fail "$f: stderr has no FILE:LINE:"
  if [[ -e "$outdir" ]] && [[ -n "$(ls -A "$outdir")" ]]; then fail "$f: wrote under --out"; fi
  "$BACKSTOP" run "$f" --json >"$TMP/stdout" 2>/dev/null
  [[ $? -eq 2 && ! -s "$TMP/stdout" ]] || fail "$f --json: want exit 2 and empty stdout"
done

# A good file together with a bad one: still nothing at all is written.
if ((${#examples[@]} > 0 && ${#bad[@]} > 0)); then
  "$BACKSTOP" run "${examples[0]}" "${bad[0]}" --out "$TMP/mixed" >"$TMP/stdout" 2>/dev/null
  rc=$?
  [[ $rc -eq 2 ]] || fail "good + bad file: exit $rc (want 2)"
  [[ -s "$TMP/stdout" ]] && fail "good + bad file: wrote to stdout"
  [[ -e "$TMP/mixed" ]] && fail "good + bad file: created the --out directory"
fi

# --- usage errors ------------------------------------------------------------------------------
"$BACKSTOP" run >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "run without FILE: want exit 2"
if ((${#examples[@]} >= 2)); then
  "$BACKSTOP" run "${examples[0]}" "${examples[1]}" --json >"$TMP/stdout" 2>/dev/null
  [[ $? -eq 2 && ! -s "$TMP/stdout" ]] || fail "--json with two files: want exit 2, empty stdout"
fi

# --- a failing expectation: exit 1, outputs still written ----------------------------------------
cat >"$TMP/failing.toml" <<'EOF'
version = 1
name = "failing"
[[asset]]
symbol = "USDC"
decimals = 6
price = "1"
[[expect]]
asset = "USDC"
metric = "price"
equals = "2"
EOF
"$BACKSTOP" run "$TMP/failing.toml" --out "$TMP/fo" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
[[ $rc -eq 1 ]] || fail "failing expectation: exit $rc (want 1)"
grep -q 'FAIL' "$TMP/stdout" || fail "failing expectation: no FAIL line in the text output"
[[ -s "$TMP/fo/failing.json" && -s "$TMP/fo/failing.txt" ]] || fail "failing expectation: --out files missing"
ls "$TMP/fo" | grep -q '\.tmp$' && fail "temporary files left under --out"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["expectations_failed"]==1 and d["expectations"][0]["actual"]=="1" else 1)' \
  "$TMP/fo/failing.json" || fail "failing expectation: JSON content"

# --- --out for several files ---------------------------------------------------------------------
if ((${#examples[@]} > 0)); then
  "$BACKSTOP" run "${examples[@]}" --out "$TMP/all" >/dev/null 2>&1 || fail "run all examples with --out"
  n=$(find "$TMP/all" -name '*.json' | wc -l)
  [[ $n -eq ${#examples[@]} ]] || fail "--out wrote $n JSON files for ${#examples[@]} examples"
fi

if ((failures > 0)); then
  echo "cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "cli_test: ok (${#examples[@]} examples, ${#bad[@]} bad files)"
