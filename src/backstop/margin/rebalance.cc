#include "backstop/margin/rebalance.h"

#include <functional>

#include "backstop/margin/risk.h"

namespace backstop {
namespace {

// Smallest x in [0, hi] with ok(x), given ok is monotone (false...false true...true); nullopt if
// ok(hi) is false.
std::optional<int64_t> least(int64_t hi, const std::function<bool(int64_t)>& ok) {
  if (!ok(hi)) return std::nullopt;
  int64_t lo = -1;  // ok(lo) is false by convention
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (ok(mid)) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

// A copy of `a` with `delta` native quanta added to its balance of `asset` (scaled at the cache's
// indexes, rounded as the engine rounds: deposits down, borrows up).
MarginAccount with_balance(const MarginCache& c, const MarginAccount& a, AssetId asset,
                           Quantity delta) {
  MarginAccount b = a;
  TokenBalance& tb = b.balance_mut(asset);
  const AssetCache& ac = c.assets[asset];
  const Quantity now = signed_amount(tb.scaled, ac.supply_index, ac.borrow_index);
  tb.scaled = signed_scaled(now + delta, ac.supply_index, ac.borrow_index);
  return b;
}

}  // namespace

bool meets_health(const MarginCache& c, const MarginAccount& a, Ratio target) {
  const AccountRisk r = compute_risk(c, a);
  // WCm >= target * MR, cross-multiplied (target has 9 decimals).
  return static_cast<int128>(r.weighted_collateral_maint.raw()) * kRatioOne >=
         static_cast<int128>(target.raw()) * r.maint_requirement.raw();
}

std::optional<Quantity> minimal_repay(const MarginCache& c, const MarginAccount& a,
                                      AssetId debt_asset, Ratio target) {
  const TokenBalance* b = a.balance(debt_asset);
  if (b == nullptr || b->scaled >= 0) return std::nullopt;
  const int64_t owed = borrowed_amount(b->scaled, c.assets[debt_asset].borrow_index).raw();
  const auto x = least(owed, [&](int64_t v) {
    return meets_health(c, with_balance(c, a, debt_asset, Quantity::from_raw(v)), target);
  });
  if (!x) return std::nullopt;
  return Quantity::from_raw(*x);
}

std::optional<Quantity> minimal_top_up(const MarginCache& c, const MarginAccount& a,
                                       AssetId collateral_asset, Ratio target) {
  if (!c.assets[collateral_asset].weight_maint.is_positive()) return std::nullopt;
  auto ok = [&](int64_t v) {
    try {
      return meets_health(c, with_balance(c, a, collateral_asset, Quantity::from_raw(v)), target);
    } catch (const OverflowError&) {
      return false;
    }
  };
  // Find an upper bound by doubling (bounded: 62 steps), then bisect.
  int64_t hi = 1;
  while (!ok(hi)) {
    if (hi > INT64_MAX / 2) return std::nullopt;
    hi *= 2;
  }
  const auto x = least(hi, ok);
  if (!x) return std::nullopt;
  return Quantity::from_raw(*x);
}

std::optional<Quantity> minimal_reduction(const MarginCache& c, const MarginAccount& a,
                                          MarketId market, Ratio target) {
  const PerpPosition* p = a.position(market);
  if (p == nullptr || p->size.is_zero()) return std::nullopt;
  const MarketCache& m = c.markets[market];
  const int64_t size = p->size.raw();
  const int64_t mag = size < 0 ? -size : size;
  // Closing v quanta at the mark: size moves toward 0 by v and the quote receives the fill value,
  // rounded against the account as a trade is (value numerator mark * scale over 10^K).
  auto reduced = [&](int64_t v) {
    MarginAccount b = a;
    PerpPosition& q = b.position_mut(market);
    const int64_t delta = size > 0 ? -v : v;  // the closing trade's signed size
    q.size = Quantity::from_raw(size + delta);
    const int128 cost_num = static_cast<int128>(delta) * m.mark_num;  // quote quanta * 10^K
    q.quote = q.quote - Quantity::from_raw(narrow64(div_round(cost_num, c.pow_k, Rounding::Up)));
    return b;
  };
  const auto x = least(mag, [&](int64_t v) { return meets_health(c, reduced(v), target); });
  if (!x) return std::nullopt;
  return Quantity::from_raw(*x);
}

}  // namespace backstop
