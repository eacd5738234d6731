#include "backstop/liquidity/slippage_curve.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "backstop/liquidity/big.h"

namespace backstop {
namespace {

using liq::Big;

const Big kV = liq::pow10(27);  // W = B * V: proceeds are evaluated in units of 1 / W quote
const Big kRatio = kRatioOne;   // Ratio scale
const Big kRatio2 = kRatio * kRatio;

struct Ctx {
  Big c;   // p0 * A
  Big b;   // B
  Big d;   // depth
  Big k;   // k raw
  Big p0;  // raw
};

Ctx ctx_of(const SlippageParams& p) {
  const liq::Scale s = liq::scale_of(p.pair);
  return {Big(p.reference.raw()) * s.a, s.b, Big(p.depth.raw()), Big(p.k.raw()),
          Big(p.reference.raw())};
}

// Linear: W * (F(X + delta) - F(X)) = delta c V - k V delta (2X + delta) c^2 / (2e9 D B),
// returned as (numerator, denominator).
std::pair<Big, Big> linear_wg(const Ctx& x, int64_t disp, int64_t delta) {
  const Big den = Big(2) * kRatio * x.d * x.b;
  const Big dl = delta;
  const Big num = dl * x.c * kV * den - x.k * kV * dl * (Big(2) * disp + dl) * x.c * x.c;
  return {num, den};
}

// Sqrt: W * F(X) rounded Down or Up, exact (fill.h, docs/liquidity.md §1.2).
Big sqrt_wf(const Ctx& x, int64_t disp, Rounding r) {
  const Big xc = Big(disp) * x.c;
  const Big wm = xc * kV;  // W * n(X), an integer
  const Big axc = xc < 0 ? Big(-xc) : xc;
  const Big num = Big(4) * x.k * x.k * kV * kV * axc * axc * axc;
  const Big den = Big(9) * kRatio2 * x.d * x.b;
  const bool down = r == Rounding::Down;
  // F = n - S for either sign of n (the impact term is even): Down subtracts ceil(S), Up floor(S).
  return wm - (down ? liq::isqrt_ceil(liq::ceil_div(num, den)) : liq::isqrt(num / den));
}

}  // namespace

SlippageCurve::SlippageCurve(const SlippageParams& p) : p_(p) {
  validate_pair(p.pair);
  if (!p.reference.is_positive()) throw std::invalid_argument("slippage curve: p0 must be > 0");
  if (!p.depth.is_positive()) throw std::invalid_argument("slippage curve: depth must be > 0");
  if (p.k.is_negative()) throw std::invalid_argument("slippage curve: k must be >= 0");
}

void SlippageCurve::set_reference(Price p0) {
  if (!p0.is_positive()) throw std::invalid_argument("slippage curve: p0 must be > 0");
  p_.reference = p0;
}

void SlippageCurve::set_depth(Quantity depth) {
  if (!depth.is_positive()) throw std::invalid_argument("slippage curve: depth must be > 0");
  p_.depth = depth;
  x_ = std::min(x_, cap());
}

int64_t SlippageCurve::cap() const {
  if (p_.k.is_zero()) return std::numeric_limits<int64_t>::max();
  const Ctx x = ctx_of(p_);
  // Linear: k n = D  <=>  k_raw X c = 1e9 D B.   Sqrt: k^2 n = D  <=>  k_raw^2 X c = 1e18 D B.
  const Big lim = p_.shape == ImpactShape::Linear ? Big((kRatio * x.d * x.b) / (x.k * x.c))
                                                  : Big((kRatio2 * x.d * x.b) / (x.k * x.k * x.c));
  return lim > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                   : lim.convert_to<int64_t>();
}

Quantity SlippageCurve::sell_capacity() const {
  const int64_t c = cap();
  // c - x_ in 128 bits: x_ is negative after buys; the displacement itself stays <= c.
  const int128 room = static_cast<int128>(c) - x_;
  return Quantity::from_raw(room <= 0 ? 0 : narrow64(std::min<int128>(room, c), "capacity"));
}

Price SlippageCurve::marginal(Side side) const {
  return Price::from_raw(liq::to_i64(marginal_big(x_, side), "slippage marginal price"));
}

liq::Big SlippageCurve::marginal_big(int64_t disp, Side side) const {
  const Ctx x = ctx_of(p_);
  const Rounding r = side == Side::Sell ? Rounding::Down : Rounding::Up;
  Big price;
  if (p_.shape == ImpactShape::Linear) {
    // p0 - p0 k X c / (1e9 D B); the subtracted term rounds opposite to the price.
    const Big num = x.p0 * x.k * Big(disp) * x.c;
    const Big den = kRatio * x.d * x.b;
    price = x.p0 - liq::div_round(num, den, r == Rounding::Down ? Rounding::Up : Rounding::Down);
  } else {
    // T = p0 k sqrt(|X| c / (B D)) = sqrt(p0^2 k_raw^2 |X| c / (1e18 B D)).
    const Big ax = disp < 0 ? Big(-Big(disp)) : Big(disp);
    const Big num = x.p0 * x.p0 * x.k * x.k * ax * x.c;
    const Big den = kRatio2 * x.b * x.d;
    const Big t_lo = liq::isqrt(num / den);
    const Big t_hi = liq::isqrt_ceil(liq::ceil_div(num, den));
    if (disp >= 0) {
      price = x.p0 - (r == Rounding::Down ? t_hi : t_lo);
    } else {
      price = x.p0 + (r == Rounding::Down ? t_lo : t_hi);
    }
  }
  if (price < 0) price = 0;
  return price;
}

Fill SlippageCurve::trade(Side side, Quantity requested) const {
  if (requested.is_negative()) throw std::invalid_argument("trade size must be >= 0");
  // Buys may take the displacement down to -INT64_MAX.
  const int128 buy_room = static_cast<int128>(x_) + std::numeric_limits<int64_t>::max();
  const int64_t limit = side == Side::Sell
                            ? std::min(requested.raw(), sell_capacity().raw())
                            : narrow64(std::min<int128>(requested.raw(), buy_room), "buy size");
  return liq::largest_fill(limit,
                           [&](int64_t filled) { return try_fill(side, requested, filled); });
}

std::optional<Fill> SlippageCurve::try_fill(Side side, Quantity requested, int64_t filled) const {
  Fill f;
  f.side = side;
  f.requested = requested;
  f.base = Quantity::from_raw(filled);
  const Big after = marginal_big(side == Side::Sell ? x_ + filled : x_ - filled, side);
  if (!liq::fits_i64(after)) return std::nullopt;
  f.marginal_after = Price::from_raw(after.convert_to<int64_t>());
  if (filled == 0) {
    const Big now = marginal_big(x_, side);
    if (!liq::fits_i64(now)) return std::nullopt;
    f.avg_price = Price::from_raw(now.convert_to<int64_t>());
    return f;
  }
  const Ctx x = ctx_of(p_);
  const liq::Scale s = liq::scale_of(p_.pair);
  const Big w = s.b * kV;
  Big wq;  // W * (proceeds or cost), already rounded in the venue's favour
  if (p_.shape == ImpactShape::Linear) {
    if (side == Side::Sell) {
      const auto [num, den] = linear_wg(x, x_, filled);
      wq = liq::floor_div(num, den);
    } else {  // cost = -(F(X - q) - F(X))
      const auto [num, den] = linear_wg(x, x_, -filled);
      wq = liq::ceil_div(-num, den);
    }
  } else if (side == Side::Sell) {
    wq = sqrt_wf(x, x_ + filled, Rounding::Down) - sqrt_wf(x, x_, Rounding::Up);
  } else {
    wq = sqrt_wf(x, x_, Rounding::Up) - sqrt_wf(x, x_ - filled, Rounding::Down);
  }
  const Rounding r = side == Side::Sell ? Rounding::Down : Rounding::Up;
  if (wq < 0) wq = 0;  // a sell never pays to sell (only reachable through rounding at p = 0)
  const Big quote = liq::div_round(wq, w, r);
  // avg (Price raw) = proceeds * B / (q A) = wq / (V q A)
  const Big avg = liq::div_round(wq, kV * Big(filled) * s.a, r);
  if (!liq::fits_i64(quote) || !liq::fits_i64(avg)) return std::nullopt;
  f.quote = Quantity::from_raw(quote.convert_to<int64_t>());
  f.avg_price = Price::from_raw(avg.convert_to<int64_t>());
  return f;
}

Fill SlippageCurve::sell(Quantity base) const {
  return trade(Side::Sell, base);
}
Fill SlippageCurve::buy(Quantity base) const {
  return trade(Side::Buy, base);
}

void SlippageCurve::apply(const Fill& f) {
  if (trade(f.side, f.requested) != f) {
    throw std::invalid_argument("slippage curve: fill was not computed on the current state");
  }
  x_ = f.side == Side::Sell ? x_ + f.base.raw() : x_ - f.base.raw();
}

void SlippageCurve::recover(int64_t dt_seconds, int64_t half_life_seconds) {
  x_ = narrow64(decay_toward_zero(x_, dt_seconds, half_life_seconds), "slippage displacement");
}

}  // namespace backstop
