#include "backstop/model/perp.h"

namespace backstop {

Quantity to_quote(int128 size, int128 price, int base_decimals, int quote_decimals, Rounding r) {
  const int k = base_decimals + kPriceDecimals - quote_decimals;
  if (k >= 0) return Quantity::from_raw(mul_div64(size, price, pow10_128(k), r));
  return Quantity::from_raw(narrow64(mul_mul_div(size, price, pow10_128(-k), 1, r), "quote"));
}

}  // namespace backstop
