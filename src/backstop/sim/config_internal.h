// File: sim/config_internal.h
// Internal to sim/: the helpers the simulation-config parsers share (config_parse.cc,
// config_source.cc). Diagnostics are the scenario parser's (located "FILE:LINE:COL" messages).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/scenario/toml_fields.h"
#include "backstop/sim/config.h"

namespace backstop::sim::config_detail {

struct Ctx {
  scenario_detail::Diagnostics& diag;
  SimConfig& out;
  std::filesystem::path dir;  // the config file's directory: relative paths resolve against it
};

// An exact decimal (9 places) converted to double, within [lo, hi].
[[nodiscard]] std::optional<double> model_number(const scenario_detail::Fields& f,
                                                 std::string_view key, double lo, double hi,
                                                 bool required);
// The driver for the asset or market symbol at `key` (created on first use).
[[nodiscard]] std::optional<std::size_t> driver_ref(Ctx& c, const scenario_detail::Fields& f,
                                                    std::string_view key);
[[nodiscard]] std::optional<std::size_t> driver_for(Ctx& c, const scenario_detail::Fields& f,
                                                    std::string_view key, const std::string& sym);
// [[from, to], ...] step ranges.
[[nodiscard]] std::optional<std::vector<StepRange>> step_ranges(const scenario_detail::Fields& f,
                                                                std::string_view key);

// [source] (config_source.cc). `present`: the key exists (even if not a table).
void parse_source(Ctx& c, const toml::table* t, bool present);

// Sets the value at dotted `key` ("a.b[2].c") of `root` to the TOML `literal`; returns "" or
// what is wrong (no such table, index out of range, not a TOML value).
[[nodiscard]] std::string apply_override(toml::table& root, std::string_view key,
                                         std::string_view literal);

}  // namespace backstop::sim::config_detail

namespace backstop::sim {
// Sweep metrics (sim/simulate.cc).
[[nodiscard]] bool is_sweep_metric(std::string_view name);
[[nodiscard]] std::string sweep_metric_list();
}  // namespace backstop::sim
