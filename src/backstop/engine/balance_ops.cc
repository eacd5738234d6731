#include "backstop/engine/balance_ops.h"

namespace backstop {
namespace {

void remove_from_totals(const TokenBalance& b, AssetState& s) {
  if (b.scaled > 0) s.total_supply_scaled = checked_sub(s.total_supply_scaled, b.scaled, "supply");
  if (b.scaled < 0) s.total_borrow_scaled = checked_add(s.total_borrow_scaled, b.scaled, "borrow");
}

void add_to_totals(const TokenBalance& b, AssetState& s) {
  if (b.scaled > 0) s.total_supply_scaled = checked_add(s.total_supply_scaled, b.scaled, "supply");
  if (b.scaled < 0) s.total_borrow_scaled = checked_sub(s.total_borrow_scaled, b.scaled, "borrow");
}

}  // namespace

Quantity signed_amount(const TokenBalance& b, const AssetState& s) {
  return signed_amount(b.scaled, s.supply_index, s.borrow_index);
}

void adjust_balance(TokenBalance& b, AssetState& s, Quantity delta) {
  const Quantity now = signed_amount(b, s);
  const Quantity next = now + delta;
  remove_from_totals(b, s);
  b.scaled = signed_scaled(next, s.supply_index, s.borrow_index);
  add_to_totals(b, s);
}

Quantity settle_funding(State& s, MarginAccount& a, MarketId m) {
  const PerpParams& p = s.perp_params[m];
  const PerpState& st = s.perps[m];
  PerpPosition& pos = a.position_mut(m);
  const int64_t dfund = checked_sub(st.funding_index.raw(), pos.funding_snapshot.raw(), "funding");
  const Quantity paid = to_quote(static_cast<int128>(pos.size.raw()), dfund, p.base_decimals,
                                 s.asset_params[p.quote].decimals, Rounding::Up);
  pos.quote -= paid;
  pos.funding_snapshot = st.funding_index;
  return paid;
}

Quantity apply_fill(State& s, MarginAccount& a, MarketId m, Quantity delta, Price price) {
  const PerpParams& p = s.perp_params[m];
  PerpState& st = s.perps[m];
  PerpPosition& pos = a.position_mut(m);
  const Quantity old_size = pos.size;
  const Quantity new_size = old_size + delta;
  const Quantity cost = to_quote(static_cast<int128>(delta.raw()), price.raw(), p.base_decimals,
                                 s.asset_params[p.quote].decimals, Rounding::Up);
  pos.quote -= cost;
  pos.size = new_size;
  const auto long_part = [](Quantity x) { return x.is_positive() ? x : Quantity{}; };
  const auto short_part = [](Quantity x) { return x.is_negative() ? -x : Quantity{}; };
  st.long_oi += long_part(new_size) - long_part(old_size);
  st.short_oi += short_part(new_size) - short_part(old_size);
  if (new_size.is_zero()) {
    adjust_balance(a.balance_mut(p.quote), s.assets[p.quote], pos.quote);
    pos.quote = Quantity{};
  }
  a.compact();
  return cost;
}

}  // namespace backstop
