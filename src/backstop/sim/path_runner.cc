// One path of a simulation (run_internal.h): the step loop of PreparedRun::run_path.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"
#include "backstop/sim/run_internal.h"

namespace backstop::sim::run_detail {
namespace {

Value add(Value a, Value b) {
  return Value::from_raw(checked_add(a.raw(), b.raw()));
}

Value usd(const State& s, AssetId a, Quantity q, Rounding r) {
  return value_of(q, s.asset_params.at(a).decimals, s.assets.at(a).price, r);
}

template <class Config>
auto* find_liquidity(Config& rc, const Target& t) {
  auto& models = t.market ? rc.market_liquidity : rc.asset_liquidity;
  const auto it = models.find(t.id);
  return it == models.end() ? nullptr : &it->second;
}

int128 abs128(int128 v) {
  return v < 0 ? -v : v;
}

}  // namespace

Price target_price(const State& s, const Target& t) {
  return t.market ? s.perps.at(t.id).mark : s.assets.at(t.id).price;
}

const LiquidityModel* target_liquidity(const ResolutionConfig& rc, const Target& t) {
  return find_liquidity(rc, t);
}

LiquidityModel* target_liquidity(ResolutionConfig& rc, const Target& t) {
  return find_liquidity(rc, t);
}

Price scale_price(Price p, int128 num, int128 den) {
  const int128 v = mul_div(p.raw(), num, den, Rounding::Down);
  return Price::from_raw(narrow64(std::max<int128>(v, 1), "simulated price"));
}

bool in_ranges(const std::vector<StepRange>& rs, int64_t step) {
  return std::any_of(rs.begin(), rs.end(),
                     [&](const StepRange& r) { return r.contains(static_cast<int>(step)); });
}

PreparedRun::Workspace& PathRunner::reset(const PreparedRun& run, PreparedRun::Workspace& ws) {
  if (!ws.engine_ || ws.run_ != run.serial_) {
    ws.resolver_.reset();
    ws.engine_ = std::make_unique<Engine>(run.engine_->state());
    ws.engine_->track_changes();  // a copy of the prototype: the next path resets what changed
    ws.resolver_ = std::make_unique<Resolver>(*ws.engine_, *run.resolver_);
    ws.run_ = run.serial_;
  } else {
    ws.engine_->reset_to(*run.engine_);
    ws.resolver_->reset_to(*run.resolver_);
  }
  return ws;
}

PathRunner::PathRunner(const PreparedRun& run, uint64_t index, PreparedRun::Workspace& ws)
    : run_(run),
      cfg_(run.cfg_),
      env_(run.cfg_.env),
      engine_(*reset(run, ws).engine_),
      res_(*ws.resolver_),
      path_(run.exogenous(index)),
      nd_(run.cfg_.drivers.size()) {
  out_.index = index;
  out_.label = run.path_label(index);
  out_.wave_liquidations.assign(1, 0);
  out_.final_prices = run.initial_;
  out_.min_prices = run.initial_;
  oracle_ = run.initial_;
  oracle_time_.assign(nd_, engine_.state().now);
  market_hist_.resize(nd_);
  for (std::size_t d = 0; d < nd_; ++d) market_hist_[d].push_back(run.initial_[d]);
  log_returns_.resize(nd_);
  base_present_ = res_.config().liquidator.present;
  journal_seen_ = res_.journal().size();
  records_seen_ = res_.records().size();
  stride_ = std::max<int64_t>(1, run.steps_ / std::max(1, cfg_.series_points - 1));
  liquidated_seen_.assign(engine_.state().accounts.size(), 0);
  setup_liquidity();
  setup_funds();
  setup_schedule();
}

void PathRunner::setup_liquidity() {
  impact_target_.resize(nd_);
  base_marginal_.resize(nd_);
  for (std::size_t d = 0; d < nd_; ++d) {
    for (const Target& t : cfg_.drivers[d].targets) {
      const LiquidityModel* m = target_liquidity(res_.config(), t);
      if (m == nullptr) continue;
      if (const auto* c = std::get_if<SlippageCurve>(&m->model())) {
        base_depth_[{t.market, t.id}] = c->params().depth;
      }
      if (!impact_target_[d]) {
        impact_target_[d] = t;
        base_marginal_[d] = m->marginal(Side::Sell).value_or(Price{});
      }
    }
  }
}

void PathRunner::setup_funds() {
  for (const auto& [a, f] : res_.config().insurance) {
    running_[a] = f.balance.raw();
    // A fund that starts at its minimum cannot pay anything: exhausted from the start.
    if (f.balance <= f.min_balance) out_.fund_exhausted = true;
  }
  if (run_.sized_asset_ && running_.contains(*run_.sized_asset_)) {
    sized_start_ = running_[*run_.sized_asset_];
  }
  out_.fund_start = fund_usd();
  out_.fund_min = out_.fund_start;
  // The series starts at step 0: the starting book before any move.
  out_.series.push_back({0, run_.time_at(0), out_.fund_start, Value{}, Value{},
                         nd_ > 0 ? run_.initial_[0] : Price{}});
}

// The path's prices for the monitor, when every path's are foreseen (run.h, foreseen_sources):
// row s holds what the oracle reports at step s, the exogenous price of oracle_delay_steps before
// (with no liquidity model the market price is the exogenous one), per driver target.
void PathRunner::setup_schedule() {
  const std::vector<SourceId>& src = run_.foreseen_sources();
  if (src.empty()) return;
  const auto rows = static_cast<std::size_t>(run_.steps_) + 1;
  std::vector<int64_t> v;
  v.reserve(rows * src.size());
  for (std::size_t r = 0; r < rows; ++r) {
    const int64_t s = std::max<int64_t>(0, static_cast<int64_t>(r) - env_.oracle_delay_steps);
    for (std::size_t d = 0; d < nd_; ++d) {
      for (std::size_t k = 0; k < cfg_.drivers[d].targets.size(); ++k) {
        v.push_back(scaled(d, k, exo(s, d)).raw());
      }
    }
  }
  res_.set_price_schedule(std::make_shared<PriceSchedule>(src, std::move(v)));
}

Value PathRunner::fund_usd() const {
  Value v{};
  for (const auto& [a, f] : res_.config().insurance) {
    v = add(v, usd(engine_.state(), a, f.balance, Rounding::Down));
  }
  return v;
}

Price PathRunner::market_price(std::size_t d, Price exo_price) const {
  if (!impact_target_[d]) return exo_price;
  const LiquidityModel* m = target_liquidity(res_.config(), *impact_target_[d]);
  if (const auto* c = std::get_if<SlippageCurve>(&m->model())) {
    const Side side = c->displacement().raw() >= 0 ? Side::Sell : Side::Buy;
    return scale_price(exo_price, c->marginal(side).raw(), c->params().reference.raw());
  }
  const std::optional<Price> now = m->marginal(Side::Sell);
  if (!now || !base_marginal_[d].is_positive()) return exo_price;
  return scale_price(exo_price, now->raw(), base_marginal_[d].raw());
}

Price PathRunner::scaled(std::size_t d, std::size_t k, Price p) const {
  if (k == 0) return p;
  // The other targets move by the driver's ratio from their own starting prices.
  const Target& tg = cfg_.drivers[d].targets[k];
  return scale_price(target_price(run_.engine_->state(), tg), p.raw(), run_.initial_[d].raw());
}

void PathRunner::anchor(std::size_t d, Price exo_price) {
  const Driver& drv = cfg_.drivers[d];
  for (std::size_t k = 0; k < drv.targets.size(); ++k) {
    const Target& tg = drv.targets[k];
    if (tg.market) {
      res_.anchor_market_liquidity(tg.id, scaled(d, k, exo_price));
    } else {
      res_.anchor_asset_liquidity(tg.id, scaled(d, k, exo_price));
    }
  }
}

void PathRunner::report(std::size_t d, Price p, Timestamp t) {
  const Driver& drv = cfg_.drivers[d];
  for (std::size_t k = 0; k < drv.targets.size(); ++k) {
    const Target& tg = drv.targets[k];
    const Price tp = scaled(d, k, p);
    Event e;
    e.time = t;
    e.origin = "simulate";
    if (tg.market) {
      e.body = SetMarkPrice{tg.id, tp, tp};
    } else {
      e.body = SetAssetPrice{tg.id, tp};
    }
    queued_.push_back(std::move(e));
  }
}

void PathRunner::flush() {
  if (queued_.empty()) return;
  for (const Outcome& o : res_.apply_all(queued_)) {
    if (!o.ok()) ++out_.rejected_prices;
  }
  queued_.clear();
  // What the engine holds now (a rejected update leaves the previous price).
  for (std::size_t d = 0; d < nd_; ++d) {
    oracle_[d] = target_price(engine_.state(), cfg_.drivers[d].targets[0]);
  }
}

PathResult PathRunner::run() {
  for (int64_t s = 1; s <= run_.steps_; ++s) {
    try {
      step(s);
    } catch (const OverflowError& e) {
      // The resolver rolls a failed step back; the path ends here and says why.
      out_.error = e.what();
      out_.error_step = s;
      break;
    }
  }
  finish();
  return std::move(out_);
}

void PathRunner::step(int64_t s) {
  const Timestamp t = run_.time_at(s);
  res_.mutable_config().liquidator.present =
      base_present_ && !in_ranges(env_.liquidator_outages, s);
  const int64_t before = res_.totals().liquidations;
  Event tick;
  tick.time = t;
  tick.body = Tick{};
  tick.origin = "simulate";
  (void)res_.apply(tick);
  dry_liquidity(s);
  // Anchor the liquidity at the exogenous prices; the market price carries the impact left.
  for (std::size_t d = 0; d < nd_; ++d) {
    anchor(d, exo(s, d));
    market_hist_[d].push_back(market_price(d, exo(s, d)));
  }
  update_oracle(s, t);
  out_.wave_liquidations[0] += res_.totals().liquidations - before;
  cascade(s, t);
  scan_journal();
  scan_records();
  end_of_step(s, t);
}

// Liquidity dries up with realised volatility (model side, converted to a depth in quanta).
void PathRunner::dry_liquidity(int64_t s) {
  for (std::size_t d = 0; d < nd_; ++d) {
    std::vector<double>& lr = log_returns_[d];
    lr.push_back(
        std::log(static_cast<double>(exo(s, d).raw()) / static_cast<double>(exo(s - 1, d).raw())));
    if (env_.dry_sensitivity <= 0) continue;
    const std::size_t w =
        std::min<std::size_t>(lr.size(), static_cast<std::size_t>(env_.vol_window));
    double ss = 0;
    for (std::size_t k = lr.size() - w; k < lr.size(); ++k) ss += lr[k] * lr[k];
    const double vol = std::sqrt(ss / static_cast<double>(w));
    const double f = std::max(
        env_.min_depth,
        1.0 / (1.0 + env_.dry_sensitivity * std::max(0.0, vol / env_.vol_reference - 1.0)));
    for (const Target& tg : cfg_.drivers[d].targets) {
      LiquidityModel* m = target_liquidity(res_.mutable_config(), tg);
      const auto it = base_depth_.find({tg.market, tg.id});
      if (m == nullptr || it == base_depth_.end()) continue;
      // The model boundary: depth factor (double) -> quanta, rounded down.
      const auto depth =
          static_cast<int64_t>(std::floor(static_cast<double>(it->second.raw()) * f));
      m->set_curve_depth(Quantity::from_raw(std::max<int64_t>(1, depth)));
    }
  }
}

// The oracle reports the market price of oracle_delay_steps ago, when the deviation or heartbeat
// rule (if any) says so, unless it is in an outage.
void PathRunner::update_oracle(int64_t s, Timestamp t) {
  if (in_ranges(env_.oracle_outages, s)) return;
  for (std::size_t d = 0; d < nd_; ++d) {
    const int64_t src = std::max<int64_t>(0, s - env_.oracle_delay_steps);
    const Price cand = market_hist_[d][static_cast<std::size_t>(src)];
    if (env_.oracle_deviation || env_.oracle_heartbeat_s > 0) {
      const int128 move = abs128(static_cast<int128>(cand.raw()) - oracle_[d].raw()) * kRatioOne;
      const bool moved =
          env_.oracle_deviation &&
          move >= static_cast<int128>(env_.oracle_deviation->raw()) * oracle_[d].raw();
      const bool beat =
          env_.oracle_heartbeat_s > 0 && t - oracle_time_[d] >= env_.oracle_heartbeat_s;
      if (!moved && !beat) continue;
    }
    report(d, cand, t);
    oracle_time_[d] = t;
  }
  flush();
}

// Cascade waves: sales moved the market price; the oracle reports it again, until quiet.
void PathRunner::cascade(int64_t s, Timestamp t) {
  if (!cfg_.cascade.enabled || env_.oracle_delay_steps != 0 || in_ranges(env_.oracle_outages, s)) {
    return;
  }
  int64_t waves = 0;
  for (int w = 1; w <= cfg_.cascade.max_waves; ++w) {
    const int64_t before = res_.totals().liquidations;
    bool moved = false;
    for (std::size_t d = 0; d < nd_; ++d) {
      const Price m = market_price(d, exo(s, d));
      // A wave needs a move above min_move and, with a deviation rule, one the oracle would
      // report (>= the deviation, as for the step's own update).
      const int128 move = abs128(static_cast<int128>(m.raw()) - oracle_[d].raw()) * kRatioOne;
      if (move <= static_cast<int128>(cfg_.cascade.min_move.raw()) * oracle_[d].raw()) continue;
      if (env_.oracle_deviation &&
          move < static_cast<int128>(env_.oracle_deviation->raw()) * oracle_[d].raw()) {
        continue;
      }
      moved = true;
      report(d, m, t);
      oracle_time_[d] = t;
      market_hist_[d].back() = m;
    }
    flush();
    if (!moved) break;
    ++waves;
    if (out_.wave_liquidations.size() <= static_cast<std::size_t>(w)) {
      out_.wave_liquidations.resize(static_cast<std::size_t>(w) + 1, 0);
    }
    out_.wave_liquidations[static_cast<std::size_t>(w)] += res_.totals().liquidations - before;
  }
  out_.waves += waves;
  out_.max_waves = std::max(out_.max_waves, waves);
}

// New journal entries: fund balances (exhaustion, drawdown), payouts, slashing, socialisation.
void PathRunner::scan_journal() {
  const State& s = engine_.state();
  const std::optional<AssetId>& sized = run_.sized_asset_;
  for (const JournalEntry& e : res_.journal().entries_since(journal_seen_)) {
    for (const Leg& l : e.legs) {
      const bool into = l.to.kind == BookKind::InsuranceFund;
      const bool from = l.from.kind == BookKind::InsuranceFund;
      if ((into || from) && running_.contains(l.asset)) {
        int128& bal = running_[l.asset];
        bal += into ? l.amount.raw() : -static_cast<int128>(l.amount.raw());
        if (bal <= res_.config().insurance.at(l.asset).min_balance.raw()) {
          out_.fund_exhausted = true;
        }
        if (sized && l.asset == *sized && sized_start_ - bal > out_.fund_drawdown.raw()) {
          out_.fund_drawdown = Quantity::from_raw(narrow64(sized_start_ - bal, "fund drawdown"));
        }
      }
      const Value v = usd(s, l.asset, l.amount, Rounding::Down);
      switch (e.kind) {
        case EntryKind::InsurancePayout:
          if (from) out_.insurance_paid = add(out_.insurance_paid, v);
          break;
        case EntryKind::StakeSlash:
          if (l.from.kind == BookKind::StakedTranche) out_.slashed = add(out_.slashed, v);
          break;
        case EntryKind::SupplierHaircut:
        case EntryKind::OpenInterestSocialization:
        case EntryKind::BorrowerRedistribution:
          if (l.to.kind == BookKind::Deficit || l.from.kind == BookKind::Suppliers ||
              l.from.kind == BookKind::OpenInterest || l.from.kind == BookKind::Borrowers) {
            out_.socialized = add(out_.socialized, v);
          }
          break;
        default:
          break;
      }
    }
  }
  journal_seen_ = res_.journal().size();
}

// New records: the distinct accounts liquidated; then drops them.
void PathRunner::scan_records() {
  const auto& recs = res_.records();
  for (std::size_t i = records_seen_; i < recs.size(); ++i) {
    if (recs[i].kind == "liquidation" && recs[i].account) {
      const AccountId a = *recs[i].account;
      if (a >= liquidated_seen_.size()) liquidated_seen_.resize(a + 1, 0);
      if (liquidated_seen_[a] == 0) {
        liquidated_seen_[a] = 1;
        ++out_.accounts_liquidated;
      }
    }
  }
  // Nothing else reads them: free them now, while they are in cache (Resolver::clear_records).
  res_.clear_records();
  records_seen_ = 0;
}

// Funds, prices and the sampled series.
void PathRunner::end_of_step(int64_t s, Timestamp t) {
  const Value fv = fund_usd();
  out_.fund_min = std::min(out_.fund_min, fv);
  for (const auto& [a, f] : res_.config().insurance) {
    if (running_.at(a) != f.balance.raw()) {
      throw ConservationError(fmt::format("insurance fund {} is {} but its journal says {}",
                                          engine_.state().asset_params[a].symbol, f.balance.raw(),
                                          format_decimal(running_.at(a), 0)));
    }
  }
  // The market price at the end of the step carries the impact of its liquidations.
  for (std::size_t d = 0; d < nd_; ++d) {
    const Price end = market_price(d, exo(s, d));
    out_.final_prices[d] = end;
    out_.min_prices[d] = std::min(out_.min_prices[d], end);
  }
  if (s % stride_ == 0 || s == run_.steps_) {
    out_.series.push_back({s, t, fv, res_.totals().bad_debt, res_.totals().liquidated_value,
                           nd_ > 0 ? out_.final_prices[0] : Price{}});
  }
}

void PathRunner::finish() {
  const ResolutionTotals& tot = res_.totals();
  const ResolutionTotals& start = run_.resolver_->totals();
  out_.bad_debt = Value::from_raw(tot.bad_debt.raw() - start.bad_debt.raw());
  out_.liquidated = Value::from_raw(tot.liquidated_value.raw() - start.liquidated_value.raw());
  out_.liquidations = tot.liquidations - start.liquidations;
  out_.declined = tot.declined - start.declined;
  out_.adl_fills = tot.adl_fills - start.adl_fills;
  out_.adl_notional = Value::from_raw(tot.adl_notional.raw() - start.adl_notional.raw());
  for (const AssetId a : res_.bad_debt().assets()) {
    out_.uncovered =
        add(out_.uncovered, usd(engine_.state(), a, res_.bad_debt().outstanding(a), Rounding::Up));
  }
  // Latent losses: accounts still underwater and auctions still running at the end. Only an
  // account below maintenance can be underwater (equity >= maintenance excess), and when the
  // monitor is current those are exactly its unsafe set; otherwise (a path that ended on an
  // error) every account is valued.
  const MarginCache& cache = engine_.cache();
  const std::vector<MarginAccount>& accounts = engine_.state().accounts;
  auto underwater = [&](const MarginAccount& a) {
    const Value equity = account_equity(cache, a);
    return equity.is_negative() ? -equity : Value{};
  };
  if (res_.unsafe_is_exact()) {
    for (const AccountId id : res_.monitor().unsafe()) {
      out_.latent = add(out_.latent, underwater(accounts[id]));
    }
#ifndef NDEBUG
    // Debug builds (the sanitizer CI job) check the shortcut against the full scan.
    Value all{};
    for (const MarginAccount& a : accounts) all = add(all, underwater(a));
    if (all != out_.latent) throw std::logic_error("latent loss: the unsafe set missed an account");
#endif
  } else {
    for (const MarginAccount& a : accounts) out_.latent = add(out_.latent, underwater(a));
  }
  out_.latent = add(out_.latent, res_.open_auction_shortfall());
  out_.loss = add(out_.bad_debt, out_.latent);
  out_.fund_end = fund_usd();
  out_.state_hash = engine_.state_hash();
}

}  // namespace backstop::sim::run_detail
