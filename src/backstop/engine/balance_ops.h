// File: engine/balance_ops.h
// Signed scaled balance arithmetic shared by every mutation (deposit, withdraw, borrow, repay, PnL
// and funding settlement). Keeps the asset's total_supply_scaled / total_borrow_scaled in step.
// Not thread-safe: mutates the account and asset passed in.
#pragma once

#include "backstop/model/account.h"
#include "backstop/model/asset.h"

namespace backstop {

// Current signed amount: supplied (rounded down) or -borrowed (rounded up).
[[nodiscard]] Quantity signed_amount(const TokenBalance& b, const AssetState& s);

// Adds `delta` (signed native quanta) to the balance and re-scales it: a positive result is stored
// as floor(amount / supply_index), a negative one as -ceil(|amount| / borrow_index).
void adjust_balance(TokenBalance& b, AssetState& s, Quantity delta);

}  // namespace backstop
