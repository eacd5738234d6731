// File: fuzz/resolution_invariants.h
// The invariants of the resolution layer (resolution/resolver.h), checked after every event by the
// property test (tests/resolution_property_test.cc), the libFuzzer target (fuzz/targets.h
// resolution_events) and its smoke test. Header-only so that both can use it without a build
// change.
//
// ResolutionChecker::apply(e) applies `e` through the Resolver and then checks:
//   1. no exception (ConservationError from a step, OverflowError, ...); a rejected event adds no
//      record;
//   2. journal().check_balanced() and bad_debt().check();
//   3. the engine's valuation cache equals build_margin_cache(state), and
//      monitor().unsafe() == {id : maint_excess(cache, account) < 0} (full rescan);
//   4. a replay of the event's records, in order, against the fund, tranche and position state
//      observed before the event:
//      - every waterfall record belongs to an earlier bad_debt booking of the same account and
//        asset, the layers of one booking appear in the configured order, each at most once, and
//        sum (with "uncovered") to the booking; a layer appears only when every earlier insurance
//        fund / staked tranche layer is exhausted at that point (insurance_available /
//        slash_available == 0 on the replayed state), never after RecapDebt, and "uncovered" only
//        when RecapDebt is not in the order; fund payouts never exceed what is available;
//      - perp liquidation fees credited to the fund ("fee_insurance") and payouts/slashes replay
//        to exactly the fund and tranche the resolver holds after the event;
//      - liquidation and ADL fills reduce positions toward zero, never past it; an ADL fill is
//        against an opposite position no larger than it; the fills of one deleverage never
//        exceed the liquidated account's remaining size, and under PerpLiquidation::Full they plus
//        "adl_unfilled" equal it exactly; the replayed sizes equal the engine's after the event;
//   5. every insurance fund >= its min_balance; bad_debt().outstanding(a) == the sum of the
//      "uncovered" records of a; totals() agree with the record counts;
//   6. supply/borrow totals equal the sum of balances, open interest the sum of sizes;
//   7. after the event, every account below maintenance with usable prices that the liquidator
//      could act on (present, latency passed) has a liquidation_declined / toxic_guard /
//      adl_unfilled record in this event, unless per-tick caps are configured (a capped
//      liquidation leaves no record).
// Returns "" or a description of the first violation. Not thread-safe; holds a reference to the
// Resolver, which must outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"
#include "backstop/resolution/resolver.h"
#include "backstop/waterfall/fund.h"

namespace backstop::fuzz {

struct ResolutionCounts {
  int64_t events = 0;
  int64_t accepted = 0;
  int64_t liquidations = 0;  // liquidation records (lending and perp)
  int64_t perp_liquidations = 0;
  int64_t declined = 0;  // liquidation_declined + toxic_guard records
  int64_t bad_debts = 0;
  int64_t waterfall_steps = 0;  // waterfall records other than "uncovered"
  int64_t recap_steps = 0;
  int64_t uncovered = 0;
  int64_t adl_fills = 0;
  int64_t adl_unfilled = 0;
  int64_t socializations = 0;
  int64_t later_layer_steps = 0;    // waterfall steps after an exhausted fund/tranche layer
  int64_t left_unsafe_checked = 0;  // accounts the post-round property looked at
};

class ResolutionChecker {
 public:
  explicit ResolutionChecker(Resolver& r) : r_(r) {
    const State& s = r.engine().state();
    for (AssetId a = 0; a < s.asset_params.size(); ++a)
      asset_by_symbol_[s.asset_params[a].symbol] = a;
    for (MarketId m = 0; m < s.perp_params.size(); ++m)
      market_by_symbol_[s.perp_params[m].symbol] = m;
    for (AccountId id = 0; id < s.accounts.size(); ++id) account_by_name_[s.account_name(id)] = id;
    const auto& caps = r.config().caps;
    capped_ = caps.max_liquidations || caps.max_notional || caps.max_insurance_loss;
  }

  [[nodiscard]] const ResolutionCounts& counts() const { return n_; }

  std::string apply(const Event& e) {
    const std::size_t mark = r_.records().size();
    Replay rp;
    rp.fund = r_.config().insurance;
    rp.tranche = r_.config().tranche;
    rp.sizes = sizes_now();
    const std::set<AccountId> unsafe_before = r_.monitor().unsafe().to_set();
    // The resolver's latency clock keeps an account's time only while the account stays below
    // maintenance: one that the event itself lifts above (a deposit, a repay, a price move),
    // before any liquidation, starts a new clock if it falls below again within the event.
    std::set<AccountId> still_unsafe;
    if (!unsafe_before.empty()) {
      Engine probe = r_.engine();
      if (probe.apply(e).ok()) {
        for (AccountId id : unsafe_before) {
          if (maint_excess(probe.cache(), probe.state().accounts[id]).is_negative()) {
            still_unsafe.insert(id);
          }
        }
      } else {
        still_unsafe = unsafe_before;
      }
    }
    Outcome o;
    try {
      o = r_.apply(e);
    } catch (const std::exception& ex) {
      return std::string("Resolver::apply threw: ") + ex.what();
    }
    ++n_.events;
    if (!o.ok()) {
      if (r_.records().size() != mark) return "a rejected event added resolution records";
      return {};
    }
    ++n_.accepted;
    if (const auto* tr = std::get_if<Trade>(&e.body)) {
      rp.sizes[{tr->account, tr->market}] += tr->size_delta.raw();
      if (tr->counterparty) rp.sizes[{*tr->counterparty, tr->market}] -= tr->size_delta.raw();
      std::erase_if(rp.sizes, [](const auto& kv) { return kv.second == 0; });
    }
    if (e.time != last_resolve_t_) {
      for (auto& [a, f] : rp.fund) f = start_fund_step(f);
      last_resolve_t_ = e.time;
    }
    try {
      r_.journal().check_balanced();
      r_.bad_debt().check();
    } catch (const std::exception& ex) {
      return std::string("ledger check: ") + ex.what();
    }
    if (std::string err = check_monitor(); !err.empty()) return err;
    if (std::string err = replay(rp, mark); !err.empty()) return err;
    if (std::string err = check_after(rp); !err.empty()) return err;
    if (std::string err = check_totals(); !err.empty()) return err;
    return check_left_unsafe(e.time, still_unsafe, mark);
  }

 private:
  using PosKey = std::pair<AccountId, MarketId>;
  struct Replay {
    std::map<AssetId, InsuranceFund> fund;
    std::map<AssetId, StakedTranche> tranche;
    std::map<PosKey, int64_t> sizes;
    // Bad-debt bookings not yet fully run through the waterfall, per (account, asset).
    std::map<std::pair<AccountId, AssetId>, std::deque<int64_t>> pending;
    std::map<std::pair<AccountId, AssetId>, int> open_layer;  // last layer index of an open group
    // The open deleverage: (liquidated account, market), fills so far.
    std::optional<PosKey> adl;
    std::set<AccountId> excused;  // declined, blocked or left unfilled in this event
  };

  static std::string field(const ResolutionRecord& rec, const std::string& name) {
    for (const auto& [k, v] : rec.fields) {
      if (k == name) return v;
    }
    return {};
  }
  static bool has_field(const ResolutionRecord& rec, const std::string& name) {
    for (const auto& [k, v] : rec.fields) {
      if (k == name) return true;
    }
    return false;
  }
  static std::optional<int64_t> parse(const std::string& text, int decimals) {
    std::string err;
    return parse_decimal(text, decimals, &err);
  }

  std::map<PosKey, int64_t> sizes_now() const {
    std::map<PosKey, int64_t> out;
    const State& s = r_.engine().state();
    for (AccountId id = 0; id < s.accounts.size(); ++id) {
      for (const PerpPosition& p : s.accounts[id].positions) {
        if (!p.size.is_zero()) out[{id, p.market}] = p.size.raw();
      }
    }
    return out;
  }

  std::string check_monitor() const {
    const Engine& e = r_.engine();
    // The engine's cache must be what the state gives now (resolution_books() keeps it across a
    // step's fills; a change to a price, index or parameter through it would leave it stale).
    if (!(e.cache() == build_margin_cache(e.state()))) {
      return "the engine's valuation cache differs from one rebuilt from its state";
    }
    std::set<AccountId> truth;
    for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
      if (maint_excess(e.cache(), e.state().accounts[id]).is_negative()) truth.insert(id);
    }
    if (truth != r_.monitor().unsafe()) {
      return "monitor().unsafe() (" + std::to_string(r_.monitor().unsafe().size()) +
             " accounts) differs from a full rescan (" + std::to_string(truth.size()) + ")";
    }
    // After an applied event the resolver says so itself (the simulator's latent-loss scan
    // relies on it).
    if (!r_.unsafe_is_exact()) return "unsafe_is_exact() is false after an applied event";
    return {};
  }

  [[nodiscard]] int layer_index(const std::string& name) const {
    const auto& order = r_.config().waterfall;
    if (name == "uncovered") return static_cast<int>(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (name == layer_name(order[i])) return static_cast<int>(i);
    }
    return -1;
  }

  // Whether the layer at `i` of the order could absorb nothing more (for the layers whose state
  // the replay sees; mutualization is judged by the resolver's own limit and is not checked).
  [[nodiscard]] std::optional<std::string> not_exhausted(const Replay& rp, std::size_t i,
                                                         AssetId asset) const {
    const Layer l = r_.config().waterfall[i];
    if (l == Layer::InsuranceFund) {
      const auto it = rp.fund.find(asset);
      if (it != rp.fund.end() && insurance_available(it->second, std::nullopt).is_positive()) {
        return "insurance fund still had " +
               std::to_string(insurance_available(it->second, std::nullopt).raw());
      }
    } else if (l == Layer::StakedTranche) {
      const auto it = rp.tranche.find(asset);
      if (it != rp.tranche.end() && slash_available(it->second).is_positive()) {
        return "staked tranche could still be slashed by " +
               std::to_string(slash_available(it->second).raw());
      }
    } else if (l == Layer::RecapDebt) {
      return std::string("recap debt is unlimited");
    }
    return std::nullopt;
  }

  // Closes the open deleverage group (Full policy: the liquidated position is gone unless the
  // unfilled record says how much was left).
  std::string close_adl(Replay& rp, int64_t unfilled) {
    if (!rp.adl) return {};
    const PosKey k = *rp.adl;
    rp.adl.reset();
    if (r_.config().perp != PerpLiquidation::Full) return {};
    const auto it = rp.sizes.find(k);
    const int64_t left = it == rp.sizes.end() ? 0 : (it->second < 0 ? -it->second : it->second);
    if (left != unfilled) {
      return "full liquidation of account " + std::to_string(k.first) + " market " +
             std::to_string(k.second) + ": ADL fills + unfilled leave " + std::to_string(left) +
             " quanta instead of " + std::to_string(unfilled);
    }
    return {};
  }

  // Moves a replayed size toward zero by q (> 0); an error when it would cross zero or when the
  // side does not match.
  static std::string reduce(std::map<PosKey, int64_t>& sizes, PosKey k, int64_t q, int sign,
                            const char* what) {
    int64_t& s = sizes[k];
    const int64_t mag = s < 0 ? -s : s;
    if (q <= 0 || (sign > 0 && s <= 0) || (sign < 0 && s >= 0) || q > mag) {
      return std::string(what) + ": account " + std::to_string(k.first) + " market " +
             std::to_string(k.second) + " closes " + std::to_string(q) + " of a position of " +
             std::to_string(s);
    }
    s += s > 0 ? -q : q;
    if (s == 0) sizes.erase(k);
    return {};
  }

  std::string replay(Replay& rp, std::size_t mark) {
    const State& s = r_.engine().state();
    const auto& recs = r_.records();
    for (std::size_t i = mark; i < recs.size(); ++i) {
      const ResolutionRecord& rec = recs[i];
      const std::string where =
          " (record " + std::to_string(i) + ", " + std::string(rec.kind) + ")";
      if (rec.kind != "adl_fill" && rec.kind != "adl_unfilled") {
        if (std::string err = close_adl(rp, 0); !err.empty()) return err + where;
      }
      if (rec.kind == "liquidation") {
        ++n_.liquidations;
        ++liquidation_records_;
        if (!rec.account) return "liquidation without account" + where;
        if (!has_field(rec, "market")) continue;  // lending: positions unchanged
        ++n_.perp_liquidations;
        const MarketId m = market_by_symbol_.at(field(rec, "market"));
        const PerpParams& pp = s.perp_params[m];
        const auto q = parse(field(rec, "size"), pp.base_decimals);
        if (!q) return "unparsable size" + where;
        const int sign = field(rec, "side") == "sell" ? 1 : -1;
        if (std::string err = reduce(rp.sizes, {*rec.account, m}, *q, sign, "liquidation");
            !err.empty()) {
          return err + where;
        }
        const auto fee = parse(field(rec, "fee_insurance"), s.asset_params[pp.quote].decimals);
        if (!fee || *fee < 0) return "bad fee_insurance" + where;
        if (*fee > 0) rp.fund[pp.quote] = credit_fee(rp.fund[pp.quote], Quantity::from_raw(*fee));
      } else if (rec.kind == "liquidation_declined" || rec.kind == "toxic_guard") {
        ++n_.declined;
        if (rec.account) rp.excused.insert(*rec.account);
      } else if (rec.kind == "bad_debt") {
        ++n_.bad_debts;
        const AssetId a = asset_by_symbol_.at(field(rec, "asset"));
        const auto q = parse(field(rec, "amount"), s.asset_params[a].decimals);
        if (!rec.account || !q || *q <= 0) return "bad bad_debt record" + where;
        rp.pending[{*rec.account, a}].push_back(*q);
      } else if (rec.kind == "waterfall") {
        if (std::string err = waterfall_step(rp, rec); !err.empty()) return err + where;
      } else if (rec.kind == "socialization" || rec.kind == "redistribution" ||
                 rec.kind == "store_front_sale") {
        ++n_.socializations;
      } else if (rec.kind == "socialization_failed") {
        // A mutualization step whose open interest closed within the event: its amount went to
        // recap debt, or stays outstanding ("uncovered").
        const AssetId a = asset_by_symbol_.at(field(rec, "asset"));
        const auto q = parse(field(rec, "amount"), s.asset_params[a].decimals);
        if (!q || *q <= 0) return "bad socialization_failed record" + where;
        if (field(rec, "layer") == "uncovered") uncovered_[a] += *q;
      } else if (rec.kind == "adl_fill") {
        ++n_.adl_fills;
        ++adl_records_;
        const MarketId m = market_by_symbol_.at(field(rec, "market"));
        const auto against = account_by_name_.find(field(rec, "against"));
        const auto q = parse(field(rec, "size"), s.perp_params[m].base_decimals);
        if (!rec.account || against == account_by_name_.end() || !q) return "bad adl_fill" + where;
        const PosKey liq{against->second, m};
        if (!rp.adl || *rp.adl != liq) {
          if (std::string err = close_adl(rp, 0); !err.empty()) return err + where;
          rp.adl = liq;
        }
        const auto it = rp.sizes.find(liq);
        if (it == rp.sizes.end()) return "ADL fill against a closed position" + where;
        const int sign = it->second > 0 ? 1 : -1;
        // Never more than the liquidated account's remaining size (checked by reduce), and
        // against an opposite position.
        if (std::string err = reduce(rp.sizes, liq, *q, sign, "ADL (liquidated side)");
            !err.empty()) {
          return err + where;
        }
        if (std::string err = reduce(rp.sizes, {*rec.account, m}, *q, -sign, "ADL (counterparty)");
            !err.empty()) {
          return err + where;
        }
      } else if (rec.kind == "adl_unfilled") {
        ++n_.adl_unfilled;
        const MarketId m = market_by_symbol_.at(field(rec, "market"));
        const auto q = parse(field(rec, "size"), s.perp_params[m].base_decimals);
        if (!rec.account || !q || *q <= 0) return "bad adl_unfilled" + where;
        const PosKey liq{*rec.account, m};
        if (rp.adl && *rp.adl != liq) {
          if (std::string err = close_adl(rp, 0); !err.empty()) return err + where;
        }
        rp.adl = liq;
        const auto it = rp.sizes.find(liq);
        const int64_t mag = it == rp.sizes.end() ? 0 : (it->second < 0 ? -it->second : it->second);
        if (*q > mag) return "unfilled size exceeds the remaining position" + where;
        if (std::string err = close_adl(rp, *q); !err.empty()) return err + where;
        rp.excused.insert(*rec.account);
      } else {
        return "unknown record kind" + where;
      }
    }
    if (std::string err = close_adl(rp, 0); !err.empty()) return err + " (end of event)";
    for (const auto& [k, q] : rp.pending) {
      if (!q.empty()) {
        return "bad debt of account " + std::to_string(k.first) + " asset " +
               std::to_string(k.second) + " not fully run through the waterfall";
      }
    }
    return {};
  }

  std::string waterfall_step(Replay& rp, const ResolutionRecord& rec) {
    const State& s = r_.engine().state();
    const auto a_it = asset_by_symbol_.find(field(rec, "asset"));
    if (!rec.account || a_it == asset_by_symbol_.end()) return "bad waterfall record";
    const AssetId asset = a_it->second;
    const auto q = parse(field(rec, "amount"), s.asset_params[asset].decimals);
    if (!q || *q <= 0) return "waterfall amount not positive";
    const std::pair<AccountId, AssetId> key{*rec.account, asset};
    auto& queue = rp.pending[key];
    if (queue.empty()) return "waterfall step without a bad-debt booking";
    const std::string layer = field(rec, "layer");
    const int idx = layer_index(layer);
    if (idx < 0) return "layer " + layer + " is not in the configured order";
    const auto open = rp.open_layer.find(key);
    const int last = open == rp.open_layer.end() ? -1 : open->second;
    if (idx <= last) return "layer " + layer + " out of the configured order";
    // Every earlier layer must be exhausted now (after its own payout in this booking).
    for (std::size_t i = 0; i < static_cast<std::size_t>(idx); ++i) {
      if (auto why = not_exhausted(rp, i, asset)) {
        return "layer " + layer + " used while an earlier layer was not exhausted: " + *why;
      }
    }
    if (idx > 0) ++n_.later_layer_steps;
    const Quantity amount = Quantity::from_raw(*q);
    if (layer == "uncovered") {
      ++n_.uncovered;
      uncovered_[asset] += *q;
    } else {
      ++n_.waterfall_steps;
      const Layer l = r_.config().waterfall[static_cast<std::size_t>(idx)];
      if (l == Layer::InsuranceFund) {
        InsuranceFund& f = rp.fund[asset];
        if (amount > insurance_available(f, std::nullopt))
          return "insurance payout beyond available";
        f = pay_from_fund(f, std::nullopt, amount);
      } else if (l == Layer::StakedTranche) {
        StakedTranche& t = rp.tranche[asset];
        if (amount > slash_available(t)) return "slash beyond available";
        t = slash(t, amount);
      } else if (l == Layer::RecapDebt) {
        ++n_.recap_steps;
      } else if (l == Layer::Adl) {
        return "the ADL layer absorbed a realised loss (its limit is 0)";
      }
    }
    queue.front() -= *q;
    if (queue.front() < 0) return "waterfall steps exceed the booking";
    if (queue.front() == 0) {
      queue.pop_front();
      rp.open_layer.erase(key);
    } else {
      rp.open_layer[key] = idx;
    }
    return {};
  }

  std::string check_after(const Replay& rp) const {
    const auto& fund = r_.config().insurance;
    if (fund.size() != rp.fund.size()) return "insurance fund set differs from the replay";
    for (const auto& [a, f] : fund) {
      const auto it = rp.fund.find(a);
      if (it == rp.fund.end() || it->second.balance != f.balance ||
          it->second.step_paid != f.step_paid) {
        return "insurance fund of asset " + std::to_string(a) + " is " +
               std::to_string(f.balance.raw()) + ", the records replay to " +
               (it == rp.fund.end() ? std::string("none")
                                    : std::to_string(it->second.balance.raw()));
      }
      if (f.balance < f.min_balance) {
        return "insurance fund of asset " + std::to_string(a) + " below its minimum";
      }
    }
    for (const auto& [a, t] : r_.config().tranche) {
      const auto it = rp.tranche.find(a);
      if (it == rp.tranche.end() || it->second.staked != t.staked ||
          it->second.slashed_in_period != t.slashed_in_period) {
        return "tranche of asset " + std::to_string(a) + " differs from the replay";
      }
    }
    if (sizes_now() != rp.sizes) return "positions differ from the replay of the records";
    for (AssetId a : r_.bad_debt().assets()) {
      const auto it = uncovered_.find(a);
      const int64_t u = it == uncovered_.end() ? 0 : it->second;
      if (r_.bad_debt().outstanding(a).raw() != u) {
        return "outstanding bad debt of asset " + std::to_string(a) + " is " +
               std::to_string(r_.bad_debt().outstanding(a).raw()) + ", uncovered records sum to " +
               std::to_string(u);
      }
    }
    if (r_.totals().liquidations != liquidation_records_ || r_.totals().adl_fills != adl_records_) {
      return "totals() disagree with the records";
    }
    return {};
  }

  std::string check_totals() const {
    const State& s = r_.engine().state();
    for (AssetId i = 0; i < s.assets.size(); ++i) {
      int64_t sup = 0;
      int64_t bor = 0;
      for (const MarginAccount& a : s.accounts) {
        for (const TokenBalance& b : a.balances) {
          if (b.asset != i) continue;
          if (b.scaled > 0) sup += b.scaled;
          if (b.scaled < 0) bor -= b.scaled;
        }
      }
      if (sup != s.assets[i].total_supply_scaled || bor != s.assets[i].total_borrow_scaled) {
        return "asset " + std::to_string(i) + ": totals differ from the sum of balances";
      }
    }
    for (MarketId m = 0; m < s.perps.size(); ++m) {
      int64_t lo = 0;
      int64_t sh = 0;
      for (const MarginAccount& a : s.accounts) {
        for (const PerpPosition& p : a.positions) {
          if (p.market != m) continue;
          if (p.size.raw() > 0) lo += p.size.raw();
          if (p.size.raw() < 0) sh -= p.size.raw();
        }
      }
      if (lo != s.perps[m].long_oi.raw() || sh != s.perps[m].short_oi.raw()) {
        return "market " + std::to_string(m) + ": open interest differs from the sum of sizes";
      }
    }
    return {};
  }

  // The post-round property (7). `since_` mirrors the resolver's unsafe_since: an account unsafe
  // at the end of the previous event and still unsafe right after this event's own change keeps
  // its time (`unsafe_before` here), any other starts now.
  std::string check_left_unsafe(Timestamp t, const std::set<AccountId>& unsafe_before,
                                std::size_t mark) {
    const AccountSet& unsafe = r_.monitor().unsafe();
    std::set<AccountId> excused;
    for (std::size_t i = mark; i < r_.records().size(); ++i) {
      const ResolutionRecord& rec = r_.records()[i];
      if (rec.account && (rec.kind == "liquidation_declined" || rec.kind == "toxic_guard" ||
                          rec.kind == "adl_unfilled")) {
        excused.insert(*rec.account);
      }
    }
    std::map<AccountId, Timestamp> next;
    for (AccountId id : unsafe) {
      const auto it = since_.find(id);
      next[id] = unsafe_before.contains(id) && it != since_.end() ? it->second : t;
    }
    since_ = std::move(next);
    const LiquidatorBehaviour& liq = r_.config().liquidator;
    if (!liq.present || capped_) return {};
    for (AccountId id : unsafe) {
      if (t - since_.at(id) < liq.latency_s) continue;
      const AccountRisk risk = r_.engine().risk(id);
      if (!risk.liquidatable) continue;  // prices not usable
      ++n_.left_unsafe_checked;
      if (!excused.contains(id)) {
        return "account " + std::to_string(id) + " left below maintenance (excess " +
               format(maint_excess(r_.engine().cache(), r_.engine().state().accounts[id])) +
               ") with no declined/blocked/unfilled record";
      }
    }
    return {};
  }

  Resolver& r_;
  std::map<std::string, AssetId> asset_by_symbol_;
  std::map<std::string, MarketId> market_by_symbol_;
  std::map<std::string, AccountId> account_by_name_;
  bool capped_ = false;
  Timestamp last_resolve_t_ = -1;
  std::map<AssetId, int64_t> uncovered_;
  std::map<AccountId, Timestamp> since_;
  int64_t liquidation_records_ = 0;
  int64_t adl_records_ = 0;
  ResolutionCounts n_;
};

}  // namespace backstop::fuzz
