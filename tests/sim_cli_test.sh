#!/usr/bin/env bash
# End-to-end tests of `backstop simulate`. Run by ctest as:
#   sim_cli_test.sh <path to backstop binary> <source dir> <output dir>
# Checks: tests/data/sim/small.toml runs with exit 0 and writes <name>.json/.html/-paths.csv/
# -series.csv under --out; its JSON validates against docs/schema/simulate-output.schema.json and
# is byte-identical with 1 and 2 threads and with --json on stdout; the CSVs have one column per
# header field; every tests/data/sim-bad/*.toml exits 2 naming FILE:LINE, with nothing on stdout
# and nothing under --out; `backstop run` on a simulation config exits 2 and says to simulate it.
# The HTML is left in <output dir>/small.html for the screenshot test.
set -uo pipefail

BACKSTOP=${1:?usage: sim_cli_test.sh BACKSTOP_BINARY SOURCE_DIR OUT_DIR}
SRC=${2:?usage: sim_cli_test.sh BACKSTOP_BINARY SOURCE_DIR OUT_DIR}
OUT=${3:?usage: sim_cli_test.sh BACKSTOP_BINARY SOURCE_DIR OUT_DIR}
PY=/usr/bin/python3
SCHEMA="$SRC/docs/schema/simulate-output.schema.json"
CFG="$SRC/tests/data/sim/small.toml"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# --- a run: exit 0, four files, deterministic whatever the threads -----------------------------
rm -rf "$OUT" && mkdir -p "$OUT"
"$BACKSTOP" simulate "$CFG" --out "$OUT" --threads 1 --quiet >"$TMP/text" 2>"$TMP/stderr" ||
  { fail "small.toml: exit $? (want 0)"; cat "$TMP/stderr" >&2; }
for f in small.json small.html small-paths.csv small-series.csv; do
  [[ -s "$OUT/$f" ]] || fail "--out did not write $f"
done
grep -q 'digest' "$TMP/text" || fail "text summary lacks the digest"
[[ -s "$TMP/stderr" ]] && fail "--quiet printed to stderr: $(head -c 200 "$TMP/stderr")"
"$BACKSTOP" simulate "$CFG" --json --threads 2 --quiet >"$TMP/two.json" || fail "--json run"
cmp -s "$TMP/two.json" "$OUT/small.json" || fail "JSON differs between 1 and 2 threads"
"$BACKSTOP" simulate "$CFG" --out "$TMP/again" --threads 3 --quiet >/dev/null || fail "3 threads"
for f in small-paths.csv small-series.csv small.html; do
  cmp -s "$TMP/again/$f" "$OUT/$f" || fail "$f differs between 1 and 3 threads"
done
# Overrides change the run.
"$BACKSTOP" simulate "$CFG" --json --seed 8 --quiet >"$TMP/seed8.json" || fail "--seed"
cmp -s "$TMP/seed8.json" "$OUT/small.json" && fail "--seed 8 gave the same output as seed 7"
"$BACKSTOP" simulate "$CFG" --json --paths 2 --quiet >"$TMP/p2.json" || fail "--paths 2 run"
grep -q '"paths": 2,' "$TMP/p2.json" || fail "--paths 2"

# --- schema and CSV shape ------------------------------------------------------------------
"$PY" "$SRC/tests/validate_json.py" "$SCHEMA" "$OUT/small.json" "$TMP/seed8.json" ||
  fail "schema validation"
"$PY" - "$OUT/small.json" <<'PYEOF' || fail "JSON content"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "backstop.simulate/1"
assert len(doc["path_results"]) == doc["paths"]
assert doc["sweep"] is not None and len(doc["sweep"]["points"]) == 4
PYEOF
"$PY" - "$OUT/small-paths.csv" "$OUT/small-series.csv" <<'PYEOF' || fail "CSV shape"
import csv, sys
for path in sys.argv[1:]:
    rows = list(csv.reader(open(path)))
    assert len(rows) > 1, path
    for r in rows[1:]:
        assert len(r) == len(rows[0]), f"{path}: {len(r)} fields, header has {len(rows[0])}"
PYEOF

# --- bad configs: exit 2, FILE:LINE on stderr, nothing on stdout, nothing written ---------------
for f in "$SRC"/tests/data/sim-bad/*.toml; do
  "$BACKSTOP" simulate "$f" --out "$TMP/bad" --quiet >"$TMP/stdout" 2>"$TMP/stderr"
  rc=$?
  [[ $rc -eq 2 ]] || fail "$f: exit $rc (want 2)"
  grep -q "$(basename "$f"):[0-9]*:[0-9]*: error: field '" "$TMP/stderr" ||
    fail "$f: stderr does not name FILE:LINE:COL and the field: $(head -c 300 "$TMP/stderr")"
  [[ -s "$TMP/stdout" ]] && fail "$f: wrote to stdout"
  [[ -e "$TMP/bad" ]] && fail "$f: created --out"
done
"$BACKSTOP" simulate "$SRC/tests/data/sim/nope.toml" >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "missing config: want exit 2"
"$BACKSTOP" run "$CFG" >/dev/null 2>"$TMP/stderr"
[[ $? -eq 2 ]] || fail "backstop run on a simulation config: want exit 2"
grep -q 'backstop simulate' "$TMP/stderr" || fail "backstop run does not point to simulate"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "sim_cli_test: all checks passed"
