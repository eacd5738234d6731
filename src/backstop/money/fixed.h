// File: money/fixed.h
// Integer fixed-point money types. Each unit has its own type so that a price can never be added to
// a value. Storage is int64; intermediates are int128 (see rounding.h). No implicit conversions,
// no operators with floating point. Pure, header-only, thread-safe.
//
//   Quantity  an amount of one asset or perp base, in that asset's native quanta: raw /
//   10^decimals,
//             decimals per asset (0..18, set in the asset definition). Signed.
//   Price     units of the quote (USD for oracle prices; the quote asset for perp marks) per ONE
//   whole
//             unit of the asset: raw / 10^9.
//   Value     US dollars: raw / 10^6 (micro-dollars). Signed.
//   Ratio     dimensionless: raw / 10^9 (weights, margin rates, health factor, utilisation, rates).
//   Index     interest index: raw / 10^12, starts at 1.0; grows with interest and falls only
//             when a loss is socialised to suppliers (resolution/, supplier haircut).
//
// Example: 2.5 ETH (decimals 9) at $3,000.25 -> Quantity{2'500'000'000}, Price{3'000'250'000'000}
//          value_of(q, 9, p, Rounding::Down) == Value{7'500'625'000}  ($7,500.625000).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backstop/money/int128.h"
#include "backstop/money/rounding.h"

namespace backstop {

template <class Tag>
class Fixed {
 public:
  constexpr Fixed() = default;
  [[nodiscard]] static constexpr Fixed from_raw(int64_t raw) { return Fixed(raw); }
  [[nodiscard]] constexpr int64_t raw() const { return raw_; }

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 false positive on defaulted <=>
  constexpr auto operator<=>(const Fixed&) const = default;

  [[nodiscard]] constexpr Fixed operator+(Fixed o) const {
    return Fixed(checked_add(raw_, o.raw_, Tag::kName));
  }
  [[nodiscard]] constexpr Fixed operator-(Fixed o) const {
    return Fixed(checked_sub(raw_, o.raw_, Tag::kName));
  }
  [[nodiscard]] constexpr Fixed operator-() const {
    return Fixed(checked_sub(int64_t{0}, raw_, Tag::kName));
  }
  constexpr Fixed& operator+=(Fixed o) { return *this = *this + o; }
  constexpr Fixed& operator-=(Fixed o) { return *this = *this - o; }

  [[nodiscard]] constexpr bool is_zero() const { return raw_ == 0; }
  [[nodiscard]] constexpr bool is_negative() const { return raw_ < 0; }
  [[nodiscard]] constexpr bool is_positive() const { return raw_ > 0; }
  [[nodiscard]] constexpr Fixed abs() const { return raw_ < 0 ? -*this : *this; }

 private:
  constexpr explicit Fixed(int64_t raw) : raw_(raw) {}
  int64_t raw_ = 0;
};

struct QuantityTag {
  static constexpr const char* kName = "quantity";
};
struct PriceTag {
  static constexpr const char* kName = "price";
};
struct ValueTag {
  static constexpr const char* kName = "value";
};
struct RatioTag {
  static constexpr const char* kName = "ratio";
};
struct IndexTag {
  static constexpr const char* kName = "index";
};

using Quantity = Fixed<QuantityTag>;
using Price = Fixed<PriceTag>;
using Value = Fixed<ValueTag>;
using Ratio = Fixed<RatioTag>;
using Index = Fixed<IndexTag>;

inline constexpr int kPriceDecimals = 9;
inline constexpr int kValueDecimals = 6;
inline constexpr int kRatioDecimals = 9;
inline constexpr int kIndexDecimals = 12;
inline constexpr int kMaxAssetDecimals = 18;
inline constexpr int64_t kRatioOne = 1'000'000'000;
inline constexpr int64_t kPriceOne = 1'000'000'000;  // one quote unit
inline constexpr int64_t kIndexOne = 1'000'000'000'000;
static_assert(kPriceDecimals >= kValueDecimals,
              "value_of divides by 10^(decimals + price - value)");

[[nodiscard]] constexpr Ratio ratio_one() {
  return Ratio::from_raw(kRatioOne);
}
[[nodiscard]] constexpr Index index_one() {
  return Index::from_raw(kIndexOne);
}

// Value of `q` native quanta (asset with `decimals`) at `p`: q * p / 10^(decimals + 9 - 6).
[[nodiscard]] Value value_of(Quantity q, int decimals, Price p, Rounding r);
// Quantity worth `v` at `p`: v * 10^(decimals + 3) / p. p must be positive.
[[nodiscard]] Quantity quantity_of(Value v, int decimals, Price p, Rounding r);
// v * ratio.
[[nodiscard]] Value apply_ratio(Value v, Ratio k, Rounding r);
// a / b as a Ratio (b != 0).
[[nodiscard]] Ratio ratio_of(int128 a, int128 b, Rounding r);
// Quantity * Ratio (e.g. a close factor applied to a debt).
[[nodiscard]] Quantity apply_ratio(Quantity q, Ratio k, Rounding r);

// Exact decimal text <-> raw integer with `decimals` fractional digits.
// parse: accepts [+-]digits[.digits]; more fractional digits than `decimals` is an error, never a
// silent rounding. Returns std::nullopt and fills `error` on failure.
[[nodiscard]] std::optional<int64_t> parse_decimal(std::string_view text, int decimals,
                                                   std::string* error);
// format: minimal exact decimal ("1.5", "-0.000001", "3000").
[[nodiscard]] std::string format_decimal(int128 raw, int decimals);

template <class T>
[[nodiscard]] std::string format(T v);
template <>
[[nodiscard]] inline std::string format(Price v) {
  return format_decimal(v.raw(), kPriceDecimals);
}
template <>
[[nodiscard]] inline std::string format(Value v) {
  return format_decimal(v.raw(), kValueDecimals);
}
template <>
[[nodiscard]] inline std::string format(Ratio v) {
  return format_decimal(v.raw(), kRatioDecimals);
}
template <>
[[nodiscard]] inline std::string format(Index v) {
  return format_decimal(v.raw(), kIndexDecimals);
}
[[nodiscard]] inline std::string format(Quantity q, int decimals) {
  return format_decimal(q.raw(), decimals);
}

}  // namespace backstop
