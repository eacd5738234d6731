// File: liquidity/big.h
// Internal to liquidity/: arbitrary-precision integers (Boost cpp_int) for the exact rational
// evaluations of the liquidity models, whose intermediates (price^2 * size^3 * scale) do not fit
// 256 bits. Conversions back to int64 are checked (OverflowError). Pure, thread-safe.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <functional>
#include <optional>

#include "backstop/liquidity/fill.h"
#include "backstop/money/int128.h"

namespace backstop::liq {

using Big = boost::multiprecision::cpp_int;

[[nodiscard]] Big big(int128 v);
[[nodiscard]] Big pow10(int n);
// floor(a / b), ceil(a / b) for b > 0 and any sign of a.
[[nodiscard]] Big floor_div(const Big& a, const Big& b);
[[nodiscard]] Big ceil_div(const Big& a, const Big& b);
[[nodiscard]] Big div_round(const Big& a, const Big& b, Rounding r);  // Down or Up only
// floor(sqrt(v)) and ceil(sqrt(v)) for v >= 0 (Newton iteration, exact).
[[nodiscard]] Big isqrt(const Big& v);
[[nodiscard]] Big isqrt_ceil(const Big& v);
[[nodiscard]] int64_t to_i64(const Big& v, const char* what);
[[nodiscard]] bool fits_i64(const Big& v);

// A fill stops where one of its results would no longer fit 64 bits: `build(filled)` returns the
// fill or nullopt when something does not fit (monotone in `filled`). Returns build(limit) when it
// fits, else build(largest fitting filled); throws OverflowError when not even 0 fits.
[[nodiscard]] Fill largest_fill(int64_t limit,
                                const std::function<std::optional<Fill>(int64_t)>& build);

// The notional scale of a pair: notional(b, p) = b * p * a / b_den (see fill.h).
struct Scale {
  Big a;
  Big b;
};
[[nodiscard]] Scale scale_of(Pair p);

}  // namespace backstop::liq
