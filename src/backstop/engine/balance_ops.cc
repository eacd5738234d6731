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
  if (b.scaled >= 0) return supplied_amount(b.scaled, s.supply_index);
  return -borrowed_amount(b.scaled, s.borrow_index);
}

void adjust_balance(TokenBalance& b, AssetState& s, Quantity delta) {
  const Quantity now = signed_amount(b, s);
  const Quantity next = now + delta;
  remove_from_totals(b, s);
  if (next.raw() >= 0) {
    b.scaled = mul_div64(next.raw(), kIndexOne, s.supply_index.raw(), Rounding::Down);
  } else {
    b.scaled = -mul_div64(-next.raw(), kIndexOne, s.borrow_index.raw(), Rounding::Up);
  }
  add_to_totals(b, s);
}

}  // namespace backstop
