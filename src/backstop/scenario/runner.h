// File: scenario/runner.h
// Runs a parsed Scenario: builds the Engine from the initial State, applies every event in order,
// records rejections (normal engine outcomes, not errors) and checks each [[expect]] block after
// all events with time <= t and before any later event. No I/O. Deterministic: the same scenario
// always produces the same RunResult.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "backstop/engine/engine.h"
#include "backstop/report/values.h"
#include "backstop/resolution/resolver.h"
#include "backstop/scenario/scenario.h"

namespace backstop {

struct Rejection {
  std::size_t index = 0;  // position of the event in Scenario::events (0-based)
  Timestamp time = 0;
  std::string origin;
  std::string type;  // event_kind()
  std::string code;  // reject_code()
  std::string reason;
};

struct ExpectationResult {
  Timestamp evaluated_at = 0;  // engine time when it was checked
  MetricValue actual;
  bool passed = false;
};

struct RunResult {
  std::string file;
  std::string name;
  std::string description;
  std::string preset;
  std::vector<Expectation> expectations;
  std::vector<ExpectationResult> results;  // parallel to expectations
  std::unique_ptr<Engine> engine;          // the final state
  std::unique_ptr<Resolver> resolver;      // set when the scenario has [resolution]
  std::size_t events_total = 0;
  std::size_t events_applied = 0;
  std::vector<Rejection> rejections;

  [[nodiscard]] std::size_t failed_expectations() const;
};

[[nodiscard]] RunResult run_scenario(Scenario s);

// The current value of an expectation's metric (null when the subject does not exist, e.g. a
// driver the account no longer has). `applied` / `rejected` feed the venue event counters.
[[nodiscard]] MetricValue metric_value(const Engine& engine, const Expectation& e,
                                       std::size_t applied, std::size_t rejected,
                                       const Resolver* resolver = nullptr);
// Resolution metrics (zero without a resolver): venue liquidations, declined_liquidations,
// adl_fills, liquidated_value, bad_debt; asset insurance_fund, deficit, bad_debt_accrued,
// treasury. std::nullopt for any other name.
[[nodiscard]] std::optional<MetricValue> resolution_venue_value(const Resolver* r,
                                                                std::string_view metric);
[[nodiscard]] std::optional<MetricValue> resolution_asset_value(const Resolver* r, const State& s,
                                                                AssetId a, std::string_view metric);
// Whether `actual` satisfies `e`.
[[nodiscard]] bool check_expectation(const Expectation& e, const MetricValue& actual);

}  // namespace backstop
