// Perp mutations: mark/oracle updates, trades (open, modify, close, flip) and funding.
#include <fmt/format.h>

#include "backstop/engine/balance_ops.h"
#include "backstop/engine/mutations.h"
#include "backstop/margin/cache.h"
#include "backstop/margin/risk.h"

namespace backstop {

Outcome Mutation::apply(const SetMarkPrice& e, Timestamp t) {
  PerpState& st = s_.perps.at(e.market);
  const PerpParams& p = s_.perp_params[e.market];
  if (Outcome o = check_price(e.mark, st.mark, p.max_price_move, p.symbol + " mark"); !o.ok()) {
    return o;
  }
  const Price oracle = e.oracle.value_or(e.mark);
  if (Outcome o = check_price(oracle, st.oracle, p.max_price_move, p.symbol + " oracle"); !o.ok()) {
    return o;
  }
  st.mark = e.mark;
  st.oracle = oracle;
  st.price_time = t;
  return {};
}

Outcome Mutation::apply(const Funding& e, Timestamp /*t*/) {
  PerpState& st = s_.perps.at(e.market);
  const PerpParams& p = s_.perp_params[e.market];
  if (e.index_delta.has_value() == e.rate.has_value()) {
    return {Reject::InvalidParam, "funding needs exactly one of rate and index_delta"};
  }
  Price delta{};
  if (e.index_delta) {
    delta = *e.index_delta;
  } else {
    if (st.mark.raw() <= 0) return {Reject::StalePrice, fmt::format("{} has no mark", p.symbol)};
    // index moves by rate * mark quote units per base unit; rounded toward -inf (the per-position
    // settlement rounds each payment against the account, so neither side gains from this).
    delta = Price::from_raw(mul_div64(e.rate->raw(), st.mark.raw(), kRatioOne, Rounding::Down));
  }
  st.funding_index += delta;
  return {};
}

Outcome Mutation::trade_leg(AccountId id, MarketId m, Quantity delta, Price price) {
  MarginAccount& a = touch(id);
  if (a.mode == MarginMode::Isolated && *a.isolated_market != m) {
    return {Reject::WrongMarket,
            fmt::format("isolated sub-account {} trades only {}", s_.account_name(id),
                        s_.perp_params[*a.isolated_market].symbol)};
  }
  settle_funding(s_, a, m);
  // Maintenance excess before the fill (after funding), for the reduce-only rule below.
  const Value excess_before = maint_excess(build_margin_cache(s_), a);
  const Quantity old_size = a.position_mut(m).size;
  const Quantity new_size = old_size + delta;
  apply_fill(s_, a, m, delta, price);
  const bool increases = new_size.abs() > old_size.abs() ||
                         (old_size.is_positive() && new_size.is_negative()) ||
                         (old_size.is_negative() && new_size.is_positive());
  if (increases) return check_initial(id);
  // A reducing fill never needs new margin, but it must not be a way to move value out of the
  // account: at a price worse than the mark it realises a loss. It is accepted when the account
  // still meets its initial requirement afterwards, or when its maintenance excess did not fall
  // (dYdX's rule for undercollateralised accounts).
  const MarginCache after = build_margin_cache(s_);
  const AccountRisk r = compute_risk(after, a);
  if (r.initial_ok || r.excess_maint >= excess_before) return {};
  return {Reject::InitialMargin,
          fmt::format("account {}: reducing at {} would lower its maintenance excess from {} to {} "
                      "while below its initial requirement",
                      s_.account_name(id), format(price), format(excess_before),
                      format(r.excess_maint))};
}

Outcome Mutation::apply(const Trade& e, Timestamp /*t*/) {
  if (e.size_delta.is_zero()) return {Reject::InvalidAmount, "trade size must be non-zero"};
  if (e.price.raw() <= 0) {
    return {Reject::InvalidPrice, fmt::format("trade price {} is not positive", format(e.price))};
  }
  if (e.counterparty && *e.counterparty == e.account) {
    return {Reject::InvalidParam, "an account cannot trade with itself"};
  }
  const PerpParams& p = s_.perp_params.at(e.market);
  const PerpState before = s_.perps[e.market];
  if (Outcome o = trade_leg(e.account, e.market, e.size_delta, e.price); !o.ok()) return o;
  if (e.counterparty) {
    if (Outcome o = trade_leg(*e.counterparty, e.market, -e.size_delta, e.price); !o.ok()) return o;
  }
  // The open-interest cap applies to the trade as a whole: a transfer between two accounts that
  // leaves a side's open interest unchanged is allowed even at the cap.
  const PerpState& now = s_.perps[e.market];
  if (p.oi_cap && ((now.long_oi > before.long_oi && now.long_oi > *p.oi_cap) ||
                   (now.short_oi > before.short_oi && now.short_oi > *p.oi_cap))) {
    return {Reject::OpenInterestCap,
            fmt::format("{} open-interest cap of {} per side: long {} short {}", p.symbol,
                        format(*p.oi_cap, p.base_decimals), format(now.long_oi, p.base_decimals),
                        format(now.short_oi, p.base_decimals))};
  }
  return {};
}

}  // namespace backstop
