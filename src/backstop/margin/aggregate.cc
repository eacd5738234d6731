#include "backstop/margin/aggregate.h"

#include <algorithm>

#include "backstop/margin/risk.h"

namespace backstop {
namespace {

std::optional<Ratio> use_of(int128 used, const std::optional<int128>& cap) {
  if (!cap || *cap <= 0) return std::nullopt;
  return ratio_of(used, *cap, Rounding::Up);
}

template <class T>
std::optional<int128> raw_of(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return v->raw();
}

}  // namespace

VenueAggregate aggregate(const State& s, const MarginCache& c) {
  VenueAggregate v;
  for (std::size_t i = 0; i < s.assets.size(); ++i) {
    const AssetParams& p = s.asset_params[i];
    const AssetState& st = s.assets[i];
    AssetAggregate a;
    a.asset = static_cast<AssetId>(i);
    a.total_supply = total_supply(st);
    a.total_borrow = total_borrow(st);
    a.supply_value = value_of(a.total_supply, p.decimals, st.price, Rounding::Down);
    a.borrow_value = value_of(a.total_borrow, p.decimals, st.price, Rounding::Up);
    a.utilization = utilization(st);
    a.borrow_rate = borrow_rate(p.rates, a.utilization);
    a.supply_rate = supply_rate(p.rates, a.utilization, p.reserve_factor);
    a.supply_cap_utilization = use_of(a.total_supply.raw(), raw_of(p.supply_cap));
    a.borrow_cap_utilization = use_of(a.total_borrow.raw(), raw_of(p.borrow_cap));
    a.debt_ceiling_utilization = use_of(a.borrow_value.raw(), raw_of(p.debt_ceiling));
    a.isolation_debt = st.isolation_debt;
    a.isolation_ceiling_utilization = use_of(st.isolation_debt.raw(), raw_of(p.isolation_ceiling));
    v.total_borrow_value += a.borrow_value;
    v.assets.push_back(a);
  }
  v.global_debt_ceiling_utilization =
      use_of(v.total_borrow_value.raw(), raw_of(s.params.global_debt_ceiling));
  for (std::size_t i = 0; i < s.perps.size(); ++i) {
    const PerpParams& p = s.perp_params[i];
    const PerpState& st = s.perps[i];
    MarketAggregate m;
    m.market = static_cast<MarketId>(i);
    m.long_oi = st.long_oi;
    m.short_oi = st.short_oi;
    const Quantity side = std::max(st.long_oi, st.short_oi);
    const AssetParams& q = s.asset_params[p.quote];
    // notional in quote quanta, then USD; both rounded up (exposure).
    const Quantity quote =
        to_quote(side.raw(), st.mark.raw(), p.base_decimals, q.decimals, Rounding::Up);
    m.oi_notional = value_of(quote, q.decimals, s.assets[p.quote].price, Rounding::Up);
    m.oi_cap_utilization = use_of(side.raw(), raw_of(p.oi_cap));
    v.markets.push_back(m);
  }
  for (const MarginAccount& a : s.accounts) {
    const AccountRisk r = compute_risk(c, a);
    v.total_collateral += r.collateral_value;
    v.total_debt += r.total_debt;
    ++v.accounts;
    if (r.liquidatable) ++v.liquidatable_accounts;
    if (!r.prices_usable) ++v.stale_accounts;
  }
  return v;
}

}  // namespace backstop
