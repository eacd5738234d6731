#include "backstop/sim/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <stdexcept>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"
#include "backstop/sim/run_internal.h"

namespace backstop::sim {
using run_detail::scale_price;
using run_detail::target_liquidity;
using run_detail::target_price;

namespace {
std::atomic<uint64_t> g_run_serial{0};
}  // namespace

PreparedRun::PreparedRun(const SimConfig& cfg, const RunOverrides& ov)
    : cfg_(cfg), serial_(g_run_serial.fetch_add(1, std::memory_order_relaxed) + 1) {
  if (!cfg_.scenario.resolution) {
    throw std::invalid_argument(
        fmt::format("{}: a simulation needs a [resolution] table (liquidation policy and loss "
                    "waterfall): write [resolution] to take the venue preset's defaults",
                    cfg_.file));
  }
  if (ov.population_scale)
    cfg_.populations.at(ov.population_scale->first).scale = ov.population_scale->second;
  ResolutionConfig rc = *cfg_.scenario.resolution;
  // A path reads only its records' kinds and accounts (path_runner.cc, scan_records).
  rc.record_fields = false;
  if (ov.fund_balance) rc.insurance[ov.fund_balance->first].balance = ov.fund_balance->second;
  if (cfg_.sizing.enabled) sized_asset_ = cfg_.sizing.asset;
  if (cfg_.env.liquidator_latency_s) rc.liquidator.latency_s = *cfg_.env.liquidator_latency_s;
  if (cfg_.env.liquidations_per_step) rc.caps.max_liquidations = *cfg_.env.liquidations_per_step;
  if (cfg_.env.dry_sensitivity > 0) {
    for (const Driver& d : cfg_.drivers) {
      for (const Target& t : d.targets) {
        const LiquidityModel* m = target_liquidity(rc, t);
        if (m != nullptr && !std::holds_alternative<SlippageCurve>(m->model())) {
          throw std::invalid_argument(fmt::format(
              "{}: environment.dry_sensitivity needs slippage-curve liquidity; '{}' has a pool or "
              "a depth ladder",
              cfg_.file, d.symbol));
        }
      }
    }
  }

  // 1. The scenario's own book: its setup events through the engine.
  Engine setup(cfg_.scenario.initial);
  for (const Event& e : cfg_.scenario.events) {
    const Outcome o = setup.apply(e);
    if (!o.ok()) {
      throw std::invalid_argument(fmt::format("{}: setup event rejected ({}): {}", e.origin,
                                              reject_code(o.code), o.reason));
    }
  }
  State st = setup.state();

  // 2. The source fixes the number of paths and steps (and, for a replay, the start prices).
  const Source& src = cfg_.source;
  switch (src.kind) {
    case SourceKind::MonteCarlo:
      paths_ = cfg_.paths;
      steps_ = cfg_.steps;
      break;
    case SourceKind::Shock:
      paths_ = 1;
      steps_ = src.shock_steps + src.hold_steps;
      break;
    case SourceKind::Grid: {
      const int64_t span =
          src.grid_to > src.grid_from ? src.grid_to - src.grid_from : src.grid_from - src.grid_to;
      paths_ = span / src.grid_step + 1;
      steps_ = src.shock_steps + src.hold_steps;
      break;
    }
    case SourceKind::Replay: {
      // Times present in every file, inside the window.
      std::map<int64_t, std::vector<Price>> rows;
      for (std::size_t f = 0; f < src.series.size(); ++f) {
        for (const PricePoint& p : src.series[f].points) {
          if (src.from_ms && p.time_ms < *src.from_ms) continue;
          if (src.to_ms && p.time_ms > *src.to_ms) continue;
          std::vector<Price>& row = rows[p.time_ms];
          if (row.size() == f) row.push_back(p.price);
        }
      }
      const std::size_t nd = cfg_.drivers.size();
      for (const auto& [t, row] : rows) {
        if (row.size() != src.series.size()) continue;
        replay_times_ms_.push_back(t);
        std::vector<Price> full(nd);
        for (std::size_t f = 0; f < src.files.size(); ++f) full[src.files[f].driver] = row[f];
        replay_prices_.insert(replay_prices_.end(), full.begin(), full.end());
      }
      if (replay_times_ms_.size() < 2) {
        throw std::invalid_argument(fmt::format(
            "{}: the price files share fewer than 2 timestamps inside the window", cfg_.file));
      }
      paths_ = 1;
      steps_ = static_cast<int64_t>(replay_times_ms_.size()) - 1;
      // Drivers without a file keep the book's price; the others start at the replay's first.
      for (std::size_t d = 0; d < nd; ++d) {
        const Price p0 = replay_prices_[d];
        if (!p0.is_positive()) {
          for (std::size_t k = 0; k < replay_times_ms_.size(); ++k) {
            replay_prices_[k * nd + d] = target_price(st, cfg_.drivers[d].targets[0]);
          }
          continue;
        }
        for (const Target& t : cfg_.drivers[d].targets) {
          if (t.market) {
            st.perps[t.id].mark = p0;
            st.perps[t.id].oracle = p0;
          } else {
            st.assets[t.id].price = p0;
          }
        }
      }
      break;
    }
  }
  if (ov.paths) paths_ = *ov.paths;

  // 3. Generated populations at the start prices.
  generated_ = add_populations(st, cfg_.populations, cfg_.seed);
  t0_ = st.now;
  for (const Driver& d : cfg_.drivers) {
    const Price p = target_price(st, d.targets[0]);
    if (!p.is_positive()) {
      throw std::invalid_argument(
          fmt::format("{}: driver '{}' has no price in the book", cfg_.file, d.symbol));
    }
    initial_.push_back(p);
  }
  if (src.kind == SourceKind::MonteCarlo) {
    PathModel& m = cfg_.source.model;
    for (std::size_t i = 0; i < m.assets.size(); ++i) {
      m.assets[i].initial = initial_[cfg_.source.model_drivers[i]];
    }
    m.steps = static_cast<int>(steps_);
    m.step_seconds = cfg_.step_seconds;
    try {
      validate(m);
    } catch (const ModelError& e) {
      throw std::invalid_argument(fmt::format("{}: [source]: {}", cfg_.file, e.what()));
    }
  }
  engine_ = std::make_unique<Engine>(std::move(st));
  resolver_ = std::make_unique<Resolver>(*engine_, std::move(rc));
  // No path moves a price that no driver targets: the monitor pins such a source (a pegged
  // quote, an idle collateral), so that its bands give the room to the prices that move and hold
  // no edges for it; should one move after all, the monitor unpins it with a full scan. Its
  // volatility is also set to 0 (2^-20 of the driven ones'), for the bands computed after that.
  // Changes no result (docs/monitor.md).
  const SourceLayout layout = source_layout(engine_->cache());
  std::vector<uint8_t> vol(layout.count(), kDefaultLog2Volatility);
  std::vector<uint8_t> pinned(layout.count(), 0);
  for (SourceId s = 0; s < layout.assets; ++s) pinned[layout.price(static_cast<AssetId>(s))] = 1;
  for (uint32_t m = 0; m < layout.markets; ++m) pinned[layout.mark(static_cast<MarketId>(m))] = 1;
  for (const Driver& d : cfg_.drivers) {
    for (const Target& t : d.targets) {
      pinned[t.market ? layout.mark(static_cast<MarketId>(t.id))
                      : layout.price(static_cast<AssetId>(t.id))] = 0;
    }
  }
  for (SourceId s = 0; s < layout.count(); ++s) {
    if (pinned[s] != 0) vol[s] = 0;
  }
  resolver_->set_monitor_volatility(std::move(vol), std::move(pinned));
  // Prices the paths report from their exogenous prices alone are declared to the monitor now
  // (one more full scan); each path gives the rows (PathRunner).
  const Environment& env = cfg_.env;
  bool foreseeable = ov.schedule_prices && !env.oracle_deviation && env.oracle_heartbeat_s <= 0 &&
                     env.oracle_outages.empty();
  std::vector<SourceId> foreseen;
  for (const Driver& d : cfg_.drivers) {
    for (const Target& t : d.targets) {
      if (run_detail::target_liquidity(resolver_->config(), t) != nullptr) foreseeable = false;
      const SourceId s = t.market ? layout.mark(static_cast<MarketId>(t.id))
                                  : layout.price(static_cast<AssetId>(t.id));
      if (std::find(foreseen.begin(), foreseen.end(), s) != foreseen.end()) foreseeable = false;
      foreseen.push_back(s);
    }
  }
  if (foreseeable && !foreseen.empty()) {
    foreseen_ = std::move(foreseen);
    resolver_->set_price_schedule(
        std::make_shared<PriceSchedule>(foreseen_, std::vector<int64_t>{}));
  }
}

Timestamp PreparedRun::time_at(int64_t step) const {
  if (!replay_times_ms_.empty()) {
    const int64_t dt_ms = replay_times_ms_.at(static_cast<std::size_t>(step)) - replay_times_ms_[0];
    return t0_ + dt_ms / 1000;
  }
  return t0_ + step * cfg_.step_seconds;
}

std::string PreparedRun::path_label(uint64_t index) const {
  const Source& src = cfg_.source;
  switch (src.kind) {
    case SourceKind::Replay:
      return "replay";
    case SourceKind::Shock:
      return "shock";
    case SourceKind::Grid: {
      const int64_t dir = src.grid_to >= src.grid_from ? 1 : -1;
      const int64_t move = src.grid_from + dir * static_cast<int64_t>(index) * src.grid_step;
      return fmt::format("{}%", format_decimal(static_cast<int128>(move) * 100, 9));
    }
    case SourceKind::MonteCarlo:
      break;
  }
  return fmt::format("path {}", index);
}

Path PreparedRun::exogenous(uint64_t index) const {
  const std::size_t nd = cfg_.drivers.size();
  const auto rows = static_cast<std::size_t>(steps_) + 1;
  Path p;
  p.assets = nd;
  const Source& src = cfg_.source;
  if (src.kind == SourceKind::Replay) {
    p.prices = replay_prices_;
    return p;
  }
  p.prices.resize(rows * nd);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t d = 0; d < nd; ++d) p.prices[r * nd + d] = initial_[d];
  }
  if (src.kind == SourceKind::MonteCarlo) {
    const Path g = generate_path(src.model, cfg_.seed, index);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t i = 0; i < src.model_drivers.size(); ++i) {
        p.prices[r * nd + src.model_drivers[i]] = g.at(r, i);
      }
    }
    return p;
  }
  // Shock and grid: linear over shock_steps, then held.
  std::vector<std::pair<std::size_t, int64_t>> moves;
  if (src.kind == SourceKind::Shock) {
    for (const ShockMove& m : src.moves) moves.emplace_back(m.driver, m.move);
  } else {
    const int64_t dir = src.grid_to >= src.grid_from ? 1 : -1;
    const int64_t move = src.grid_from + dir * static_cast<int64_t>(index) * src.grid_step;
    for (std::size_t d : src.grid_drivers) moves.emplace_back(d, move);
  }
  for (std::size_t r = 1; r < rows; ++r) {
    const int64_t k = std::min<int64_t>(static_cast<int64_t>(r), src.shock_steps);
    for (const auto& [d, move] : moves) {
      // P0 * (1 + move * k / K), rounded down.
      const int128 num =
          static_cast<int128>(kRatioOne) * src.shock_steps + static_cast<int128>(move) * k;
      p.prices[r * nd + d] =
          scale_price(initial_[d], num, static_cast<int128>(kRatioOne) * src.shock_steps);
    }
  }
  return p;
}

PathResult PreparedRun::run_path(uint64_t index) const {
  Workspace ws;
  return run_path(index, ws);
}

PathResult PreparedRun::run_path(uint64_t index, Workspace& ws) const {
  run_detail::PathRunner runner(*this, index, ws);
  return runner.run();
}

}  // namespace backstop::sim
