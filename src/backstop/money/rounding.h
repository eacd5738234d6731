// File: money/rounding.h
// Division helpers that name their rounding. There is no bare `/` on money anywhere in backstop.
// Pure and thread-safe.
//
// Rounding policy (docs/rounding-policy.md): requirements, debts and amounts owed round Up (toward
// +inf); collateral, asset values and payouts round Down (toward -inf). "Up"/"Down" are toward
// +/- infinity, NOT away from / toward zero, so the direction is correct for every sign.
#pragma once

#include "backstop/money/int128.h"

namespace backstop {

enum class Rounding : uint8_t {
  Down,  // toward -infinity (floor)
  Up,    // toward +infinity (ceil)
  TowardZero,
  HalfEven,  // for display and statistics only, never for ledger or margin state
};

// floor(a / b) and ceil(a / b) for any signs; b != 0. Throws on b == 0 and on MIN / -1.
[[nodiscard]] int128 div_round(int128 a, int128 b, Rounding r);

// round(a * b / d) computed exactly; the product a*b must fit in int128 (checked).
[[nodiscard]] int128 mul_div(int128 a, int128 b, int128 d, Rounding r);

// Same, narrowed to int64 with a checked conversion.
[[nodiscard]] int64_t mul_div64(int128 a, int128 b, int128 d, Rounding r);

// Exact three-factor variant: round(a * b * c / d). Uses 256-bit intermediates when a*b*c overflows
// int128, so it is exact for all int64 inputs; narrowing of the result is checked.
[[nodiscard]] int128 mul_mul_div(int128 a, int128 b, int128 c, int128 d, Rounding r);

// Compare a/b with c/d (b, d > 0) without dividing: returns <0, 0, >0. Exact (256-bit products).
[[nodiscard]] int compare_ratio(int128 a, int128 b, int128 c, int128 d);

}  // namespace backstop
