// File: liquidity/constant_product.h
// Constant-product pool (Uniswap v2, docs/liquidity.md §2): reserves x (base quanta) and y (quote
// quanta), swap fee phi (Ratio, 0 <= phi < 1), gamma = 1 - phi.
//
//   sell dx base:  out = floor( y * dx * gamma / (x + dx * gamma) )        (quote received)
//   buy  dy base:  in  = ceil ( y * dy / ((x - dy) * gamma) )              (quote paid)
//
// derived from (x + gamma dx)(y - out) = x y and (x - dy)(y + gamma in) = x y; the fee stays in
// the pool (reserves become x + dx, y - out). Uniswap v2 `getAmountOut` uses the same floor with
// gamma = 997/1000; its `getAmountIn` adds 1 to the floor, which we replace by an exact ceil (one
// quantum less when the division is exact). Buys fill at most x - 1 (the pool never empties) and
// stop early where the quote reserve or the price would no longer fit 64 bits.
// Marginal price: sell side y * gamma / x, buy side y / (x * gamma) (quote per base, as Price).
// recover(dt, half_life) moves both reserves toward the reference reserves (those at
// construction or set_reference) by the decay of fill.h: it models arbitrage and LP
// replenishment together. Value type; const methods thread-safe.
#pragma once

#include <cstdint>

#include "backstop/liquidity/fill.h"

namespace backstop {

struct PoolParams {
  Pair pair;
  Quantity base_reserve;   // x > 0
  Quantity quote_reserve;  // y > 0
  Ratio fee;               // 0 <= fee < 1
};

class ConstantProduct {
 public:
  explicit ConstantProduct(const PoolParams& p);  // throws std::invalid_argument

  [[nodiscard]] Fill sell(Quantity base) const;
  [[nodiscard]] Fill buy(Quantity base) const;
  void apply(const Fill& f);  // f must equal sell/buy(f.requested) now (std::invalid_argument)
  void recover(int64_t dt_seconds, int64_t half_life_seconds);

  [[nodiscard]] Price marginal(Side side) const;
  [[nodiscard]] Quantity sell_capacity() const;  // INT64_MAX - x: reserves stay 64-bit
  [[nodiscard]] Quantity base_reserve() const { return Quantity::from_raw(x_); }
  [[nodiscard]] Quantity quote_reserve() const { return Quantity::from_raw(y_); }
  // Re-anchors recover() on the current reserves.
  void set_reference() { xr_ = x_, yr_ = y_; }
  [[nodiscard]] const PoolParams& params() const { return p_; }

 private:
  [[nodiscard]] Price marginal_at(int64_t x, int64_t y, Side side) const;
  PoolParams p_;
  int64_t x_;
  int64_t y_;
  int64_t xr_;
  int64_t yr_;
};

}  // namespace backstop
