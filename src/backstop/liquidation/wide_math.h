// File: liquidation/wide_math.h
// Small exact helpers shared by the liquidation policies: 256-bit division with a named rounding,
// step rounding for base sizes. Pure, header-only declarations; thread-safe (no state).
#pragma once

#include "backstop/money/fixed.h"
#include "backstop/money/wide.h"

namespace backstop::liquidation {

// round(a / b) for any signs (b != 0), Down = toward -inf, Up = toward +inf, TowardZero; HalfEven
// is treated as TowardZero (never used here). Throws OverflowError on b == 0.
[[nodiscard]] Int256 div_round256(const Int256& a, const Int256& b, Rounding r);

// The multiple of `step` (> 0) nearest to q >= 0 in direction r (Down or Up).
// 0 <= d <= kMaxAssetDecimals.
[[nodiscard]] bool valid_decimals(int d);
// An amount of one asset converted into another at the oracle prices:
// round(amount * price_from * 10^dec_to / (price_to * 10^dec_from)) (Aave's base-collateral form).
[[nodiscard]] int64_t convert(int64_t amount, int dec_from, Price price_from, int dec_to,
                              Price price_to, Rounding r);
[[nodiscard]] int64_t round_to_step(int64_t q, int64_t step, Rounding r);

}  // namespace backstop::liquidation
