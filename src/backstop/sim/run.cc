#include "backstop/sim/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"

namespace backstop::sim {
namespace {

Price target_price(const State& s, const Target& t) {
  return t.market ? s.perps.at(t.id).mark : s.assets.at(t.id).price;
}

const LiquidityModel* target_liquidity(const ResolutionConfig& rc, const Target& t) {
  if (t.market) {
    const auto it = rc.market_liquidity.find(t.id);
    return it == rc.market_liquidity.end() ? nullptr : &it->second;
  }
  const auto it = rc.asset_liquidity.find(t.id);
  return it == rc.asset_liquidity.end() ? nullptr : &it->second;
}

LiquidityModel* target_liquidity(ResolutionConfig& rc, const Target& t) {
  if (t.market) {
    const auto it = rc.market_liquidity.find(t.id);
    return it == rc.market_liquidity.end() ? nullptr : &it->second;
  }
  const auto it = rc.asset_liquidity.find(t.id);
  return it == rc.asset_liquidity.end() ? nullptr : &it->second;
}

// p * num / den, rounded down, at least the smallest Price.
Price scale_price(Price p, int128 num, int128 den) {
  const int128 v = mul_div(p.raw(), num, den, Rounding::Down);
  return Price::from_raw(narrow64(std::max<int128>(v, 1), "simulated price"));
}

Value add(Value a, Value b) {
  return Value::from_raw(checked_add(a.raw(), b.raw()));
}

Value usd(const State& s, AssetId a, Quantity q, Rounding r) {
  return usd_of(q, s.assets.at(a).price, s.asset_params.at(a).decimals, r);
}

bool in_ranges(const std::vector<StepRange>& rs, int64_t step) {
  return std::any_of(rs.begin(), rs.end(),
                     [&](const StepRange& r) { return r.contains(static_cast<int>(step)); });
}

}  // namespace

PreparedRun::PreparedRun(const SimConfig& cfg, const RunOverrides& ov) : cfg_(cfg) {
  if (!cfg_.scenario.resolution) {
    throw std::invalid_argument(
        fmt::format("{}: a simulation needs a [resolution] table (liquidation policy and loss "
                    "waterfall): write [resolution] to take the venue preset's defaults",
                    cfg_.file));
  }
  if (ov.population_scale)
    cfg_.populations.at(ov.population_scale->first).scale = ov.population_scale->second;
  ResolutionConfig rc = *cfg_.scenario.resolution;
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
  Engine engine(engine_->state());
  Resolver res(engine, *resolver_);
  const Path path = exogenous(index);
  const std::size_t nd = cfg_.drivers.size();
  const Environment& env = cfg_.env;

  PathResult out;
  out.index = index;
  out.label = path_label(index);
  out.wave_liquidations.assign(1, 0);
  out.final_prices = initial_;
  out.min_prices = initial_;

  // Liquidity: each driver's first target with a model prices the impact; base depths for drying.
  std::vector<std::optional<Target>> impact_target(nd);
  std::vector<Price> base_marginal(nd);
  std::map<std::pair<bool, uint16_t>, Quantity> base_depth;
  for (std::size_t d = 0; d < nd; ++d) {
    for (const Target& t : cfg_.drivers[d].targets) {
      const LiquidityModel* m = target_liquidity(res.config(), t);
      if (m == nullptr) continue;
      if (const auto* c = std::get_if<SlippageCurve>(&m->model())) {
        base_depth[{t.market, t.id}] = c->params().depth;
      }
      if (!impact_target[d]) {
        impact_target[d] = t;
        base_marginal[d] = m->marginal(Side::Sell).value_or(Price{});
      }
    }
  }
  // The market price: the exogenous price moved by the impact left in the liquidity model.
  auto market_price = [&](std::size_t d, Price exo) -> Price {
    if (!impact_target[d]) return exo;
    const LiquidityModel* m = target_liquidity(res.config(), *impact_target[d]);
    if (const auto* c = std::get_if<SlippageCurve>(&m->model())) {
      const Side side = c->displacement().raw() >= 0 ? Side::Sell : Side::Buy;
      return scale_price(exo, c->marginal(side).raw(), c->params().reference.raw());
    }
    const std::optional<Price> now = m->marginal(Side::Sell);
    if (!now || !base_marginal[d].is_positive()) return exo;
    return scale_price(exo, now->raw(), base_marginal[d].raw());
  };
  // Queues `p` (the driver's own price) for every target, scaled for the others; flush() applies
  // the step's queued prices at once (resolution runs after all of them).
  std::vector<Price> oracle(initial_);
  std::vector<Event> queued;
  auto report = [&](std::size_t d, Price p, Timestamp t) {
    const Driver& drv = cfg_.drivers[d];
    for (std::size_t k = 0; k < drv.targets.size(); ++k) {
      const Target& tg = drv.targets[k];
      const Price tp =
          k == 0 ? p : scale_price(target_price(engine_->state(), tg), p.raw(), initial_[d].raw());
      Event e;
      e.time = t;
      e.origin = "simulate";
      if (tg.market) {
        e.body = SetMarkPrice{tg.id, tp, tp};
      } else {
        e.body = SetAssetPrice{tg.id, tp};
      }
      queued.push_back(std::move(e));
    }
  };
  auto flush = [&]() {
    if (queued.empty()) return;
    for (const Outcome& o : res.apply_all(queued)) {
      if (!o.ok()) ++out.rejected_prices;
    }
    queued.clear();
    // What the engine holds now (a rejected update leaves the previous price).
    for (std::size_t d = 0; d < nd; ++d)
      oracle[d] = target_price(engine.state(), cfg_.drivers[d].targets[0]);
  };
  auto anchor = [&](std::size_t d, Price exo) {
    const Driver& drv = cfg_.drivers[d];
    for (std::size_t k = 0; k < drv.targets.size(); ++k) {
      const Target& tg = drv.targets[k];
      const Price tp =
          k == 0 ? exo
                 : scale_price(target_price(engine_->state(), tg), exo.raw(), initial_[d].raw());
      if (tg.market) {
        res.anchor_market_liquidity(tg.id, tp);
      } else {
        res.anchor_asset_liquidity(tg.id, tp);
      }
    }
  };

  // Insurance funds.
  auto fund_usd = [&]() {
    Value v{};
    for (const auto& [a, f] : res.config().insurance) {
      v = add(v, usd(engine.state(), a, f.balance, Rounding::Down));
    }
    return v;
  };
  // Running fund balances, replayed leg by leg from the journal, so that a fund drained and
  // refilled within one step (fees of later liquidations) still counts as exhausted.
  std::map<AssetId, int128> running;
  for (const auto& [a, f] : res.config().insurance) {
    running[a] = f.balance.raw();
    // A fund that starts at its minimum cannot pay anything: exhausted from the start.
    if (f.balance <= f.min_balance) out.fund_exhausted = true;
  }
  const int128 sized_start =
      sized_asset_ && running.contains(*sized_asset_) ? running[*sized_asset_] : 0;
  out.fund_start = fund_usd();
  out.fund_min = out.fund_start;
  // The series starts at step 0: the starting book before any move.
  out.series.push_back(
      {0, time_at(0), out.fund_start, Value{}, Value{}, nd > 0 ? initial_[0] : Price{}});

  std::vector<Timestamp> oracle_time(nd, engine.state().now);
  std::vector<std::vector<Price>> market_hist(nd);
  for (std::size_t d = 0; d < nd; ++d) market_hist[d].push_back(initial_[d]);
  std::vector<std::vector<double>> log_returns(nd);
  const bool base_present = res.config().liquidator.present;
  uint64_t journal_seen = res.journal().size();
  std::size_t records_seen = res.records().size();
  const int64_t start_liq = res.totals().liquidations;
  const int64_t stride = std::max<int64_t>(1, steps_ / std::max(1, cfg_.series_points - 1));

  std::vector<uint8_t> liquidated_seen(engine.state().accounts.size(), 0);
  auto scan_ledgers = [&]() {
    const State& s = engine.state();
    for (const JournalEntry& e : res.journal().entries_since(journal_seen)) {
      for (const Leg& l : e.legs) {
        const bool into = l.to.kind == BookKind::InsuranceFund;
        const bool from = l.from.kind == BookKind::InsuranceFund;
        if ((into || from) && running.contains(l.asset)) {
          int128& bal = running[l.asset];
          bal += into ? l.amount.raw() : -static_cast<int128>(l.amount.raw());
          if (bal <= res.config().insurance.at(l.asset).min_balance.raw()) {
            out.fund_exhausted = true;
          }
          if (sized_asset_ && l.asset == *sized_asset_ &&
              sized_start - bal > out.fund_drawdown.raw()) {
            out.fund_drawdown = Quantity::from_raw(narrow64(sized_start - bal, "fund drawdown"));
          }
        }
        const Value v = usd(s, l.asset, l.amount, Rounding::Down);
        switch (e.kind) {
          case EntryKind::InsurancePayout:
            if (l.from.kind == BookKind::InsuranceFund)
              out.insurance_paid = add(out.insurance_paid, v);
            break;
          case EntryKind::StakeSlash:
            if (l.from.kind == BookKind::StakedTranche) out.slashed = add(out.slashed, v);
            break;
          case EntryKind::SupplierHaircut:
          case EntryKind::OpenInterestSocialization:
          case EntryKind::BorrowerRedistribution:
            if (l.to.kind == BookKind::Deficit || l.from.kind == BookKind::Suppliers ||
                l.from.kind == BookKind::OpenInterest || l.from.kind == BookKind::Borrowers) {
              out.socialized = add(out.socialized, v);
            }
            break;
          default:
            break;
        }
      }
    }
    journal_seen = res.journal().size();
    const auto& recs = res.records();
    for (std::size_t i = records_seen; i < recs.size(); ++i) {
      if (recs[i].kind == "liquidation" && recs[i].account) {
        const AccountId a = *recs[i].account;
        if (a >= liquidated_seen.size()) liquidated_seen.resize(a + 1, 0);
        if (liquidated_seen[a] == 0) {
          liquidated_seen[a] = 1;
          ++out.accounts_liquidated;
        }
      }
      if (recs[i].kind != "adl_fill") continue;
      std::string market;
      std::string size;
      std::string price;
      for (const auto& [k, v] : recs[i].fields) {
        if (k == "market") market = v;
        if (k == "size") size = v;
        if (k == "price") price = v;
      }
      const std::optional<MarketId> m = s.find_market(market);
      if (!m) continue;
      const PerpParams& pp = s.perp_params[*m];
      const std::optional<int64_t> q = parse_decimal(size, pp.base_decimals, nullptr);
      const std::optional<int64_t> px = parse_decimal(price, 9, nullptr);
      if (!q || !px) continue;
      const int64_t abs_q = *q < 0 ? -*q : *q;
      const Quantity quote =
          to_quote(abs_q, *px, pp.base_decimals, s.asset_params[pp.quote].decimals, Rounding::Up);
      out.adl_notional = add(out.adl_notional, usd(s, pp.quote, quote, Rounding::Up));
    }
    records_seen = recs.size();
  };

  for (int64_t step = 1; step <= steps_; ++step) {
    try {
      const Timestamp t = time_at(step);
      res.mutable_config().liquidator.present =
          base_present && !in_ranges(env.liquidator_outages, step);
      int64_t before = res.totals().liquidations;
      {
        Event tick;
        tick.time = t;
        tick.body = Tick{};
        tick.origin = "simulate";
        (void)res.apply(tick);
      }
      // Liquidity dries up with realised volatility (model side, converted to a depth in quanta).
      for (std::size_t d = 0; d < nd; ++d) {
        const Price prev = path.at(static_cast<std::size_t>(step - 1), d);
        const Price cur = path.at(static_cast<std::size_t>(step), d);
        log_returns[d].push_back(
            std::log(static_cast<double>(cur.raw()) / static_cast<double>(prev.raw())));
        if (env.dry_sensitivity <= 0) continue;
        const std::size_t w =
            std::min<std::size_t>(log_returns[d].size(), static_cast<std::size_t>(env.vol_window));
        double ss = 0;
        for (std::size_t k = log_returns[d].size() - w; k < log_returns[d].size(); ++k) {
          ss += log_returns[d][k] * log_returns[d][k];
        }
        const double vol = std::sqrt(ss / static_cast<double>(w));
        const double f = std::max(
            env.min_depth,
            1.0 / (1.0 + env.dry_sensitivity * std::max(0.0, vol / env.vol_reference - 1.0)));
        for (const Target& tg : cfg_.drivers[d].targets) {
          LiquidityModel* m = target_liquidity(res.mutable_config(), tg);
          if (m == nullptr) continue;
          const auto it = base_depth.find({tg.market, tg.id});
          if (it == base_depth.end()) continue;
          // The model boundary: depth factor (double) -> quanta, rounded down.
          const auto depth =
              static_cast<int64_t>(std::floor(static_cast<double>(it->second.raw()) * f));
          m->set_curve_depth(Quantity::from_raw(std::max<int64_t>(1, depth)));
        }
      }
      // Anchor the liquidity at the exogenous prices; the market price carries the impact left.
      for (std::size_t d = 0; d < nd; ++d) {
        const Price exo = path.at(static_cast<std::size_t>(step), d);
        anchor(d, exo);
        market_hist[d].push_back(market_price(d, exo));
      }
      // The oracle.
      const bool oracle_down = in_ranges(env.oracle_outages, step);
      if (!oracle_down) {
        for (std::size_t d = 0; d < nd; ++d) {
          const int64_t src_step = std::max<int64_t>(0, step - env.oracle_delay_steps);
          const Price cand = market_hist[d][static_cast<std::size_t>(src_step)];
          bool update = true;
          if (env.oracle_deviation || env.oracle_heartbeat_s > 0) {
            const int128 diff = static_cast<int128>(cand.raw()) - oracle[d].raw();
            const int128 absdiff = diff < 0 ? -diff : diff;
            const bool moved =
                env.oracle_deviation &&
                absdiff * kRatioOne >=
                    static_cast<int128>(env.oracle_deviation->raw()) * oracle[d].raw();
            const bool beat =
                env.oracle_heartbeat_s > 0 && t - oracle_time[d] >= env.oracle_heartbeat_s;
            update = moved || beat;
          }
          if (!update) continue;
          report(d, cand, t);
          oracle_time[d] = t;
        }
        flush();
      }
      out.wave_liquidations[0] += res.totals().liquidations - before;
      // Cascade waves: sales moved the market price; the oracle reports it again.
      if (cfg_.cascade.enabled && env.oracle_delay_steps == 0 && !oracle_down) {
        int64_t waves = 0;
        for (int w = 1; w <= cfg_.cascade.max_waves; ++w) {
          before = res.totals().liquidations;
          bool moved = false;
          for (std::size_t d = 0; d < nd; ++d) {
            const Price m = market_price(d, path.at(static_cast<std::size_t>(step), d));
            const int128 diff = static_cast<int128>(m.raw()) - oracle[d].raw();
            const int128 absdiff = diff < 0 ? -diff : diff;
            // A wave needs a move above min_move and, with a deviation rule, one the oracle would
            // report (>= the deviation, as for the step's own update).
            const int128 move = absdiff * kRatioOne;
            if (move <= static_cast<int128>(cfg_.cascade.min_move.raw()) * oracle[d].raw())
              continue;
            if (env.oracle_deviation &&
                move < static_cast<int128>(env.oracle_deviation->raw()) * oracle[d].raw()) {
              continue;
            }
            moved = true;
            report(d, m, t);
            oracle_time[d] = t;
            market_hist[d].back() = m;
          }
          flush();
          if (!moved) break;
          ++waves;
          if (out.wave_liquidations.size() <= static_cast<std::size_t>(w)) {
            out.wave_liquidations.resize(static_cast<std::size_t>(w) + 1, 0);
          }
          out.wave_liquidations[static_cast<std::size_t>(w)] += res.totals().liquidations - before;
        }
        out.waves += waves;
        out.max_waves = std::max(out.max_waves, waves);
      }
      scan_ledgers();
      // Funds, prices, series.
      const Value fv = fund_usd();
      out.fund_min = std::min(out.fund_min, fv);
      for (const auto& [a, f] : res.config().insurance) {
        if (running.at(a) != f.balance.raw()) {
          throw ConservationError(fmt::format("insurance fund {} is {} but its journal says {}",
                                              engine.state().asset_params[a].symbol,
                                              f.balance.raw(), format_decimal(running.at(a), 0)));
        }
      }
      // The market price at the end of the step carries the impact of its liquidations.
      for (std::size_t d = 0; d < nd; ++d) {
        const Price end = market_price(d, path.at(static_cast<std::size_t>(step), d));
        out.final_prices[d] = end;
        out.min_prices[d] = std::min(out.min_prices[d], end);
      }
      if (step % stride == 0 || step == steps_) {
        out.series.push_back({step, t, fv, res.totals().bad_debt, res.totals().liquidated_value,
                              nd > 0 ? out.final_prices[0] : Price{}});
      }
    } catch (const OverflowError& e) {
      // The resolver rolls a failed step back; the path ends here and says why.
      out.error = e.what();
      out.error_step = step;
      break;
    }
  }
  const ResolutionTotals& tot = res.totals();
  out.bad_debt = Value::from_raw(tot.bad_debt.raw() - resolver_->totals().bad_debt.raw());
  out.liquidated =
      Value::from_raw(tot.liquidated_value.raw() - resolver_->totals().liquidated_value.raw());
  out.liquidations = tot.liquidations - start_liq;
  out.declined = tot.declined - resolver_->totals().declined;
  out.adl_fills = tot.adl_fills - resolver_->totals().adl_fills;
  for (const AssetId a : res.bad_debt().assets()) {
    out.uncovered =
        add(out.uncovered, usd(engine.state(), a, res.bad_debt().outstanding(a), Rounding::Up));
  }
  // Latent losses: accounts still underwater and auctions still running at the end.
  {
    const MarginCache& cache = engine.cache();
    for (const MarginAccount& a : engine.state().accounts) {
      if (a.balances.empty() && a.positions.empty()) continue;
      const AccountRisk risk = compute_risk(cache, a);
      if (risk.equity.is_negative()) out.latent = add(out.latent, -risk.equity);
    }
    out.latent = add(out.latent, res.open_auction_shortfall());
    out.loss = add(out.bad_debt, out.latent);
  }
  out.fund_end = fund_usd();
  out.state_hash = engine.state_hash();
  return out;
}

}  // namespace backstop::sim
