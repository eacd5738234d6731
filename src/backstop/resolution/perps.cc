// Perp liquidation: close the least that restores maintenance plus a buffer (or everything),
// against the market's liquidity model; the account pays a fee on the closed notional, split
// between the liquidator and the insurance fund and never larger than its equity; what the market
// cannot absorb is auto-deleveraged against ranked opposite positions at the bankruptcy price; an
// account left with debt and nothing else is written off.
#include <fmt/format.h>

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <optional>
#include <span>

#include "backstop/engine/balance_ops.h"
#include "backstop/resolution/pacing.h"
#include "backstop/resolution/resolver.h"

namespace backstop {
namespace {

// The account's holding of quote asset q: its balance plus the quote of its positions in q.
int128 quote_holding(const State& s, const MarginAccount& a, AssetId q) {
  int128 h = 0;
  if (const TokenBalance* b = a.balance(q)) h += signed_amount(*b, s.assets[q]).raw();
  for (const PerpPosition& p : a.positions) {
    if (s.perp_params[p.market].quote == q) h += p.quote.raw();
  }
  return h;
}

const char* adl_ranking_name(AdlRanking r) {
  switch (r) {
    case AdlRanking::PnlLeverage:
      return "pnl_leverage";
    case AdlRanking::Hyperliquid:
      return "hyperliquid";
    case AdlRanking::ProRata:
      return "pro_rata";
    case AdlRanking::RiskAwareProRata:
      return "risk_aware_pro_rata";
  }
  return "?";
}

// The fill of up to `x` base quanta (closing a position of sign `size`) against the model, limited
// to the largest size whose average price stays within `limit` of the mark.
Fill limited_fill(const LiquidityModel& m, Quantity size, Quantity x, Price mark, Ratio limit) {
  if (size.is_positive()) {
    const Price floor = Price::from_raw(
        narrow64(mul_div(mark.raw(), kRatioOne - limit.raw(), kRatioOne, Rounding::Up), "limit"));
    return m.sell(std::min(x, m.max_sell_at_average(floor)));
  }
  const Price cap = Price::from_raw(
      narrow64(mul_div(mark.raw(), kRatioOne + limit.raw(), kRatioOne, Rounding::Down), "limit"));
  // Largest size whose average buy price is <= cap (the average only rises with size).
  int64_t lo = 0;
  int64_t hi = x.raw();
  auto ok = [&](int64_t q) {
    const Fill f = m.buy(Quantity::from_raw(q));
    return f.base.raw() == q && f.avg_price <= cap;
  };
  if (ok(hi)) return m.buy(x);
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (ok(mid) ? lo : hi) = mid;
  }
  return m.buy(Quantity::from_raw(lo));
}

}  // namespace

Quantity Resolver::fill_position(JournalEntry& e, AccountId id, MarketId m, Quantity delta,
                                 Price price, Book counterparty) {
  State& s = engine_.resolution_books();  // balances and positions only
  MarginAccount& a = s.accounts.at(id);
  const AssetId q = s.perp_params[m].quote;
  const Book acct = Book::account(id);
  const Book pool{BookKind::OpenInterest, m};
  ResolutionStep& step = open_step();
  step.save_account(id);
  step.save_market(m);
  step.save_asset(q);  // going flat realises the quote into the balance
  const Quantity funding = settle_funding(s, a, m);
  if (funding.is_positive()) e.legs.push_back(Leg{acct, pool, q, funding});
  if (funding.is_negative()) e.legs.push_back(Leg{pool, acct, q, -funding});
  const int128 before = quote_holding(s, a, q);
  const Quantity cost = apply_fill(s, a, m, delta, price);
  const int128 after = quote_holding(s, a, q);
  if (cost.is_positive()) e.legs.push_back(Leg{acct, counterparty, q, cost});
  if (cost.is_negative()) e.legs.push_back(Leg{counterparty, acct, q, -cost});
  // Going flat realises the quote into the scaled balance, which may round by a quantum.
  dust_legs(e, id, q, Quantity::from_raw(narrow64(after - before, "quote holding")), -cost);
  touched_.push_back(id);
  fault_point(FaultPoint::Change);
  return cost;
}

Value Resolver::perp_shortage(AccountId id) const {
  const AccountRisk r = engine_.risk(id);
  const Value s = apply_ratio(r.perp_notional, cfg_.buffer, Rounding::Up) - r.excess_maint;
  return s.is_positive() ? s : Value{};
}

bool Resolver::exit_holds(AccountId id) const {
  const AccountRisk r = engine_.risk(id);
  return r.excess_maint >= apply_ratio(r.perp_notional, cfg_.buffer, Rounding::Up);
}

// Smallest close (base quanta) of the position in m after which the account meets maintenance
// plus the buffer, priced through the market's liquidity and net of the fee; the whole position
// when even that does not. Bisection on exact valuations of a copy of the account.
Quantity Resolver::close_size(AccountId id, MarketId m) const {
  const State& s = engine_.state();
  const MarginCache& c = engine_.cache();
  const MarginAccount& a = s.accounts.at(id);
  const PerpParams& pp = s.perp_params[m];
  const int qd = s.asset_params[pp.quote].decimals;
  const Quantity size = a.position(m)->size;
  const auto model = cfg_.market_liquidity.find(m);
  auto exits = [&](Quantity x) {
    Price px = s.perps[m].mark;
    if (model != cfg_.market_liquidity.end()) {
      const Fill f = limited_fill(model->second, size, x, px, cfg_.max_fill_slippage);
      x = f.base;
      px = f.avg_price;
    }
    MarginAccount trial = a;
    PerpPosition& p = trial.position_mut(m);
    const Quantity delta = size.is_positive() ? -x : x;
    const Quantity cost = to_quote(delta.raw(), px.raw(), pp.base_decimals, qd, Rounding::Up);
    p.quote -= cost;
    p.quote -= apply_ratio(cost.abs(), cfg_.perp_fee, Rounding::Up);
    p.size += delta;
    const AccountRisk r = compute_risk(c, trial);
    return r.excess_maint >= apply_ratio(r.perp_notional, cfg_.buffer, Rounding::Up);
  };
  int64_t lo = 0;  // does not exit (the account is below maintenance)
  int64_t hi = size.abs().raw();
  if (!exits(Quantity::from_raw(hi))) return size.abs();
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (exits(Quantity::from_raw(mid))) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return Quantity::from_raw(hi);
}

bool Resolver::liquidate_perps(AccountId id, Timestamp t) {
  bool did = false;
  std::optional<MarketId> last_market;
  // Largest notional first (ties: lower market id).
  boost::container::small_vector<std::pair<Value, MarketId>, 8> order;
  {
    const State& s = engine_.state();
    for (const PerpPosition& p : s.accounts.at(id).positions) {
      const PerpParams& pp = s.perp_params[p.market];
      const Quantity n =
          to_quote(p.size.abs().raw(), s.perps[p.market].mark.raw(), pp.base_decimals,
                   s.asset_params[pp.quote].decimals, Rounding::Up);
      order.emplace_back(usd(pp.quote, n, Rounding::Up), p.market);
    }
  }
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  // Drift pacing (config.h PerpPacing): the share of the base to cover this call may close.
  const bool pacing = cfg_.perp == PerpLiquidation::PartialToBuffer && cfg_.perp_pacing;
  std::optional<Ratio> pace;  // set when pacing limits this call
  Value shortage{};
  if (pacing) {
    const auto it = pacing_.find(id);
    if (it != pacing_.end() && it->second.paced_at == t) return false;  // once per event time
    shortage = perp_shortage(id);
    const Ratio share =
        drift_max_pct_to_liquidate(shortage, it != pacing_.end() ? it->second.freed : Value{},
                                   t - unsafe_since_.at(id), *cfg_.perp_pacing);
    if (share < ratio_one()) pace = share;
  }
  // One atomic step (resolver.h) for the account's closes, opened at the first: budget, fills,
  // fees, funds, journal, models, totals, records. A forced deleveraging nests in it.
  std::optional<ResolutionStep> step;
  auto commit = [&step] {
    if (step) {
      step->finish();
      step.reset();
    }
  };
  for (const auto& [notional, m] : order) {
    const State& s = engine_.state();
    const PerpPosition* pos = s.accounts.at(id).position(m);
    if (pos == nullptr || pos->size.is_zero()) continue;
    last_market = m;
    const Quantity size = pos->size;
    const PerpParams& pp = s.perp_params[m];
    const AssetId q = pp.quote;
    Quantity x = cfg_.perp == PerpLiquidation::Full ? size.abs() : close_size(id, m);
    const bool paced = pace && notional > cfg_.perp_pacing->small_position;
    if (paced) x = apply_ratio(x, *pace, Rounding::Down);
    bool chunk = false;
    if (cfg_.perp_chunks) {
      const auto lc = last_chunk_.find({id, m});
      const std::optional<int64_t> since =
          lc != last_chunk_.end() ? std::optional<int64_t>(t - lc->second) : std::nullopt;
      if (hyperliquid_is_chunk(size, notional, since, *cfg_.perp_chunks)) {
        const Quantity c = hyperliquid_chunk_size(size, notional, since, *cfg_.perp_chunks);
        chunk = c < x;
        x = std::min(x, c);
      }
    }
    if (x.is_zero()) {
      if (paced) break;  // nothing may be freed yet
      continue;
    }
    Quantity filled = x;
    Price px = s.perps[m].mark;
    std::optional<Fill> fill;
    const auto model = cfg_.market_liquidity.find(m);
    if (model != cfg_.market_liquidity.end()) {
      fill = limited_fill(model->second, size, x, s.perps[m].mark, cfg_.max_fill_slippage);
      filled = fill->base;
      px = fill->avg_price;
    }
    if (filled.is_positive()) {
      const Value closed_value = usd(q,
                                     to_quote(filled.raw(), px.raw(), pp.base_decimals,
                                              s.asset_params[q].decimals, Rounding::Up),
                                     Rounding::Up);
      if (!step) step.emplace(*this, std::span<const AccountId>(&id, 1));
      if (!budget_.try_record(closed_value)) {  // per-tick cap: the rest waits for the next tick
        commit();
        return did;
      }
      JournalEntry e{0, t, EntryKind::Liquidation, id, {}};
      const Quantity delta = size.is_positive() ? -filled : filled;
      const Quantity cost = fill_position(e, id, m, delta, px, Book::external(m));
      // Fee on the closed notional, never more than the account's remaining equity.
      Quantity fee = apply_ratio(cost.abs(), cfg_.perp_fee, Rounding::Up);
      const Value after = account_equity(engine_.cache(), engine_.state().accounts[id]);
      const AssetState& qs = engine_.state().assets[q];
      const Quantity equity_q = after.is_positive() && qs.price.is_positive()
                                    ? quantity_of(after, engine_.state().asset_params[q].decimals,
                                                  qs.price, Rounding::Down)
                                    : Quantity{};
      fee = std::min(fee, equity_q);
      const auto split = liquidation::split_penalty(fee, ratio_one() - cfg_.perp_fee_to_insurance,
                                                    cfg_.perp_fee_to_insurance);
      if (!split) throw std::invalid_argument("perp_fee_to_insurance must be within [0, 1]");
      if (fee.is_positive()) {
        const Quantity got = adjust(id, q, -fee);
        const Book acct = Book::account(id);
        if (split->liquidator.is_positive()) {
          e.legs.push_back(Leg{acct, Book::liquidator(0), q, split->liquidator});
        }
        if (split->insurance_fund.is_positive()) {
          e.legs.push_back(Leg{acct, Book::insurance_fund(0), q, split->insurance_fund});
          cfg_.insurance[q] = credit_fee(cfg_.insurance[q], split->insurance_fund);
        }
        if (split->protocol.is_positive()) {
          e.legs.push_back(Leg{acct, Book::treasury(0), q, split->protocol});
          treasury_[q] += split->protocol;
        }
        dust_legs(e, id, q, got, -fee);
      }
      post(std::move(e));
      if (fill) {
        step->save_market_model(m);
        model->second.apply(*fill);
      }
      ++totals_.liquidations;
      totals_.liquidated_value += closed_value;
      const auto& ap = engine_.state().asset_params[q];
      const PerpPosition* rest = engine_.state().accounts[id].position(m);
      const Quantity left = rest != nullptr ? rest->size : Quantity{};
      // Without fields the values below are not even computed: this runs once per closed
      // position, which makes it the simulator's most frequent record.
      if (!cfg_.record_fields) {
        record(t, "liquidation", id, std::vector<RecordField>{});
      } else {
        record(t, "liquidation", id,
               {{"policy", cfg_.perp == PerpLiquidation::Full ? "full" : "partial_to_buffer"},
                {"market", pp.symbol},
                {"side", size.is_positive() ? "sell" : "buy"},
                {"size", exact(filled, pp.base_decimals)},
                {"price", exact(px)},
                {"mark", exact(engine_.state().perps[m].mark)},
                {"proceeds", exact(-cost, ap.decimals)},
                {"fee", exact(fee, ap.decimals)},
                {"fee_liquidator", exact(split->liquidator, ap.decimals)},
                {"fee_insurance", exact(split->insurance_fund, ap.decimals)},
                {"remaining_size", exact(left, pp.base_decimals)}});
      }
      if (chunk) {
        step->save_chunk(id, m);
        last_chunk_[{id, m}] = t;
      }
      if (pacing) {
        step->save_pacing(id);
        Pacing& pc = pacing_[id];
        const Value now_short = perp_shortage(id);
        if (now_short < shortage) pc.freed += shortage - now_short;
        if (paced) pc.paced_at = t;
        shortage = now_short;
      }
      did = true;
    }
    const Quantity unfilled = x - filled;
    if (unfilled.is_positive()) {
      deleverage(id, m, size.is_positive() ? unfilled : -unfilled, t);
      did = true;
    }
    if (paced) break;  // a paced call closes on the largest position only
    if (cfg_.perp == PerpLiquidation::PartialToBuffer && exit_holds(id)) break;
  }
  commit();
  // Bankrupt: no positions, no collateral, debt left.
  if (engine_.state().accounts.at(id).positions.empty()) {
    const CollateralAndDebt r = collateral_and_debt(engine_.cache(), engine_.state().accounts[id]);
    if (r.collateral.is_zero() && r.debt.is_positive()) {
      write_off(id, t, last_market);
      did = true;
    }
  }
  return did;
}

void Resolver::deleverage(AccountId id, MarketId m, Quantity remaining, Timestamp t) {
  const State& s = engine_.state();
  const MarginCache& c = engine_.cache();
  const PerpParams& pp = s.perp_params[m];
  const AssetId q = pp.quote;
  const int qd = s.asset_params[q].decimals;
  const Price mark = s.perps[m].mark;
  // Bankruptcy price: closing `remaining` there leaves the account's equity at zero; rounded in
  // the account's favour (a seller's up, a buyer's down) so ADL never creates bad debt.
  // dYdX (perp-venues.md a.1, GetBankruptcyPriceInQuoteQuantums): the account's equity is
  // spread over its positions pro rata to their maintenance margin, so closing `remaining` at
  // the bankruptcy price uses only equity * dMM / MM, not equity that backs other positions.
  const AccountRisk risk = compute_risk(c, s.accounts.at(id));
  const AssetState& qs = s.assets[q];
  if (!qs.price.is_positive()) return;
  auto perp_mm = [](const AccountRisk& r) {
    return r.maint_requirement - (r.unrealized_pnl.is_negative() ? -r.unrealized_pnl : Value{});
  };
  MarginAccount trial = s.accounts.at(id);
  {
    PerpPosition& tp = trial.position_mut(m);
    tp.quote -= to_quote(-remaining.raw(), mark.raw(), pp.base_decimals, qd, Rounding::Up);
    tp.size -= remaining;
  }
  const Value mm_all = perp_mm(risk);
  const Value mm_part = mm_all - perp_mm(compute_risk(c, trial));
  Value share = risk.equity;
  if (mm_all.is_positive() && mm_part.is_positive() && mm_part < mm_all) {
    share = Value::from_raw(narrow64(
        mul_div(risk.equity.raw(), mm_part.raw(), mm_all.raw(), Rounding::Down), "equity share"));
  }
  const Quantity eq = quantity_of(share, qd, qs.price, Rounding::Down);
  const int128 per_unit =
      div_round(checked_mul(static_cast<int128>(eq.raw()),
                            pow10_128(pp.base_decimals + kPriceDecimals - qd), "bankruptcy price"),
                remaining.abs().raw(), Rounding::Down);
  int128 pb = remaining.is_positive() ? static_cast<int128>(mark.raw()) - per_unit
                                      : static_cast<int128>(mark.raw()) + per_unit;
  pb = std::max<int128>(pb, 1);
  const Price bankruptcy = Price::from_raw(narrow64(pb, "bankruptcy price"));
  std::vector<AdlCandidate> cands;
  for (AccountId other : holders(m)) {  // accounts with a position in m (built once per event)
    if (other == id) continue;
    const PerpPosition* p = s.accounts[other].position(m);
    if (p == nullptr || p->size.is_zero() || p->size.is_positive() == remaining.is_positive()) {
      continue;
    }
    AdlCandidate cand;
    cand.account = other;
    cand.size = p->size.abs();
    cand.mark_value =
        usd(q, to_quote(p->size.raw(), mark.raw(), pp.base_decimals, qd, Rounding::Down),
            Rounding::Down);
    cand.entry_value = usd(q, -p->quote, Rounding::Down);
    const int sign = p->size.is_positive() ? 1 : -1;
    if (cand.mark_value.is_zero()) cand.mark_value = Value::from_raw(sign);
    if (cand.entry_value.is_zero() || cand.entry_value.is_positive() != (sign > 0)) {
      cand.entry_value = Value::from_raw(sign);  // no usable cost basis: treat as entered at 0
    }
    cand.equity = compute_risk(c, s.accounts[other]).equity;
    cand.bankrupt_value = cand.mark_value - cand.equity;
    cands.push_back(cand);
  }
  const AdlResult res =
      allocate_adl(cfg_.adl, remaining.is_positive() ? PositionSide::Short : PositionSide::Long,
                   remaining.abs(), bankruptcy, cands);
  if (!res.fills.empty()) {
    ResolutionStep step(*this, {id});
    for (const AdlFill& f : res.fills) step.add_account(f.account);
    JournalEntry e{0, t, EntryKind::AdlFill, id, {}};
    const Book pool{BookKind::OpenInterest, m};
    for (const AdlFill& f : res.fills) {
      const Quantity delta = remaining.is_positive() ? -f.size : f.size;
      fill_position(e, id, m, delta, bankruptcy, pool);
      fill_position(e, f.account, m, -delta, bankruptcy, pool);
      ++totals_.adl_fills;
      totals_.adl_notional +=
          usd(q, to_quote(f.size.raw(), bankruptcy.raw(), pp.base_decimals, qd, Rounding::Up),
              Rounding::Up);
      record(t, "adl_fill", f.account,
             {{"market", pp.symbol},
              {"against", engine_.state().account_name(id)},
              {"size", exact(f.size, pp.base_decimals)},
              {"price", exact(bankruptcy)},
              {"ranking", adl_ranking_name(cfg_.adl)}});
    }
    post(std::move(e));
    step.finish();
  }
  if (res.unfilled.is_positive()) {
    record(t, "adl_unfilled", id,
           {{"market", pp.symbol}, {"size", format(res.unfilled, pp.base_decimals)}});
  }
}

}  // namespace backstop
