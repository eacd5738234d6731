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

}  // namespace backstop
