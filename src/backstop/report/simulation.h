// File: report/simulation.h
// The outputs of `backstop simulate` (docs/simulate-output.md): the JSON document, schema
// "backstop.simulate/1" (docs/schema/simulate-output.schema.json), two CSV files (one row per
// path; the sampled time series of every path) and the self-contained HTML report (report/html.h).
// Money and ratios are exact decimal strings in JSON and CSV; two runs of the same configuration
// and seed give the same bytes whatever the thread count (the wall time is not in any output).
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backstop/sim/simulate.h"

namespace backstop {

inline constexpr const char* kSimulateSchema = "backstop.simulate/1";

[[nodiscard]] nlohmann::ordered_json simulation_to_json(const sim::SimResult& r);
[[nodiscard]] std::string simulation_json_text(const sim::SimResult& r);
// path,label,bad_debt,uncovered,liquidated,... one row per path (header first).
[[nodiscard]] std::string simulation_paths_csv(const sim::SimResult& r);
// path,step,time,fund,bad_debt,liquidated,price (the sampled series of every path).
[[nodiscard]] std::string simulation_series_csv(const sim::SimResult& r);
[[nodiscard]] std::string simulation_html(const sim::SimResult& r);
// A short plain-text summary for the terminal.
[[nodiscard]] std::string simulation_text(const sim::SimResult& r);

}  // namespace backstop
