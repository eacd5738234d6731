// File: sim/simulate.h
// `backstop simulate`: runs every path of a configuration in parallel over the same engine and
// resolution layer, aggregates the per-path results (mean, VaR and expected shortfall of bad debt
// and of liquidations, insurance-fund exhaustion probability, cascade waves) and runs the
// configured analyses: liquidation curve, insurance-fund sizing, debt-ceiling advice (bisection)
// and parameter sweeps. docs/simulate-config.md describes each output.
//
// Units: USD (Value) unless named; probabilities are Ratio (1e-9), rounded up (a risk is never
// understated). Determinism: results are identical whatever `threads` is (each path is computed
// alone and stored at its index; aggregation runs in index order). simulate() owns its threads;
// the progress callback is called from the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backstop/sim/config.h"
#include "backstop/sim/run.h"
#include "backstop/sim/stats.h"

namespace backstop::sim {

struct TailStats {
  Value mean{};
  Value max{};
  std::vector<Value> var;  // per SimConfig::levels
  std::vector<Value> es;
};

struct CurvePoint {
  int64_t move = 0;  // Ratio raw, signed
  int64_t accounts = 0;
  Value collateral{};  // of the accounts below maintenance, at the shocked prices (down)
  Value debt{};        // their lending debt (up)
  Value notional{};    // their perp notional (up)
};

struct CurveSeries {
  std::string driver;
  std::vector<CurvePoint> points;
};

struct SizingResult {
  AssetId asset = 0;
  Ratio target{};
  BisectStatus status = BisectStatus::NoneInRange;
  Quantity balance{};          // the smallest fund (native quanta) meeting the target
  Value balance_usd{};         // at the start price
  Ratio sample_probability{};  // exhaustion probability of that fund in the sizing sample
  std::optional<Ratio> verified_probability;  // re-run with the fund set to the answer
  Quantity configured{};                      // the configured fund
  int evaluations = 0;
};

struct CeilingEvaluation {
  Value ceiling{};  // the population's total debt (lending) or notional (perp), USD
  Value tail{};
  bool passes = false;
};

struct CeilingResult {
  BisectStatus status = BisectStatus::NoneInRange;
  std::optional<Value> ceiling;  // the largest ceiling on the grid whose tail <= budget
  Value budget{};
  Ratio level{};
  bool expected_shortfall = true;
  Value base{};                                // the population's total at scale 1
  std::vector<CeilingEvaluation> evaluations;  // in evaluation order
};

struct SweepPoint {
  std::vector<std::string> values;             // one per axis
  std::map<std::string, std::string> metrics;  // exact decimal text per metric
  std::optional<std::string> error;            // the configuration was invalid at this point
};

struct SweepResult {
  std::vector<SweepAxis> axes;
  std::string metric;
  std::vector<SweepPoint> points;  // row-major: axis 0 slowest
};

struct SimResult {
  std::string name;
  std::string file;
  std::string description;
  std::string source;  // replay | shock | grid | monte_carlo
  int64_t paths = 0;
  int64_t steps = 0;
  int64_t horizon_s = 0;  // the time the last step is after the start
  uint64_t seed = 0;
  unsigned threads = 1;
  std::size_t accounts = 0;
  GeneratedBook generated;
  std::vector<std::string> drivers;
  std::vector<Price> initial_prices;
  std::vector<Ratio> levels;
  std::vector<PathResult> path_results;
  TailStats bad_debt;
  TailStats uncovered;
  TailStats loss;           // bad debt + latent losses at the end of the horizon
  TailStats liquidated;     // liquidations at risk (LaR)
  Ratio fund_exhaustion{};  // share of paths on which an insurance fund hit its minimum (up)
  Value fund_start{};
  TailStats fund_shortfall;                // fund_start - fund_min per path
  std::vector<int64_t> wave_liquidations;  // summed over paths
  int64_t max_waves = 0;
  int64_t failed_paths = 0;  // paths stopped by an arithmetic range error (PathResult::error)
  std::vector<CurveSeries> curve;
  std::optional<SizingResult> sizing;
  std::optional<CeilingResult> ceiling;
  std::optional<SweepResult> sweep;
  uint64_t digest = 0;  // over every path's results: equal digests = identical runs
  double seconds = 0;   // wall time (not part of the digest)
};

struct SimOptions {
  unsigned threads = 0;  // 0: the config's, then hardware concurrency
  // Called from the calling thread about 10 times a second and at the end: (phase, done, total).
  std::function<void(const std::string&, int64_t, int64_t)> progress;
  bool analyses = true;  // curve, sizing, ceiling, sweep
};

// Runs the configuration. Throws std::invalid_argument for a book that cannot be built.
[[nodiscard]] SimResult simulate(const SimConfig& cfg, const SimOptions& opt = {});

// Every path of a prepared run (in parallel), in index order.
[[nodiscard]] std::vector<PathResult> run_paths(const PreparedRun& run, unsigned threads,
                                                const SimOptions& opt, const std::string& phase);

// A hash of everything in one path's result (SimResult::digest mixes them all).
[[nodiscard]] uint64_t path_digest(const PathResult& p);

// The aggregates of a set of path results.
void aggregate(const std::vector<PathResult>& paths, const std::vector<Ratio>& levels,
               SimResult& out);

// The liquidation curve of the starting book (per driver, its price moved alone).
[[nodiscard]] std::vector<CurveSeries> liquidation_curve(const PreparedRun& run, unsigned threads);

// A sweep metric's exact decimal text for a result (sweep metric names: sweep_metric_list()).
[[nodiscard]] std::string metric_text(const SimResult& r, std::string_view metric);

}  // namespace backstop::sim
