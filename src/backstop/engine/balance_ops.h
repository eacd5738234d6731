// File: engine/balance_ops.h
// Signed scaled balance arithmetic shared by every mutation (deposit, withdraw, borrow, repay, PnL
// and funding settlement), and the perp fill arithmetic shared by trades and liquidations. Keeps
// the asset's total_supply_scaled / total_borrow_scaled and the market's open interest in step.
// Not thread-safe: mutates the account, asset and market passed in.
#pragma once

#include "backstop/model/state.h"

namespace backstop {

// Current signed amount: supplied (rounded down) or -borrowed (rounded up).
[[nodiscard]] Quantity signed_amount(const TokenBalance& b, const AssetState& s);

// Adds `delta` (signed native quanta) to the balance and re-scales it: a positive result is stored
// as floor(amount / supply_index), a negative one as -ceil(|amount| / borrow_index).
void adjust_balance(TokenBalance& b, AssetState& s, Quantity delta);

// Settles the funding accrued on the account's position in market m since its snapshot: a long
// pays (index_now - snapshot) * size, rounded up (the account pays more / receives less). Returns
// the quote quanta taken from the position's quote (negative: received).
Quantity settle_funding(State& s, MarginAccount& a, MarketId m);

// Applies a fill of `delta` base quanta at `price` to the account's position in market m (funding
// must be settled first): the position's quote pays ceil(delta * price) (a buyer pays up, a seller
// receives down), open interest follows, and a position that ends flat realises its quote into
// the quote-asset balance (a loss beyond it becomes a borrow). Returns the signed quote quanta the
// fill cost the position (> 0: paid).
Quantity apply_fill(State& s, MarginAccount& a, MarketId m, Quantity delta, Price price);

}  // namespace backstop
