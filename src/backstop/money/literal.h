// File: money/literal.h
// Compile-time exact decimal literals for parameter tables (venue presets, tests):
//   ratio_lit("0.825"), usd_lit("2000"), price_lit("3000.25"), decimal_lit("1.5", 8).
// More fractional digits than the type holds, a second decimal point or any other character is a
// compile error (the throw is not a constant expression). Header-only, no state.
#pragma once

#include <cstdint>
#include <string_view>

#include "backstop/money/fixed.h"

namespace backstop {

consteval int64_t decimal_lit(std::string_view s, int decimals) {
  int64_t v = 0;
  int frac = -1;
  for (const char c : s) {
    if (c == '.') {
      if (frac >= 0) throw "two decimal points";
      frac = 0;
      continue;
    }
    if (c < '0' || c > '9') throw "not a decimal digit";
    v = v * 10 + (c - '0');
    if (frac >= 0) ++frac;
  }
  if (frac < 0) frac = 0;
  if (frac > decimals) throw "more fractional digits than the type holds";
  for (; frac < decimals; ++frac) v *= 10;
  return v;
}
consteval Ratio ratio_lit(std::string_view s) {
  return Ratio::from_raw(decimal_lit(s, kRatioDecimals));
}
consteval Value usd_lit(std::string_view s) {
  return Value::from_raw(decimal_lit(s, kValueDecimals));
}
consteval Price price_lit(std::string_view s) {
  return Price::from_raw(decimal_lit(s, kPriceDecimals));
}

}  // namespace backstop
