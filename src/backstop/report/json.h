// File: report/json.h
// The machine-readable result of a scenario run, schema "backstop.run/1" (docs/json-output.md,
// docs/schema/run-output.schema.json). Money and ratios are exact decimal strings; undefined ratios
// are null; key order and array order are fixed, so the same run always serializes to the same
// bytes. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backstop/scenario/runner.h"

namespace backstop {

inline constexpr const char* kRunSchema = "backstop.run/1";

[[nodiscard]] nlohmann::ordered_json run_to_json(const RunResult& r);
// run_to_json(r).dump(2) plus a trailing newline.
[[nodiscard]] std::string run_to_json_text(const RunResult& r);

// "0123456789abcdef": 16 lowercase hex digits.
[[nodiscard]] std::string hash_hex(uint64_t h);

}  // namespace backstop
