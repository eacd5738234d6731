#include "backstop/liquidity/big.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace backstop {

void validate_pair(Pair p) {
  for (const int d : {p.base_decimals, p.quote_decimals}) {
    if (d < 0 || d > kMaxAssetDecimals) {
      throw std::invalid_argument("liquidity pair decimals must be in 0..18, got " +
                                  std::to_string(d));
    }
  }
}

int64_t decay_factor_e18(int64_t dt_seconds, int64_t half_life_seconds) {
  if (dt_seconds < 0) throw std::invalid_argument("recover: dt must be >= 0");
  if (half_life_seconds <= 0) throw std::invalid_argument("recover: half-life must be > 0");
  const int64_t rem = dt_seconds % half_life_seconds;
  // The floating-point boundary: 2^(-rem/h) in (0.5, 1], floored to 1e-18.
  const double frac = std::exp2(-static_cast<double>(rem) / static_cast<double>(half_life_seconds));
  const auto f = static_cast<int64_t>(std::floor(frac * 1e18));
  return std::clamp<int64_t>(f, 0, 1'000'000'000'000'000'000);
}

int128 decay_toward_zero(int128 displacement, int64_t dt_seconds, int64_t half_life_seconds) {
  const int64_t f = decay_factor_e18(dt_seconds, half_life_seconds);
  const int64_t whole = dt_seconds / half_life_seconds;
  if (displacement == 0 || dt_seconds == 0) return displacement;
  if (whole >= 126) return 0;
  const int128 d = mul_div(displacement, f, 1'000'000'000'000'000'000, Rounding::TowardZero);
  return div_round(d, static_cast<int128>(1) << whole, Rounding::TowardZero);
}

namespace liq {

Big big(int128 v) {
  const bool neg = v < 0;
  const uint128 m =
      neg ? static_cast<uint128>(0) - static_cast<uint128>(v) : static_cast<uint128>(v);
  Big r = static_cast<uint64_t>(m >> 64);
  r <<= 64;
  r += static_cast<uint64_t>(m);
  return neg ? Big(-r) : r;
}

Big pow10(int n) {
  Big r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

Big floor_div(const Big& a, const Big& b) {
  if (b <= 0) throw OverflowError("floor_div needs a positive divisor");
  Big q = a / b;  // truncates toward zero
  if (a < 0 && q * b != a) q -= 1;
  return q;
}

Big ceil_div(const Big& a, const Big& b) {
  if (b <= 0) throw OverflowError("ceil_div needs a positive divisor");
  Big q = a / b;
  if (a > 0 && q * b != a) q += 1;
  return q;
}

Big div_round(const Big& a, const Big& b, Rounding r) {
  if (r == Rounding::Down) return floor_div(a, b);
  if (r == Rounding::Up) return ceil_div(a, b);
  throw std::invalid_argument("liquidity rounding must be Down or Up");
}

Big isqrt(const Big& v) {
  if (v < 0) throw std::invalid_argument("isqrt of a negative number");
  if (v < 2) return v;
  // Newton from above: x_{k+1} = (x_k + v / x_k) / 2 decreases to floor(sqrt(v)).
  Big x = 1;
  x <<= (boost::multiprecision::msb(v) / 2) + 1;  // > sqrt(v)
  while (true) {
    const Big y = (x + v / x) / 2;
    if (y >= x) return x;
    x = y;
  }
}

Big isqrt_ceil(const Big& v) {
  const Big r = isqrt(v);
  return r * r == v ? r : Big(r + 1);
}

int64_t to_i64(const Big& v, const char* what) {
  if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min()) {
    throw OverflowError(std::string("liquidity result does not fit 64 bits: ") + what);
  }
  return v.convert_to<int64_t>();
}

bool fits_i64(const Big& v) {
  return v <= std::numeric_limits<int64_t>::max() && v >= std::numeric_limits<int64_t>::min();
}

Fill largest_fill(int64_t limit, const std::function<std::optional<Fill>(int64_t)>& build) {
  if (auto f = build(limit)) return *f;
  int64_t lo = 0;  // largest known to fit
  int64_t hi = limit - 1;
  if (!build(0)) throw OverflowError("liquidity: the current price does not fit 64 bits");
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2 + 1;
    if (build(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return *build(lo);
}

Scale scale_of(Pair p) {
  validate_pair(p);
  const int e = p.base_decimals + kPriceDecimals - p.quote_decimals;
  return {pow10(std::max(0, -e)), pow10(std::max(0, e))};
}

}  // namespace liq
}  // namespace backstop
