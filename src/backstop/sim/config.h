// File: sim/config.h
// A stress-simulation configuration (`backstop simulate CONFIG`, docs/simulate-config.md): a
// venue and book written in the scenario language (assets, markets, accounts, [resolution], setup
// events), generated account populations, a scenario source (historical replay, shocks, shock
// grids, Monte Carlo), the environment (oracle delay and update rule, liquidator outages, liquidity
// that dries up with volatility), cascade settings and the analyses to run.
//
// Units: money in the engine's fixed-point types; model parameters (volatilities, distributions)
// are doubles, parsed exactly from decimal strings and converted at this boundary. Times are
// seconds; steps are counted from 1 (step 0 is the starting state). Plain data, no ownership
// beyond its members; parse_sim_config is pure apart from reading the files it names.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "backstop/model/ids.h"
#include "backstop/money/fixed.h"
#include "backstop/scenario/scenario.h"
#include "backstop/sim/paths.h"
#include "backstop/sim/price_series.h"

namespace backstop::sim {

inline constexpr int64_t kSimConfigVersion = 1;

// A model-side distribution for generated books. Drawn with PathRng; clamped to [lo, hi].
struct Distribution {
  enum class Kind : uint8_t { Fixed, Uniform, LogNormal };
  Kind kind = Kind::Fixed;
  double a = 0;  // Fixed: the value; Uniform: low; LogNormal: median
  double b = 0;  // Uniform: high; LogNormal: sigma of the log
  double lo = 0;
  double hi = std::numeric_limits<double>::max();
  [[nodiscard]] double draw(PathRng& rng) const;
};

// Generated accounts (docs/simulate-config.md "Populations"). Account names are
// "<prefix>-<n>" with n = 1..count zero-padded to 6 digits.
struct Population {
  enum class Kind : uint8_t { Lending, Perp };
  Kind kind = Kind::Lending;
  std::string prefix;
  int64_t count = 0;
  std::string origin;  // "file:line" of its table, for messages
  // Lending: deposit `collateral` worth collateral_usd, borrow `debt` so that the account's
  // health factor (weighted maintenance collateral / maintenance requirement) is `health`.
  AssetId collateral = 0;
  AssetId debt = 0;
  Distribution collateral_usd;
  Distribution health;
  // One supplier account "<prefix>-supplier" deposits total debt / utilization of the debt asset.
  Ratio utilization = Ratio::from_raw(800'000'000);
  // Perp: a position in `market` of notional_usd at the mark, margined with notional / leverage
  // of the market's quote asset; long with probability long_share.
  MarketId market = 0;
  Distribution notional_usd;
  Distribution leverage;
  double long_share = 0.5;
  // Multiplies every generated USD size (debt-ceiling advice scales a population by it).
  double scale = 1.0;
};

// What a price column drives: an asset's oracle price and/or a perp market's mark (and oracle).
struct Target {
  bool market = false;
  uint16_t id = 0;
};

struct Driver {
  std::string symbol;           // the column's name (an asset or market symbol)
  std::vector<Target> targets;  // the symbol itself first, then `also`
};

enum class SourceKind : uint8_t { Replay, Shock, Grid, MonteCarlo };

struct ReplayFile {
  std::size_t driver = 0;  // index into SimConfig::drivers
  std::string path;        // resolved against the config file's directory
  SeriesOptions options;
};

struct ShockMove {
  std::size_t driver = 0;
  int64_t move = 0;  // Ratio raw, signed fraction: -300'000'000 = the price falls 30 %
};

struct Source {
  SourceKind kind = SourceKind::MonteCarlo;
  // Replay: one file per driver, aligned on time (only times present in every file are kept);
  // optional window [from_ms, to_ms].
  std::vector<ReplayFile> files;
  std::vector<PriceSeries> series;  // read and filtered at parse time, parallel to files
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
  // Shock: one path; the moves are applied linearly over `shock_steps` steps, then held for
  // `hold_steps` more (liquidations, auctions and cascades play out).
  std::vector<ShockMove> moves;
  int shock_steps = 1;
  int hold_steps = 0;
  // Grid: one shock path per move from grid_from to grid_to (inclusive) by grid_step, applied to
  // every driver in grid_drivers at once.
  std::vector<std::size_t> grid_drivers;
  int64_t grid_from = 0;  // Ratio raw, signed
  int64_t grid_to = 0;
  int64_t grid_step = 0;  // > 0
  // Monte Carlo: the model; its asset i drives drivers[model_drivers[i]] (initial prices are
  // set from the book when the run starts).
  PathModel model;
  std::vector<std::size_t> model_drivers;
};

// Step ranges [from, to] (inclusive, 1-based).
struct StepRange {
  int from = 1;
  int to = 1;
  [[nodiscard]] bool contains(int step) const { return step >= from && step <= to; }
};

struct Environment {
  int oracle_delay_steps = 0;             // the oracle reports the market price of k steps ago
  std::optional<Ratio> oracle_deviation;  // Chainlink-style: update on a move >= this fraction ...
  int64_t oracle_heartbeat_s = 0;         // ... or when this long has passed (0: every step)
  std::vector<StepRange> oracle_outages;  // no oracle update at all
  std::vector<StepRange> liquidator_outages;
  std::optional<int64_t> liquidator_latency_s;   // overrides [resolution.liquidator] latency_s
  std::optional<int64_t> liquidations_per_step;  // overrides the per-tick count cap
  // Liquidity dries up with volatility: each step every liquidity model's depth is scaled by
  // f = max(min_depth, 1 / (1 + sensitivity * max(0, v / v_ref - 1))), v the realised volatility
  // (root mean square log return) of its driver over the last `vol_window` steps and v_ref
  // `vol_reference` (per step). sensitivity 0: off.
  double dry_sensitivity = 0;
  int vol_window = 30;
  double vol_reference = 0.001;
  double min_depth = 0.1;
};

struct CascadeConfig {
  bool enabled = true;
  int max_waves = 20;                         // per step
  Ratio min_move = Ratio::from_raw(100'000);  // 0.01 %: smaller moves end a cascade
};

struct LiquidationCurveConfig {
  bool enabled = true;
  int64_t from = 0;           // Ratio raw, signed (0)
  int64_t to = -600'000'000;  // -60 %
  int64_t step = 50'000'000;  // 5 %
};

struct SizingConfig {
  bool enabled = false;
  Ratio target = Ratio::from_raw(10'000'000);  // exhaustion probability target (1 %)
  AssetId asset = 0;                           // the fund sized
  bool verify = true;                          // re-run with the answer and report the result
};

struct CeilingConfig {
  bool enabled = false;
  std::size_t population = 0;  // index of the population scaled
  Value budget{};              // the tail loss must stay <= budget
  Ratio level = Ratio::from_raw(990'000'000);
  bool expected_shortfall = true;  // tail = ES at level (else VaR)
  Value lo{};                      // search range of the population's total debt / notional, USD
  Value hi{};
  Value resolution{};            // answer granularity (default (hi - lo) / 64)
  std::optional<int64_t> paths;  // paths per evaluation (default: the simulation's)
};

struct SweepAxis {
  std::string key;  // dotted path into the config document, e.g. "asset[0].weight_maint"
  std::vector<std::string> values;  // TOML literals, applied in order
};

struct SweepConfig {
  std::vector<SweepAxis> axes;  // 1 or 2
  std::string metric = "bad_debt_mean";
  std::optional<int64_t> paths;
};

struct SimConfig {
  std::string file;
  std::string text;  // the document as read (sweeps re-parse it with overrides)
  std::string name;
  std::string description;
  Scenario scenario;  // venue, book, [resolution], setup events (no [[expect]])
  std::vector<Population> populations;
  std::vector<Driver> drivers;
  Source source;
  Environment env;
  CascadeConfig cascade;
  int64_t paths = 1;  // Monte Carlo; replay and shock: 1; grid: the grid's size
  int64_t steps = 1;  // Monte Carlo / shock as configured; replay: the series length - 1
  int64_t step_seconds = 60;
  uint64_t seed = 1;
  unsigned threads = 0;     // 0: hardware concurrency
  int series_points = 200;  // insurance-fund / bad-debt series samples kept per path
  std::vector<Ratio> levels = {Ratio::from_raw(950'000'000), Ratio::from_raw(990'000'000)};
  LiquidationCurveConfig curve;
  SizingConfig sizing;
  CeilingConfig ceiling;
  std::optional<SweepConfig> sweep;
};

struct ConfigResult {
  std::optional<SimConfig> config;  // set iff errors is empty
  std::vector<std::string> errors;  // "FILE:LINE:COL: error: field '...': ..."
};

// Parses a configuration (text of `file`); price files named in it are read and validated here,
// so a config that parsed runs without input errors. `overrides` (key = TOML literal, applied to
// the document before it is read; the sweep mechanism) may be empty.
[[nodiscard]] ConfigResult parse_sim_config(
    std::string_view text, const std::string& file,
    const std::vector<std::pair<std::string, std::string>>& overrides = {});
[[nodiscard]] ConfigResult parse_sim_config_file(
    const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& overrides = {});

}  // namespace backstop::sim
