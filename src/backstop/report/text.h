// File: report/text.h
// Human-readable summary of a scenario run: accounts, liquidation prices per driver, asset and
// market aggregates, venue totals, rejected events, expectation results and the state hash.
// Exact decimals as in the JSON output. Pure; deterministic; thread-safe.
#pragma once

#include <string>

#include "backstop/scenario/runner.h"

namespace backstop {

[[nodiscard]] std::string run_to_text(const RunResult& r);

}  // namespace backstop
