#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {

Int256 div_round256(const Int256& a, const Int256& b, Rounding r) {
  if (b == 0) throw OverflowError("division by zero");
  const Int256 q = a / b;  // truncates toward zero
  const Int256 rem = a - q * b;
  if (rem == 0) return q;
  const bool negative = (a < 0) != (b < 0);
  switch (r) {
    case Rounding::Down:
      return negative ? Int256(q - 1) : q;
    case Rounding::Up:
      return negative ? q : Int256(q + 1);
    case Rounding::TowardZero:
    case Rounding::HalfEven:
      return q;
  }
  return q;
}

int64_t round_to_step(int64_t q, int64_t step, Rounding r) {
  if (step <= 0) throw OverflowError("round_to_step needs a positive step");
  return narrow64(checked_mul(div_round(q, step, r), static_cast<int128>(step), "step"),
                  "round_to_step");
}

bool valid_decimals(int d) {
  return d >= 0 && d <= kMaxAssetDecimals;
}

int64_t convert(int64_t amount, int dec_from, Price price_from, int dec_to, Price price_to,
                Rounding r) {
  const int128 den = checked_mul(static_cast<int128>(price_to.raw()), pow10_128(dec_from), "den");
  return narrow64(mul_mul_div(amount, price_from.raw(), pow10_128(dec_to), den, r), "convert");
}

}  // namespace backstop::liquidation
