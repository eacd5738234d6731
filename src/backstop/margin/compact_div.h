// File: margin/compact_div.h
// Division by an invariant 64-bit divisor with a precomputed reciprocal (Moller & Granlund,
// "Improved division by invariant integers", IEEE TC 2011, Algorithm 4 / GMP udiv_qrnnd_preinv):
// two multiplies instead of a hardware divide. Used by the compact valuation kernel (compact.h)
// for 10^K, 10^9, 10^12 and value denominators.
//
// floor_div / ceil_div take a signed 128-bit numerator and return the exactly rounded quotient
// (Rounding::Down = toward -inf, Rounding::Up = toward +inf, as div_round) together with a flag
// saying whether the quotient fits int64; when the flag is false the returned quotient is
// meaningless (never UB), and the caller must take its exact fallback. Pure, header-only,
// immutable after construction, thread-safe.
#pragma once

#include <cstdint>

#include "backstop/money/int128.h"

namespace backstop {

class InvariantDivisor {
 public:
  InvariantDivisor() = default;  // divides by 1
  // 0 < d < 2^62. constexpr: a divisor known at compile time folds into immediates.
  constexpr explicit InvariantDivisor(uint64_t d) : d_(d) {
    if (d == 0 || d >= (uint64_t{1} << 62)) throw OverflowError("invariant divisor out of range");
    shift_ = __builtin_clzll(d);
    dn_ = d << shift_;
    // v = floor((2^128 - 1) / dn) - 2^64 (one slow division, at construction only)
    v_ = static_cast<uint64_t>(~static_cast<uint128>(0) / dn_);
    bias_ = static_cast<uint128>(d) << 63;  // d * 2^63: makes every numerator >= 0
  }

  [[nodiscard]] constexpr uint64_t divisor() const { return d_; }

  // floor(n / d); ok = false when it does not fit int64.
  [[nodiscard]] int64_t floor_div(int128 n, bool& ok) const {
    return biased(static_cast<uint128>(n) + bias_, ok);
  }
  // ceil(n / d) = floor((n + d - 1) / d); ok = false when it does not fit int64.
  [[nodiscard]] int64_t ceil_div(int128 n, bool& ok) const {
    return biased(static_cast<uint128>(n) + bias_ + (d_ - 1), ok);
  }

 private:
  // u = n + d * 2^63 (+ d - 1) taken mod 2^128. The true quotient floor(n/d) + 2^63 lies in
  // [0, 2^64) exactly when u < d * 2^64, i.e. hi(u) < d (a negative n below -d * 2^63 wraps to
  // u >= 2^127 > d * 2^64, since d < 2^62). Then u << shift fits 128 bits.
  [[nodiscard]] int64_t biased(uint128 u, bool& ok) const {
    const auto hi = static_cast<uint64_t>(u >> 64);
    ok = ok && hi < d_;
    const uint128 un = u << shift_;
    const auto nh = static_cast<uint64_t>(un >> 64);
    const auto nl = static_cast<uint64_t>(un);
    // udiv_qrnnd_preinv: valid for nh < dn
    uint128 q = static_cast<uint128>(nh) * v_;
    q += (static_cast<uint128>(nh + 1) << 64) | nl;
    auto qh = static_cast<uint64_t>(q >> 64);
    const auto ql = static_cast<uint64_t>(q);
    uint64_t r = nl - qh * dn_;
    // taken about half the time on money data: a mask, not a branch (as GMP does)
    const uint64_t mask = uint64_t{0} - static_cast<uint64_t>(r > ql);
    qh += mask;
    r += mask & dn_;
    if (r >= dn_) [[unlikely]] {
      ++qh;
    }
    // qh = floor(n/d) + 2^63 in [0, 2^64): flipping the top bit is the subtraction of 2^63.
    return static_cast<int64_t>(qh ^ (uint64_t{1} << 63));
  }

  // Defaults: d = 1, normalised 2^63, v = floor((2^128 - 1) / 2^63) - 2^64 = 2^64 - 1.
  uint64_t d_ = 1;
  uint64_t dn_ = uint64_t{1} << 63;
  uint64_t v_ = ~uint64_t{0};
  int shift_ = 63;
  uint128 bias_ = static_cast<uint128>(1) << 63;
};

}  // namespace backstop
