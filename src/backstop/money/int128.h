// File: money/int128.h
// 128-bit integer aliases and checked arithmetic used by every money computation.
// Pure, header-only, thread-safe (no state).
//
// Overflow never wraps silently: the checked helpers throw OverflowError, which the engine turns
// into a rejected event (state unchanged) and which tests treat as a bug when it is not expected.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace backstop {

__extension__ using int128 = __int128;
__extension__ using uint128 = unsigned __int128;

// Thrown when an exact result does not fit its type. Never caught inside money code.
class OverflowError : public std::overflow_error {
 public:
  explicit OverflowError(const std::string& what) : std::overflow_error(what) {}
};

inline constexpr int128 kInt128Max = static_cast<int128>(~static_cast<uint128>(0) >> 1);
inline constexpr int128 kInt128Min = -kInt128Max - 1;

template <class T>
[[nodiscard]] constexpr T checked_add(T a, T b, const char* what = "add") {
  T r{};
  if (__builtin_add_overflow(a, b, &r)) throw OverflowError(std::string("overflow in ") + what);
  return r;
}

template <class T>
[[nodiscard]] constexpr T checked_sub(T a, T b, const char* what = "sub") {
  T r{};
  if (__builtin_sub_overflow(a, b, &r)) throw OverflowError(std::string("overflow in ") + what);
  return r;
}

template <class T>
[[nodiscard]] constexpr T checked_mul(T a, T b, const char* what = "mul") {
  T r{};
  if (__builtin_mul_overflow(a, b, &r)) throw OverflowError(std::string("overflow in ") + what);
  return r;
}

// Narrow a 128-bit intermediate to int64, throwing when it does not fit.
[[nodiscard]] constexpr int64_t narrow64(int128 v, const char* what = "narrow") {
  if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min()) {
    throw OverflowError(std::string("value does not fit 64 bits in ") + what);
  }
  return static_cast<int64_t>(v);
}

namespace detail {
inline constexpr std::array<int128, 39> kPow10 = [] {
  std::array<int128, 39> t{};
  t[0] = 1;
  for (std::size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] * 10;
  return t;
}();
}  // namespace detail

// 10^n as int128 for n in [0, 38] (a table: the conversions between units call it on every
// valuation).
[[nodiscard]] constexpr int128 pow10_128(int n) {
  if (n < 0 || n > 38) throw OverflowError("pow10 exponent out of range");
  return detail::kPow10[static_cast<std::size_t>(n)];
}

[[nodiscard]] std::string to_string(int128 v);

}  // namespace backstop
