// File: liquidity/liquidity.h
// One value type over the three liquidity models (slippage curve, constant-product pool, depth
// ladder) plus the sizing helpers the liquidation engine needs. Units and rounding: fill.h;
// formulas and sources: docs/liquidity.md.
//
// Typical use by a liquidation step:
//   Fill f = venue.sell(seized);            // quote received rounded down, may be partial
//   venue.apply(f);                         // consume the liquidity
//   ... later: venue.recover(dt, half_life) // impact decays toward the reference state
//
// The helpers binary-search sell() (monotone: proceeds non-decreasing, average and marginal price
// non-increasing in size), so they agree exactly with what sell() returns. Value type; const
// methods are thread-safe; apply/recover mutate.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "backstop/liquidity/constant_product.h"
#include "backstop/liquidity/depth_ladder.h"
#include "backstop/liquidity/fill.h"
#include "backstop/liquidity/slippage_curve.h"

namespace backstop {

class LiquidityModel {
 public:
  using Variant = std::variant<SlippageCurve, ConstantProduct, DepthLadder>;

  // NOLINTNEXTLINE(google-explicit-constructor): a model is a LiquidityModel
  LiquidityModel(SlippageCurve m) : m_(std::move(m)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  LiquidityModel(ConstantProduct m) : m_(std::move(m)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  LiquidityModel(DepthLadder m) : m_(std::move(m)) {}

  // Sell / buy `base` quanta (>= 0) against the current state; does not change it.
  [[nodiscard]] Fill sell(Quantity base) const;
  [[nodiscard]] Fill buy(Quantity base) const;
  // Consumes a fill computed on the current state (std::invalid_argument otherwise).
  void apply(const Fill& f);
  // A slippage curve moves its reference to `p` (its displacement is kept); pools and ladders
  // keep their own prices. Non-positive prices are ignored.
  void follow_price(Price p);
  // Slippage curves: sets the depth D (SlippageCurve::set_depth) and returns true; pools and
  // ladders are unchanged (false).
  bool set_curve_depth(Quantity depth);
  // Decays the impact of past fills toward the reference state (fill.h).
  void recover(int64_t dt_seconds, int64_t half_life_seconds);

  // Price of the next quantum on `side` (nullopt: no liquidity on that side).
  [[nodiscard]] std::optional<Price> marginal(Side side) const;
  // Most base quanta a sell can fill now.
  [[nodiscard]] Quantity sell_capacity() const;

  // Largest size whose average sell price is >= limit (0 if even the first quantum is below).
  [[nodiscard]] Quantity max_sell_at_average(Price limit) const;
  // Largest size after which the marginal sell price is still >= floor (0 if none).
  [[nodiscard]] Quantity max_sell_at_marginal(Price floor) const;
  // Smallest size whose proceeds are >= quote (nullopt when the whole capacity is not enough).
  [[nodiscard]] std::optional<Quantity> min_sell_for_proceeds(Quantity quote) const;

  [[nodiscard]] const Variant& model() const { return m_; }

 private:
  [[nodiscard]] int64_t fillable_sell() const;  // base of a sell at the whole capacity
  Variant m_;
};

}  // namespace backstop
