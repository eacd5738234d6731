// File: liquidity/fill.h
// Common types of the liquidity models (where liquidations execute): the traded pair, the result
// of a trade (Fill) and the one floating-point boundary (impact decay).
//
// Units: the base asset is sold or bought in its native quanta (Quantity, `base_decimals`); the
// quote asset is received or paid in its native quanta (Quantity, `quote_decimals`); prices are
// Price (quote whole units per ONE whole base unit, 1e-9). The notional of b base quanta at price
// p, in quote quanta, is exactly  b * p * A / B  with
//     A = 10^max(0, qd - bd - 9),  B = 10^max(0, bd + 9 - qd)   (bd, qd: base / quote decimals).
//
// Rounding (docs/liquidity.md): a sell receives its quote rounded Down, a buy pays its quote
// rounded Up; average and marginal prices are rounded Down on the sell side and Up on the buy side
// (always in the venue's favour, never the liquidated account's).
// Pure value types and functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "backstop/money/fixed.h"

namespace backstop {

enum class Side : uint8_t {
  Sell,  // sell base for quote (liquidating collateral, closing a long)
  Buy,   // buy base with quote (covering a short / buying back a borrowed asset)
};

struct Pair {
  int base_decimals = 0;   // 0..18
  int quote_decimals = 0;  // 0..18
};
// Throws std::invalid_argument when a decimals count is outside 0..18.
void validate_pair(Pair p);

struct Fill {
  Side side = Side::Sell;
  Quantity requested;  // base quanta asked for
  Quantity base;       // base quanta filled, 0 <= base <= requested (less when liquidity runs out)
  Quantity quote;      // sell: quote received (Down); buy: quote paid (Up)
  // The model's exact average price of the filled quanta (sell Down, buy Up). Computed from the
  // exact amount, not from the rounded `quote`, so it is monotone in size. With base == 0 it is
  // the current marginal price on that side (0 when there is none).
  Price avg_price;
  // Marginal price of the next quantum on the same side after this fill (sell Down, buy Up);
  // nullopt when that side has no liquidity left.
  std::optional<Price> marginal_after;
  bool operator==(const Fill&) const = default;
};

// ---- Impact decay: the one floating-point boundary of the liquidity models ------------------
//
// recover() shrinks a displacement d (base quanta away from the reference state) by the factor
// 2^(-dt / half_life):  d' = trunc(trunc(d * f / 1e18) / 2^(dt div half_life)),
// f = floor(2^(-(dt mod half_life) / half_life) * 1e18), computed with std::exp2 in double and
// converted here, once. Whole half-lives are exact integer halvings; only the fractional part uses
// floating point. Truncation toward zero means the displacement never changes sign (no overshoot)
// and |d'| <= |d|. Deterministic for a given libm; exp2 implementations may differ by 1 ulp,
// i.e. f by at most ~1e-16 relative, so d' by at most one quantum across platforms.
// dt_seconds >= 0 and half_life_seconds > 0, else std::invalid_argument.
[[nodiscard]] int64_t decay_factor_e18(int64_t dt_seconds, int64_t half_life_seconds);
[[nodiscard]] int128 decay_toward_zero(int128 displacement, int64_t dt_seconds,
                                       int64_t half_life_seconds);

}  // namespace backstop
