#include "backstop/resolution/resolver.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "backstop/engine/balance_ops.h"

namespace backstop {
namespace {

std::vector<AccountId> touched_by(const EventBody& b) {
  std::vector<AccountId> out;
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, Deposit> || std::is_same_v<T, Withdraw> ||
                      std::is_same_v<T, Borrow> || std::is_same_v<T, Repay>) {
          out.push_back(ev.account);
        } else if constexpr (std::is_same_v<T, Trade>) {
          out.push_back(ev.account);
          if (ev.counterparty) out.push_back(*ev.counterparty);
        }
      },
      b);
  return out;
}

bool moves_everyone(const EventBody& b) {
  return std::holds_alternative<Funding>(b) || std::holds_alternative<SetParam>(b);
}

}  // namespace

Resolver::Resolver(Engine& engine, ResolutionConfig cfg)
    : engine_(engine),
      cfg_(std::move(cfg)),
      monitor_(engine.state(), engine.cache()),
      budget_(cfg_.caps) {
  monitor_.learn_volatility(kMonitorVolatilityWindow);
}

Resolver::Resolver(Engine& engine, const Resolver& o)
    : engine_(engine),
      cfg_(o.cfg_),
      monitor_(o.monitor_),
      journal_(o.journal_),
      bad_debt_(o.bad_debt_),
      treasury_(o.treasury_),
      unsafe_since_(o.unsafe_since_),
      budget_(o.budget_),
      budget_time_(o.budget_time_),
      records_(o.records_),
      totals_(o.totals_),
      touched_(o.touched_),
      auctions_(o.auctions_),
      pending_social_(o.pending_social_),
      holders_(o.holders_),
      asset_anchor_(o.asset_anchor_),
      market_anchor_(o.market_anchor_),
      pacing_(o.pacing_),
      last_chunk_(o.last_chunk_),
      dirt_(o.dirt_),
      global_dirt_(o.global_dirt_),
      fault_(o.fault_) {
  if (o.open_step_ != nullptr) {
    throw std::logic_error("a resolver cannot be copied in the middle of a resolution step");
  }
  monitor_.track_changes();  // reset_to copies back only what the paths change
}

void Resolver::reset_to(const Resolver& o) {
  if (open_step_ != nullptr || o.open_step_ != nullptr) {
    throw std::logic_error("a resolver cannot be copied in the middle of a resolution step");
  }
  // The same members, in the same order, as the copying constructor above.
  cfg_ = o.cfg_;
  monitor_.reset_to(o.monitor_);
  journal_ = o.journal_;
  bad_debt_ = o.bad_debt_;
  treasury_ = o.treasury_;
  unsafe_since_ = o.unsafe_since_;
  budget_ = o.budget_;
  budget_time_ = o.budget_time_;
  records_ = o.records_;
  totals_ = o.totals_;
  touched_ = o.touched_;
  auctions_ = o.auctions_;
  pending_social_ = o.pending_social_;
  holders_ = o.holders_;
  asset_anchor_ = o.asset_anchor_;
  market_anchor_ = o.market_anchor_;
  pacing_ = o.pacing_;
  last_chunk_ = o.last_chunk_;
  dirt_ = o.dirt_;
  global_dirt_ = o.global_dirt_;
  fault_ = o.fault_;
}

void Resolver::clear_records() {
  if (open_step_ != nullptr) {
    throw std::logic_error("records cannot be cleared in the middle of a resolution step");
  }
  // A crash step liquidates thousands of positions at once: enough lists are kept for such a
  // step's records (at most ~5 MB of field lists).
  constexpr std::size_t kMaxSpare = 4096;
  for (ResolutionRecord& r : records_) {
    if (spare_fields_.size() >= kMaxSpare) break;
    r.fields.clear();
    spare_fields_.push_back(std::move(r.fields));
  }
  records_.clear();
}

void Resolver::set_monitor_volatility(std::vector<uint8_t> log2_vol, std::vector<uint8_t> pinned) {
  monitor_.set_volatility(std::move(log2_vol));
  monitor_.pin_sources(std::move(pinned));
  (void)monitor_.sync(engine_.state(), engine_.cache(), {}, /*full=*/true);
}

void Resolver::set_price_schedule(std::shared_ptr<const PriceSchedule> schedule) {
  monitor_.set_schedule(std::move(schedule));
  if (monitor_.rebuild_pending()) {
    (void)monitor_.sync(engine_.state(), engine_.cache(), {}, /*full=*/true);
  }
}

void Resolver::anchor_asset_liquidity(AssetId a, Price p) {
  if (p.is_positive()) {
    asset_anchor_[a] = p;
  } else {
    asset_anchor_.erase(a);
  }
}

void Resolver::anchor_market_liquidity(MarketId m, Price p) {
  if (p.is_positive()) {
    market_anchor_[m] = p;
  } else {
    market_anchor_.erase(m);
  }
}

Outcome Resolver::apply(const Event& e) {
  return apply_all(std::span<const Event>(&e, 1)).front();
}

std::vector<Outcome> Resolver::apply_all(std::span<const Event> events) {
  std::vector<Outcome> outs;
  outs.reserve(events.size());
  const Timestamp before = engine_.state().now;
  std::vector<AccountId> touched;
  bool full = false;
  bool any = false;
  for (const Event& e : events) {
    outs.push_back(engine_.apply(e));
    if (!outs.back().ok()) continue;
    any = true;
    const std::vector<AccountId> t = touched_by(e.body);
    touched.insert(touched.end(), t.begin(), t.end());
    full = full || moves_everyone(e.body);
  }
  if (!any || !cfg_.enabled) return outs;
  const Timestamp now = engine_.state().now;
  if (cfg_.impact_half_life_s > 0 && now > before) {
    for (auto& [id, m] : cfg_.asset_liquidity) m.recover(now - before, cfg_.impact_half_life_s);
    for (auto& [id, m] : cfg_.market_liquidity) m.recover(now - before, cfg_.impact_half_life_s);
  }
  step_autolines(now);
  follow_prices();
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  resolve(now, touched, full);
  return outs;
}

void Resolver::follow_prices() {
  const State& s = engine_.state();
  for (auto& [a, m] : cfg_.asset_liquidity) {
    const auto pin = asset_anchor_.find(a);
    m.follow_price(pin != asset_anchor_.end() ? pin->second : s.assets.at(a).price);
  }
  for (auto& [id, m] : cfg_.market_liquidity) {
    const auto pin = market_anchor_.find(id);
    m.follow_price(pin != market_anchor_.end() ? pin->second : s.perps.at(id).mark);
  }
}

void Resolver::step_autolines(Timestamp t) {
  for (auto& [asset, line] : cfg_.autoline) {
    const Quantity debt = total_borrow(engine_.state().assets.at(asset));
    const AutoLineStep step = autoline_step(line, debt, t);
    if (step.change != AutoLineChange::Raised && step.change != AutoLineChange::Lowered) continue;
    line = step.next;
    engine_.resolution_state().asset_params.at(asset).borrow_cap = line.line;
    record(t, "autoline", std::nullopt,
           {{"asset", engine_.state().asset_params[asset].symbol},
            {"change", autoline_change_name(step.change)},
            {"line", asset_amount(asset, line.line)},
            {"debt", asset_amount(asset, debt)}});
  }
}

bool Resolver::unsafe_is_exact() const {
  return touched_.empty() && monitor_.current(engine_.state(), engine_.cache());
}

void Resolver::resolve(Timestamp t, const std::vector<AccountId>& touched, bool full) {
  holders_.clear();
  if (t != budget_time_) {
    budget_.new_tick();
    budget_time_ = t;
    for (auto& [a, f] : cfg_.insurance) f = start_fund_step(f);
  }
  // Accounts changed since the last sync (normally none; after a step threw out of the previous
  // apply(), those the completed steps changed) are re-evaluated with the event's own.
  std::vector<AccountId> first(touched);
  first.insert(first.end(), touched_.begin(), touched_.end());
  touched_.clear();
  // The accounts found below maintenance keep their old bands for now when a liquidator is
  // present: the first round changes them or not, and its sync values and re-arms them either way
  // (a band computed now would be thrown away).
  const State& now = engine_.state();
  monitor_.detect(now, engine_.cache(), first, full);
  monitor_.rearm(now, engine_.cache(), cfg_.liquidator.present);
  run_auctions(t);
  // Liquidations change accounts (and, through the waterfall, other accounts); re-sync and go
  // again until a round changes nothing. Each round liquidates every eligible account at most
  // once, so the loop is bounded. Losses socialised over open interest are applied when the
  // rounds are quiet, and may start more rounds (socialisation can push accounts under).
  // Latency clock: an account is unsafe since the first event after which it was below
  // maintenance; it restarts only when the account is safe at the start of an event (not when a
  // partial liquidation within this event briefly restored it).
  for (auto it = unsafe_since_.begin(); it != unsafe_since_.end();) {
    it = monitor_.unsafe().contains(it->first) ? std::next(it) : unsafe_since_.erase(it);
  }
  // A liquidation episode ends when the account is safe at the start of an event (Drift resets
  // the margin freed); a Hyperliquid chunk matters only during its cooldown.
  for (auto it = pacing_.begin(); it != pacing_.end();) {
    it = monitor_.unsafe().contains(it->first) ? std::next(it) : pacing_.erase(it);
  }
  for (auto it = last_chunk_.begin(); it != last_chunk_.end();) {
    const bool cooling = cfg_.perp_chunks && t - it->second < cfg_.perp_chunks->cooldown_s;
    it = cooling ? std::next(it) : last_chunk_.erase(it);
  }
  for (int round = 0; round < 32; ++round) {
    for (AccountId id : monitor_.unsafe()) unsafe_since_.emplace(id, t);
    if (!cfg_.liquidator.present) break;
    bool progress = false;
    const std::vector<AccountId> todo(monitor_.unsafe().begin(), monitor_.unsafe().end());
    for (AccountId id : todo) {
      if (t - unsafe_since_.at(id) < cfg_.liquidator.latency_s) continue;
      const MarginAccount& a = engine_.state().accounts[id];
      // Above maintenance after all, or prices not usable.
      if (!liquidatable(engine_.cache(), a)) continue;
      bool did = false;
      const bool can_take = cfg_.vault.has_value() && *cfg_.vault != id;
      if (!a.positions.empty()) {
        // The margin requirement proper: our maint_requirement also counts a net perp loss
        // (it is debt), which Hyperliquid's "maintenance margin" does not.
        bool backstop = false;
        if (can_take && cfg_.perp_backstop) {
          const AccountRisk r = engine_.risk(id);
          const Value loss = r.unrealized_pnl.is_negative() ? -r.unrealized_pnl : Value{};
          backstop = apply_ratio(r.maint_requirement - loss, *cfg_.perp_backstop, Rounding::Down) >
                     r.equity;
        }
        did = backstop ? take_over(id, t, false) : liquidate_perps(id, t);
      } else if (cfg_.lending == LendingLiquidation::DutchAuction) {
        did = start_auction(id, t);
      } else if (cfg_.lending == LendingLiquidation::VaultTakeover && can_take &&
                 cfg_.redistribute) {
        did = offset_and_redistribute(id, t);
      } else if (cfg_.lending != LendingLiquidation::CloseFactor && can_take) {
        did = take_over(id, t, cfg_.lending == LendingLiquidation::Absorb);
      } else {
        did = liquidate_lending(id, t);
      }
      progress = progress || did;
    }
    monitor_.sync(engine_.state(), engine_.cache(), touched_, false);
    touched_.clear();
    if (!progress) {
      if (pending_social_.empty()) break;
      apply_pending_socializations(t);
      monitor_.sync(engine_.state(), engine_.cache(), touched_, false);
      touched_.clear();
    }
  }
  if (cfg_.store_front && cfg_.vault && cfg_.liquidator.present) run_store_front(t);
  // Bounded rounds: anything still pending is applied now.
  if (!pending_social_.empty()) {
    apply_pending_socializations(t);
    monitor_.sync(engine_.state(), engine_.cache(), touched_, false);
    touched_.clear();
  }
  holders_.clear();
}

// One atomic step per (asset, market), in key order; each step removes its own entry, so a step
// that throws leaves its losses (and those of later keys) pending.
void Resolver::apply_pending_socializations(Timestamp t) {
  while (!pending_social_.empty()) {
    const auto [asset, market] = pending_social_.begin()->first;
    socialize_over_positions(asset, market, t);
  }
}

const std::vector<AccountId>& Resolver::holders(MarketId m) {
  auto it = holders_.find(m);
  if (it != holders_.end()) return it->second;
  std::vector<AccountId> ids;
  const State& s = engine_.state();
  for (AccountId id = 0; id < s.accounts.size(); ++id) {
    const PerpPosition* p = s.accounts[id].position(m);
    if (p != nullptr && !p->size.is_zero()) ids.push_back(id);
  }
  return holders_.emplace(m, std::move(ids)).first->second;
}

Quantity Resolver::adjust(AccountId id, AssetId asset, Quantity delta) {
  State& s = engine_.resolution_books();  // balances and positions only
  MarginAccount& a = s.accounts.at(id);
  AssetState& st = s.assets.at(asset);
  ResolutionStep& step = open_step();
  step.save_account(id);
  step.save_asset(asset);
  TokenBalance& b = a.balance_mut(asset);
  const Quantity before = signed_amount(b, st);
  adjust_balance(b, st, delta);
  const Quantity after = signed_amount(b, st);
  a.compact();
  touched_.push_back(id);
  fault_point(FaultPoint::Change);
  return after - before;
}

void Resolver::dust_legs(JournalEntry& e, AccountId id, AssetId asset, Quantity actual,
                         Quantity intended) {
  const Quantity dust = actual - intended;
  if (dust.is_zero()) return;
  // A scaled balance loses at most ceil(index) quanta to rounding, in the venue's favour.
  const AssetState& st = engine_.state().assets.at(asset);
  const int128 bound =
      div_round(std::max(st.supply_index.raw(), st.borrow_index.raw()), kIndexOne, Rounding::Up) +
      1;
  if (dust.abs().raw() > bound) {
    throw ConservationError(fmt::format(
        "account {} asset {}: balance changed by {} instead of {} (rounding beyond {} quanta)",
        engine_.state().account_name(id), engine_.state().asset_params[asset].symbol, actual.raw(),
        intended.raw(), static_cast<int64_t>(bound)));
  }
  const Book dust_book{BookKind::RoundingDust, 0};
  if (dust.is_negative()) {
    e.legs.push_back(Leg{Book::account(id), dust_book, asset, -dust});
  } else {
    e.legs.push_back(Leg{dust_book, Book::account(id), asset, dust});
  }
}

void Resolver::record(Timestamp t, const char* kind, std::optional<AccountId> account,
                      std::vector<RecordField> fields) {
  if (!cfg_.record_fields) fields.clear();
  records_.push_back(ResolutionRecord{t, kind, account, std::move(fields)});
  if (open_step_ != nullptr) fault_point(FaultPoint::Record);
}

void Resolver::record(Timestamp t, const char* kind, std::optional<AccountId> account,
                      std::initializer_list<Field> fields) {
  std::vector<RecordField> v;
  if (!cfg_.record_fields) {
    record(t, kind, account, std::move(v));
    return;
  }
  if (!spare_fields_.empty()) {
    v = std::move(spare_fields_.back());  // empty, with its capacity
    spare_fields_.pop_back();
  }
  // Every list gets room for the longest common record (a perp liquidation's 11 fields), so that
  // a reused list never grows again whatever record it served before.
  constexpr std::size_t kFieldRoom = 12;
  v.reserve(std::max(fields.size(), kFieldRoom));
  for (const Field& f : fields) v.emplace_back(f.key, std::move(f.value));
  record(t, kind, account, std::move(v));
}

Resolver::LiquidationPair Resolver::pick_pair(AccountId id) const {
  const State& s = engine_.state();
  LiquidationPair p;
  Value debt_v{};
  Value coll_v{};
  for (const TokenBalance& b : s.accounts.at(id).balances) {
    const Quantity q = signed_amount(b, s.assets[b.asset]);
    const Value v = usd(b.asset, q.abs(), Rounding::Down);
    if (q.is_negative() && (!p.debt || v > debt_v)) {
      p.debt = b.asset;
      debt_v = v;
    } else if (q.is_positive() && s.asset_params[b.asset].weight_maint.is_positive() &&
               (!p.collateral || v > coll_v)) {
      p.collateral = b.asset;
      coll_v = v;
    }
  }
  return p;
}

std::string Resolver::asset_amount(AssetId a, Quantity q) const {
  return format(q, engine_.state().asset_params.at(a).decimals);
}

Value Resolver::usd(AssetId a, Quantity q, Rounding r) const {
  const State& s = engine_.state();
  return value_of(q, s.asset_params.at(a).decimals, s.assets.at(a).price, r);
}

}  // namespace backstop
