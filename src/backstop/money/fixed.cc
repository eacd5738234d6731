#include "backstop/money/fixed.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace backstop {

Value value_of(Quantity q, int decimals, Price p, Rounding r) {
  return Value::from_raw(
      mul_div64(q.raw(), p.raw(), pow10_128(decimals + kPriceDecimals - kValueDecimals), r));
}

Quantity quantity_of(Value v, int decimals, Price p, Rounding r) {
  if (p.raw() <= 0) throw OverflowError("quantity_of needs a positive price");
  return Quantity::from_raw(
      mul_div64(v.raw(), pow10_128(decimals + kPriceDecimals - kValueDecimals), p.raw(), r));
}

Value apply_ratio(Value v, Ratio k, Rounding r) {
  if (k.raw() == kRatioOne) return v;  // weight 1: exact, no division
  return Value::from_raw(mul_div64(v.raw(), k.raw(), kRatioOne, r));
}

Quantity apply_ratio(Quantity q, Ratio k, Rounding r) {
  return Quantity::from_raw(mul_div64(q.raw(), k.raw(), kRatioOne, r));
}

Ratio ratio_of(int128 a, int128 b, Rounding r) {
  return Ratio::from_raw(mul_div64(a, kRatioOne, b, r));
}

std::optional<int64_t> parse_decimal(std::string_view text, int decimals, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<int64_t> {
    if (error != nullptr) *error = why;
    return std::nullopt;
  };
  if (decimals < 0 || decimals > kMaxAssetDecimals) return fail("unsupported number of decimals");
  std::size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    neg = text[i] == '-';
    ++i;
  }
  int128 acc = 0;
  int frac_digits = 0;
  bool seen_dot = false;
  bool seen_digit = false;
  const int128 limit = static_cast<int128>(INT64_MAX) + 1;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_' && seen_digit) continue;  // digit separators, as in TOML: 1_000_000
    if (c == '.') {
      if (seen_dot) return fail("more than one decimal point");
      seen_dot = true;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return fail(std::string("invalid character '") + c + "' in number");
    }
    seen_digit = true;
    if (seen_dot) {
      if (frac_digits == decimals) {
        if (c != '0') return fail("more than " + std::to_string(decimals) + " decimal places");
        continue;  // trailing zeros beyond the precision are exact
      }
      ++frac_digits;
    }
    acc = acc * 10 + (c - '0');
    if (acc > limit) return fail("number out of range");
  }
  if (!seen_digit) return fail("empty number");
  acc *= pow10_128(decimals - frac_digits);
  if (neg) acc = -acc;
  if (acc > INT64_MAX || acc < INT64_MIN) return fail("number out of range");
  return static_cast<int64_t>(acc);
}

std::string format_decimal(int128 raw, int decimals) {
  const bool neg = raw < 0;
  const uint128 mag =
      neg ? static_cast<uint128>(0) - static_cast<uint128>(raw) : static_cast<uint128>(raw);
  // libfmt: format_int for a magnitude that fits 64 bits (most amounts; no format string, and no
  // 128-bit division per two digits), the generic formatter beyond.
  const std::string digits =
      (mag >> 64) == 0 ? fmt::format_int(static_cast<uint64_t>(mag)).str() : fmt::format("{}", mag);
  const std::string_view d = digits;
  std::string out;
  out.reserve(d.size() + static_cast<std::size_t>(std::max(decimals, 0)) + 3);
  if (neg) out.push_back('-');
  if (decimals <= 0) return out.append(d);
  const auto dec = static_cast<std::size_t>(decimals);
  const std::size_t lead = d.size() > dec ? d.size() - dec : 0;  // digits before the point
  if (lead == 0) {
    out.push_back('0');
  } else {
    out.append(d.substr(0, lead));
  }
  // The fraction: zeros up to `dec` digits, then the rest of d, without trailing zeros.
  std::size_t end = d.size();
  while (end > lead && d[end - 1] == '0') --end;
  if (end > lead) {
    out.push_back('.');
    out.append(dec - (d.size() - lead), '0');
    out.append(d.substr(lead, end - lead));
  }
  return out;
}

}  // namespace backstop
