// File: scenario/scenario.h
// A parsed, validated scenario file (docs/scenario-format.md): the initial State, the events to
// apply in order and the [[expect]] blocks to check. Parsing does all validation up front and
// reports every problem as "FILE:LINE:COL: error: field 'asset[2].price': ..."; a Scenario that
// parsed without errors only fails at run time through normal engine rejections.
//
// Parsing is pure apart from reading the file; it never writes anything. Thread-safe (no globals).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backstop/engine/event.h"
#include "backstop/model/state.h"
#include "backstop/report/values.h"
#include "backstop/resolution/config.h"

namespace backstop {

inline constexpr int64_t kScenarioVersion = 1;

enum class ExpectOp : uint8_t {
  Equals,  // exact (decimal compare, "none" for a null metric, true/false, text)
  Approx,  // |actual - expected| <= tolerance
  Range,   // min <= actual <= max (either bound optional)
};

struct Expectation {
  std::string origin;          // "file:line"
  std::optional<Timestamp> t;  // none: checked after the last event
  MetricScope scope = MetricScope::Venue;
  std::string account;  // as written ("alice", "alice/1"); "" when none
  std::string symbol;   // asset / market / driver symbol; "" when none
  std::optional<AccountId> account_id;
  uint16_t symbol_id = 0;  // AssetId or MarketId
  bool symbol_is_market = false;
  std::string metric;
  MetricType type = MetricType::UsdValue;
  int decimals = 0;  // decimals of the metric (for quantities: of the subject)
  ExpectOp op = ExpectOp::Equals;
  MetricValue expected;        // Equals
  int64_t tolerance = 0;       // Approx: expected.raw +- tolerance
  std::optional<int64_t> min;  // Range
  std::optional<int64_t> max;
  // Human-readable form of the expectation: "1.2345", "1.23 +- 0.01", ">= 1", "[1, 2]".
  [[nodiscard]] std::string expected_text() const;
};

struct Scenario {
  std::string file;  // the path as given
  std::string name;  // [a-zA-Z0-9_.-]+, used for --out file names
  std::string description;
  std::string preset;  // "" = none
  State initial;
  std::vector<Event> events;  // [[account]] deposits first (t = 0), then [[event]]s in file order
  std::vector<Expectation> expectations;  // file order
  // [resolution]: liquidation and loss waterfall; none = metrics only, nobody is liquidated.
  std::optional<ResolutionConfig> resolution;
};

struct ParseResult {
  std::optional<Scenario> scenario;  // set iff errors is empty
  std::vector<std::string> errors;   // "FILE:LINE:COL: error: ..." lines
};

// Parse scenario text; `file` names it in messages and origins, and its stem is the default name.
[[nodiscard]] ParseResult parse_scenario(std::string_view text, const std::string& file);
// Read and parse a file (unreadable file: one error "FILE: error: cannot read ...").
[[nodiscard]] ParseResult parse_scenario_file(const std::string& path);

// True for names usable as scenario names and account ids: [A-Za-z0-9_.-]+ (not "." or "..").
[[nodiscard]] bool is_safe_name(std::string_view s);

}  // namespace backstop
