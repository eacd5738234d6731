#include "backstop/liquidity/constant_product.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "backstop/liquidity/big.h"

namespace backstop {
namespace {
using liq::Big;
const Big kOne = kRatioOne;
}  // namespace

ConstantProduct::ConstantProduct(const PoolParams& p)
    : p_(p),
      x_(p.base_reserve.raw()),
      y_(p.quote_reserve.raw()),
      xr_(p.base_reserve.raw()),
      yr_(p.quote_reserve.raw()) {
  validate_pair(p.pair);
  if (x_ <= 0 || y_ <= 0) throw std::invalid_argument("pool reserves must be > 0");
  if (p.fee.is_negative() || p.fee.raw() >= kRatioOne) {
    throw std::invalid_argument("pool fee must be in [0, 1)");
  }
  const liq::Scale s = liq::scale_of(p.pair);
  if (!liq::fits_i64(liq::ceil_div(Big(y_) * kOne * s.b, Big(x_) * (kOne - p.fee.raw()) * s.a))) {
    throw std::invalid_argument("pool price does not fit a Price (reserves too unbalanced)");
  }
}

Price ConstantProduct::marginal_at(int64_t x, int64_t y, Side side) const {
  // Price raw = (y / x) * B / A, times gamma (sell) or divided by gamma (buy).
  const liq::Scale s = liq::scale_of(p_.pair);
  const Big g = kOne - p_.fee.raw();
  const Big v = side == Side::Sell ? liq::floor_div(Big(y) * g * s.b, Big(x) * kOne * s.a)
                                   : liq::ceil_div(Big(y) * kOne * s.b, Big(x) * g * s.a);
  return Price::from_raw(liq::to_i64(v, "pool marginal price"));
}

Price ConstantProduct::marginal(Side side) const {
  return marginal_at(x_, y_, side);
}

Quantity ConstantProduct::sell_capacity() const {
  return Quantity::from_raw(std::numeric_limits<int64_t>::max() - x_);
}

Fill ConstantProduct::sell(Quantity base) const {
  if (base.is_negative()) throw std::invalid_argument("trade size must be >= 0");
  const liq::Scale s = liq::scale_of(p_.pair);
  const Big g = kOne - p_.fee.raw();
  const int64_t dx = std::min(base.raw(), sell_capacity().raw());
  // out = floor(y dx g / (x 1e9 + dx g))
  const Big den = Big(x_) * kOne + Big(dx) * g;
  const int64_t out = liq::to_i64(liq::floor_div(Big(y_) * dx * g, den), "pool out");
  Fill f{Side::Sell,
         base,
         Quantity::from_raw(dx),
         Quantity::from_raw(out),
         Price{},
         marginal_at(x_ + dx, y_ - out, Side::Sell)};
  // exact average = out_exact * B / (A dx) = y g B / (A (x 1e9 + dx g)); dx = 0 gives the marginal
  f.avg_price = Price::from_raw(liq::to_i64(liq::floor_div(Big(y_) * g * s.b, s.a * den), "avg"));
  return f;
}

Fill ConstantProduct::buy(Quantity base) const {
  if (base.is_negative()) throw std::invalid_argument("trade size must be >= 0");
  const liq::Scale s = liq::scale_of(p_.pair);
  const Big g = kOne - p_.fee.raw();
  auto build = [&](int64_t dy) -> std::optional<Fill> {
    // in = ceil(y dy 1e9 / ((x - dy) g)); the quote reserve y + in must stay 64-bit.
    const Big den = Big(x_ - dy) * g;
    const Big in = liq::ceil_div(Big(y_) * dy * kOne, den);
    if (!liq::fits_i64(Big(in + y_))) return std::nullopt;
    const Big after = liq::ceil_div(Big(in + y_) * kOne * s.b, Big(x_ - dy) * g * s.a);
    // exact average = in_exact * B / (A dy) = y 1e9 B / (A (x - dy) g)
    const Big avg = liq::ceil_div(Big(y_) * kOne * s.b, s.a * den);
    if (!liq::fits_i64(after) || !liq::fits_i64(avg)) return std::nullopt;
    return Fill{Side::Buy,
                base,
                Quantity::from_raw(dy),
                Quantity::from_raw(in.convert_to<int64_t>()),
                Price::from_raw(avg.convert_to<int64_t>()),
                Price::from_raw(after.convert_to<int64_t>())};
  };
  return liq::largest_fill(std::min(base.raw(), x_ - 1), build);
}

void ConstantProduct::apply(const Fill& f) {
  if ((f.side == Side::Sell ? sell(f.requested) : buy(f.requested)) != f) {
    throw std::invalid_argument("pool: fill was not computed on the current state");
  }
  if (f.side == Side::Sell) {
    x_ += f.base.raw();
    y_ -= f.quote.raw();
  } else {
    x_ -= f.base.raw();
    y_ += f.quote.raw();
  }
}

void ConstantProduct::recover(int64_t dt_seconds, int64_t half_life_seconds) {
  const int128 dx = decay_toward_zero(static_cast<int128>(x_) - xr_, dt_seconds, half_life_seconds);
  const int128 dy = decay_toward_zero(static_cast<int128>(y_) - yr_, dt_seconds, half_life_seconds);
  x_ = narrow64(xr_ + dx, "pool base reserve");
  y_ = narrow64(yr_ + dy, "pool quote reserve");
}

}  // namespace backstop
