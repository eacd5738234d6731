// File: sim/run_internal.h
// Internal to sim/: one path of a PreparedRun (run.h) and the helpers it shares with run.cc.
// A PathRunner drives the path's copy of the engine and resolver (held by a PreparedRun::Workspace,
// reset to the starting book when the runner is made) and owns its PathResult; run() plays
// the steps in the order documented in run.h and docs/simulate-config.md ("How a path runs").
// Single-threaded; many PathRunners of one PreparedRun may run at once.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "backstop/sim/run.h"

namespace backstop::sim::run_detail {

// The price a target holds: an asset's oracle price or a market's mark.
[[nodiscard]] Price target_price(const State& s, const Target& t);
// The liquidity model of a target, or null.
[[nodiscard]] const LiquidityModel* target_liquidity(const ResolutionConfig& rc, const Target& t);
[[nodiscard]] LiquidityModel* target_liquidity(ResolutionConfig& rc, const Target& t);
// p * num / den, rounded down, at least the smallest Price.
[[nodiscard]] Price scale_price(Price p, int128 num, int128 den);
[[nodiscard]] bool in_ranges(const std::vector<StepRange>& rs, int64_t step);

class PathRunner {
 public:
  PathRunner(const PreparedRun& run, uint64_t index, PreparedRun::Workspace& ws);
  PathResult run();

 private:
  // Copies (first use) or resets the workspace's engine and resolver to the starting book.
  static PreparedRun::Workspace& reset(const PreparedRun& run, PreparedRun::Workspace& ws);
  void setup_liquidity();
  void setup_funds();
  void setup_schedule();
  // The exogenous price moved by the impact still in the driver's liquidity model.
  [[nodiscard]] Price market_price(std::size_t d, Price exo) const;
  // A target's price for the driver's price `p` (the first target: p; the others scaled).
  [[nodiscard]] Price scaled(std::size_t d, std::size_t k, Price p) const;
  void anchor(std::size_t d, Price exo);
  void report(std::size_t d, Price p, Timestamp t);  // queues the price events
  void flush();                                      // applies them at once, then resolves
  void step(int64_t step);
  void dry_liquidity(int64_t step);
  void update_oracle(int64_t step, Timestamp t);
  void cascade(int64_t step, Timestamp t);
  void scan_journal();
  void scan_records();
  void end_of_step(int64_t step, Timestamp t);
  void finish();
  [[nodiscard]] Value fund_usd() const;
  [[nodiscard]] Price exo(int64_t step, std::size_t d) const {
    return path_.at(static_cast<std::size_t>(step), d);
  }

  const PreparedRun& run_;
  const SimConfig& cfg_;
  const Environment& env_;
  Engine& engine_;
  Resolver& res_;
  Path path_;
  std::size_t nd_ = 0;
  PathResult out_;
  // Liquidity: each driver's first target with a model prices the impact.
  std::vector<std::optional<Target>> impact_target_;
  std::vector<Price> base_marginal_;
  std::map<std::pair<bool, uint16_t>, Quantity> base_depth_;  // slippage curves, for drying
  // The oracle: what the engine holds per driver, when it last changed, the market prices seen.
  std::vector<Price> oracle_;
  std::vector<Timestamp> oracle_time_;
  std::vector<std::vector<Price>> market_hist_;
  std::vector<std::vector<double>> log_returns_;
  std::vector<Event> queued_;
  // Insurance funds replayed leg by leg from the journal (a fund drained and refilled within one
  // step still counts as exhausted).
  std::map<AssetId, int128> running_;
  int128 sized_start_ = 0;
  bool base_present_ = true;
  uint64_t journal_seen_ = 0;
  std::size_t records_seen_ = 0;
  int64_t stride_ = 1;
  std::vector<uint8_t> liquidated_seen_;
};

}  // namespace backstop::sim::run_detail
