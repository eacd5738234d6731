// File: sim/run.h
// One simulation run: the starting book (scenario setup events, then the generated populations)
// is built once, with its resolver and margin monitor; each path copies them and drives the SAME
// engine and resolution layer as `backstop run` through the path's prices (docs/simulate-config.md
// "How a path runs"):
//   every step: time passes (Tick), liquidity dries up with realised volatility, every liquidity
//   model is anchored at the exogenous price, the market price is the exogenous price moved by
//   the impact still in the liquidity models, the oracle reports it (delay, deviation/heartbeat,
//   outages) and the resolver liquidates; then, while liquidation sales keep moving the market
//   price by more than cascade.min_move, the oracle reports the moved price again (a cascade wave,
//   at most cascade.max_waves per step). Impact decays with [resolution] impact_half_life_s.
//
// Units: money in engine types; results in USD (Value) at the prices of the step they happened.
// Thread-safety: a PreparedRun is immutable after construction; run_path is const and may be
// called from many threads at once (each call copies the engine and resolver). Determinism: path
// i's result depends only on the configuration, the seed and i.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backstop/engine/engine.h"
#include "backstop/resolution/resolver.h"
#include "backstop/sim/book.h"
#include "backstop/sim/config.h"

namespace backstop::sim {

struct SeriesPoint {
  int64_t step = 0;
  Timestamp time = 0;
  Value fund{};        // every insurance fund, USD at the step's prices (down)
  Value bad_debt{};    // cumulative written off, USD
  Value liquidated{};  // cumulative, USD
  Price price{};       // market price of driver 0
};

struct PathResult {
  uint64_t index = 0;
  std::string label;
  Value bad_debt{};   // debt written off (booked to the deficit), USD at the time
  Value uncovered{};  // deficit still outstanding at the end, USD at the final prices (up)
  // Losses not yet booked at the end: the negative equity of accounts still open (at the final
  // oracle prices) plus what running Dutch auctions would lose at the oracle price.
  Value latent{};
  Value loss{};  // bad_debt + latent: what the path's crash costs if prices stay where they end
  Value liquidated{};        // debt repaid + notional closed by liquidations, USD
  Value insurance_paid{};    // insurance fund payouts, USD
  Value socialized{};        // supplier haircuts + open-interest socialisation + redistribution
  Value slashed{};           // staked tranche slashed, USD
  Value adl_notional{};      // auto-deleveraged notional, USD
  int64_t liquidations = 0;  // liquidation steps (a full close of 3 positions is 3)
  int64_t accounts_liquidated = 0;  // distinct accounts liquidated at least once
  int64_t declined = 0;
  int64_t adl_fills = 0;
  int64_t waves = 0;            // cascade waves (beyond each step's first price update)
  int64_t max_waves = 0;        // most waves in one step
  int64_t rejected_prices = 0;  // oracle updates the engine rejected (absurd move, ...)
  Value fund_start{};
  Value fund_min{};
  Value fund_end{};
  bool fund_exhausted = false;  // some insurance fund reached its minimum balance
  // Largest fall of the sized fund's balance below its starting balance, native quanta (0 when
  // no sizing asset is set).
  Quantity fund_drawdown{};
  std::vector<int64_t> wave_liquidations;  // [0]: on the step's own move, [k]: in wave k
  std::vector<SeriesPoint> series;
  std::vector<Price> final_prices;  // per driver, market price
  std::vector<Price> min_prices;
  uint64_t state_hash = 0;  // the engine's final state hash
  // A path whose arithmetic left the 64-bit range (prices driven to extremes) stops at that step;
  // its figures are those up to the step before. Empty when the path completed.
  std::string error;
  int64_t error_step = 0;
};

// Changes to the configuration for one run (analyses).
struct RunOverrides {
  std::optional<int64_t> paths;
  std::optional<std::pair<AssetId, Quantity>> fund_balance;  // set an insurance fund's balance
  std::optional<std::pair<std::size_t, double>> population_scale;
  // Whether the monitor is given each path's prices in advance when no step can move them
  // (PreparedRun::foreseen_sources): it then looks at an account only when the prices ahead can
  // change its side of maintenance. No result depends on it (tests compare both).
  bool schedule_prices = true;
};

namespace run_detail {
class PathRunner;  // run_internal.h
}

class PreparedRun {
 public:
  // Builds the starting book. Throws std::invalid_argument (population clashes, a setup event
  // rejected, a driver without a price) with a message naming the cause.
  PreparedRun(const SimConfig& cfg, const RunOverrides& ov = {});

  [[nodiscard]] int64_t paths() const { return paths_; }
  [[nodiscard]] int64_t steps() const { return steps_; }
  [[nodiscard]] const GeneratedBook& generated() const { return generated_; }
  [[nodiscard]] const Engine& start() const { return *engine_; }
  [[nodiscard]] const Resolver& prototype() const { return *resolver_; }
  [[nodiscard]] const SimConfig& config() const { return cfg_; }
  [[nodiscard]] std::size_t accounts() const { return engine_->state().accounts.size(); }
  // Market prices of every driver at step 0.
  [[nodiscard]] const std::vector<Price>& initial_prices() const { return initial_; }
  [[nodiscard]] std::string path_label(uint64_t index) const;
  // The exogenous prices of path `index`: steps + 1 rows of one price per driver.
  [[nodiscard]] Path exogenous(uint64_t index) const;
  [[nodiscard]] Timestamp time_at(int64_t step) const;
  // The price sources whose values every path reports from its exogenous prices alone, known
  // before it runs (no liquidity model on any target, so no impact or cascade; no deviation or
  // heartbeat rule and no outage on the oracle; a delay is fine): one per driver target, in
  // driver and target order. Empty when that is not so (or RunOverrides::schedule_prices is
  // false): the monitor then works from band edges alone.
  [[nodiscard]] const std::vector<SourceId>& foreseen_sources() const { return foreseen_; }

  // What a path runs on: its own copy of the starting engine and resolver (book, monitor,
  // liquidity models). The first path run in a workspace copies them; every later one resets them
  // by assignment, which reuses the memory (for a large book most of a fresh copy's cost is
  // allocating and first touching it). Results do not depend on which workspace a path runs in.
  // A workspace serves one path at a time; it may move between threads and between runs.
  class Workspace {
   public:
    // The resolver of the last path run here (its monitor's counters: tests and benchmarks);
    // null before the first.
    [[nodiscard]] const Resolver* resolver() const { return resolver_.get(); }

   private:
    friend class run_detail::PathRunner;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Resolver> resolver_;
    // The run (PreparedRun::serial_) whose prototype these were copied or last reset from: the
    // cheap resets (Engine::reset_to, MarginMonitor::reset_to) copy back only what a path changed,
    // so a workspace that moves to another run starts from fresh copies.
    uint64_t run_ = 0;
  };

  [[nodiscard]] PathResult run_path(uint64_t index) const;
  [[nodiscard]] PathResult run_path(uint64_t index, Workspace& ws) const;

 private:
  friend class run_detail::PathRunner;
  SimConfig cfg_;
  GeneratedBook generated_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Resolver> resolver_;
  std::vector<Price> initial_;
  std::vector<int64_t> replay_times_ms_;
  std::vector<Price> replay_prices_;  // steps + 1 rows x drivers
  int64_t paths_ = 1;
  int64_t steps_ = 1;
  Timestamp t0_ = 0;
  std::optional<AssetId> sized_asset_;
  std::vector<SourceId> foreseen_;
  uint64_t serial_ = 0;  // distinct for every run constructed in the process (never 0)
};

}  // namespace backstop::sim
