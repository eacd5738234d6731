#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema (draft 2020-12); used by the end-to-end shell
tests (cli_test.sh, sim_cli_test.sh). Usage: validate_json.py SCHEMA DOC.json... Prints the first
errors of each invalid document to stderr; exit 1 if any is invalid."""
import json
import sys

import jsonschema


def main(argv):
    schema = json.load(open(argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv[2:]:
        doc = json.load(open(path))
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:5]:
            print(f"{path}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
