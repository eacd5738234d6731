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

// round(a * b / d) computed exactly for any int128 inputs: the product is finished in 256 bits
// when it overflows int128; throws OverflowError only when the result does not fit int128.
[[nodiscard]] int128 mul_div(int128 a, int128 b, int128 d, Rounding r);

namespace detail {
[[nodiscard]] int128 div_round_slow(int128 a, int128 b, Rounding r);
[[nodiscard]] int128 mul_div_slow(int128 a, int128 b, int128 d, Rounding r);
}  // namespace detail

// Hot path: a positive divisor below 2^64 and a quotient that fits 64 bits (every valuation
// division) is one hardware 128/64 divide; Down/Up are fixed up from the remainder. Everything
// else takes the general path. Same results either way (tests/money_test.cc compares them).
inline int128 div_round(int128 a, int128 b, Rounding r) {
#if defined(__x86_64__)
  if (b > 0 && b <= static_cast<int128>(UINT64_MAX) && (r == Rounding::Down || r == Rounding::Up)) {
    const bool neg = a < 0;
    const uint128 mag =
        neg ? static_cast<uint128>(0) - static_cast<uint128>(a) : static_cast<uint128>(a);
    const auto hi = static_cast<uint64_t>(mag >> 64);
    const auto lo = static_cast<uint64_t>(mag);
    const auto d = static_cast<uint64_t>(b);
    if (hi < d) {  // the quotient fits 64 bits, so divq cannot fault
      uint64_t q = 0;
      uint64_t rem = 0;
      asm("divq %4" : "=a"(q), "=d"(rem) : "a"(lo), "d"(hi), "rm"(d) : "cc");
      int128 out = static_cast<int128>(q);
      if (neg) {
        out = -out;
        if (rem != 0 && r == Rounding::Down) out -= 1;
      } else if (rem != 0 && r == Rounding::Up) {
        out += 1;
      }
      return out;
    }
  }
#endif
  return detail::div_round_slow(a, b, r);
}

inline int128 mul_div(int128 a, int128 b, int128 d, Rounding r) {
  if (d != 0) {
    // A factor equal to the divisor cancels exactly (a weight or price of one, a value
    // denominator equal to the price): no product, no division, whatever the rounding.
    if (b == d) return a;
    if (a == d) return b;
    int128 p{};
    if (!__builtin_mul_overflow(a, b, &p)) return div_round(p, d, r);
  }
  return detail::mul_div_slow(a, b, d, r);
}

// Same, narrowed to int64 with a checked conversion.
[[nodiscard]] int64_t mul_div64(int128 a, int128 b, int128 d, Rounding r);

// Exact three-factor variant: round(a * b * c / d). Uses 256-bit intermediates when a*b*c overflows
// int128, so it is exact for all int64 inputs; narrowing of the result is checked.
[[nodiscard]] int128 mul_mul_div(int128 a, int128 b, int128 c, int128 d, Rounding r);

// Compare a/b with c/d (b, d > 0) without dividing: returns <0, 0, >0. Exact (256-bit products).
[[nodiscard]] int compare_ratio(int128 a, int128 b, int128 c, int128 d);

}  // namespace backstop
