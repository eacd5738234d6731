#include "backstop/money/rounding.h"

#include <fmt/format.h>

#include "backstop/money/wide.h"

namespace backstop {

Int256 to256(int128 v) {
  const bool neg = v < 0;
  uint128 mag = neg ? static_cast<uint128>(0) - static_cast<uint128>(v) : static_cast<uint128>(v);
  Int256 r = static_cast<uint64_t>(mag >> 64);
  r <<= 64;
  r += static_cast<uint64_t>(mag);
  return neg ? Int256(-r) : r;
}

int128 from256(const Int256& v) {
  static const Int256 kMax = to256(kInt128Max);
  static const Int256 kMin = to256(kInt128Min);
  if (v > kMax || v < kMin) throw OverflowError("result does not fit 128 bits");
  const bool neg = v < 0;
  const Int256 mag = neg ? Int256(-v) : v;
  const auto lo = static_cast<uint64_t>(mag & Int256(0xFFFFFFFFFFFFFFFFULL));
  const auto hi = static_cast<uint64_t>(mag >> 64);
  const uint128 u = (static_cast<uint128>(hi) << 64) | lo;
  return neg ? static_cast<int128>(static_cast<uint128>(0) - u) : static_cast<int128>(u);
}

namespace {

Int256 div_round256(const Int256& a, const Int256& b, Rounding r) {
  Int256 q = a / b;  // truncates toward zero
  Int256 rem = a - q * b;
  if (rem == 0) return q;
  const bool negative = (a < 0) != (b < 0);
  switch (r) {
    case Rounding::Down:
      return negative ? Int256(q - 1) : q;
    case Rounding::Up:
      return negative ? q : Int256(q + 1);
    case Rounding::TowardZero:
      return q;
    case Rounding::HalfEven: {
      Int256 twice = abs(rem) * 2;
      Int256 absb = abs(b);
      bool away = twice > absb || (twice == absb && (q % 2 != 0));
      if (!away) return q;
      return negative ? Int256(q - 1) : Int256(q + 1);
    }
  }
  return q;
}

}  // namespace

int128 detail::div_round_slow(int128 a, int128 b, Rounding r) {
  if (b == 0) throw OverflowError("division by zero");
  if (a == kInt128Min && b == -1) throw OverflowError("division overflow");
  int128 q = a / b;  // C++ truncates toward zero
  int128 rem = a % b;
  if (rem == 0) return q;
  const bool negative = (a < 0) != (b < 0);
  switch (r) {
    case Rounding::Down:
      return negative ? q - 1 : q;
    case Rounding::Up:
      return negative ? q : q + 1;
    case Rounding::TowardZero:
      return q;
    case Rounding::HalfEven: {
      // |rem| < |b| <= 2^127, so 2|rem| may not fit: compare |rem| with |b| - |rem| instead.
      uint128 arem =
          rem < 0 ? static_cast<uint128>(0) - static_cast<uint128>(rem) : static_cast<uint128>(rem);
      uint128 ab =
          b < 0 ? static_cast<uint128>(0) - static_cast<uint128>(b) : static_cast<uint128>(b);
      uint128 other = ab - arem;
      bool away = arem > other || (arem == other && (q % 2 != 0));
      if (!away) return q;
      return negative ? q - 1 : q + 1;
    }
  }
  return q;
}

int128 detail::mul_div_slow(int128 a, int128 b, int128 d, Rounding r) {
  if (d == 0) throw OverflowError("division by zero");
  int128 p{};
  if (!__builtin_mul_overflow(a, b, &p)) return div_round(p, d, r);
  return from256(div_round256(to256(a) * to256(b), to256(d), r));
}

int64_t mul_div64(int128 a, int128 b, int128 d, Rounding r) {
  return narrow64(mul_div(a, b, d, r), "mul_div64");
}

int128 mul_mul_div(int128 a, int128 b, int128 c, int128 d, Rounding r) {
  if (d == 0) throw OverflowError("division by zero");
  int128 p{};
  int128 p2{};
  if (!__builtin_mul_overflow(a, b, &p) && !__builtin_mul_overflow(p, c, &p2)) {
    return div_round(p2, d, r);
  }
  Int256 prod = to256(a) * to256(b);
  // |a*b*c| of int128 inputs can exceed 256 bits only for c ~ 2^127; guard it explicitly.
  if (boost::multiprecision::msb(abs(prod) + 1) + boost::multiprecision::msb(abs(to256(c)) + 1) >
      250) {
    throw OverflowError("mul_mul_div intermediate exceeds 256 bits");
  }
  return from256(div_round256(prod * to256(c), to256(d), r));
}

int compare_ratio(int128 a, int128 b, int128 c, int128 d) {
  if (b <= 0 || d <= 0) throw OverflowError("compare_ratio needs positive denominators");
  Int256 lhs = to256(a) * to256(d);
  Int256 rhs = to256(c) * to256(b);
  return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

std::string to_string(int128 v) {
  // libfmt formats __int128 natively; a value that fits 64 bits takes its faster 64-bit path.
  if (v >= INT64_MIN && v <= INT64_MAX) return fmt::format_int(static_cast<int64_t>(v)).str();
  return fmt::format("{}", v);
}

}  // namespace backstop
