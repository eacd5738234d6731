// File: liquidity/slippage_curve.h
// Parametric price-impact curve around a reference price p0 (docs/liquidity.md §1).
//
// State: the displacement X = net base quanta sold into the curve since the reference (buys
// negative). n(X) = X's notional at p0 in quote quanta (fill.h). Marginal price at X:
//   Linear:  p(X) = p0 * (1 - k * n(X) / D)
//   Sqrt:    p(X) = p0 * (1 - k * sign(n) * sqrt(|n(X)| / D))
// D = depth in quote quanta, k = impact coefficient (Ratio). Proceeds of a sell of q from X are the
// integral of p over [X, X + q]:  F(X + q) - F(X), with (in quote quanta)
//   Linear:  F(n) = n - k n^2 / (2D)              (average p0 (1 - k n / (2D)) from X = 0)
//   Sqrt:    F(n) = n - (2/3) k |n|^1.5 / sqrt(D)     (average p0 (1 - (2/3) k sqrt(n/D)))
// A buy of q from X costs F(X) - F(X - q). Because the state is the displacement and p0 stays the
// reference, selling a then b equals selling a + b exactly in real arithmetic.
//
// (F(n) = integral of p from 0 to n; the impact term is even, so the same F prices buys.)
// Results that would not fit 64 bits (huge buys) end the fill early: `base` < `requested`.
// Zero-price cap: a sell fills only up to the displacement where the marginal price reaches 0
// (n = D / k linear, n = D / k^2 sqrt); beyond it `base` < `requested`. Buys are not capped.
// Rounding: Linear is exact (one floor / ceil of the exact rational). Sqrt uses exact integer
// square roots; a fill's proceeds are floor(F(X+q)) - ceil(F(X)) at a resolution of 1e-9 quote
// quanta, so a sell from X != 0 may receive one quote quantum less than the exact floor.
// recover(dt, half_life) decays X toward 0 (fill.h). Value type; const methods thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "backstop/liquidity/big.h"
#include "backstop/liquidity/fill.h"

namespace backstop {

enum class ImpactShape : uint8_t { Linear, Sqrt };

struct SlippageParams {
  Pair pair;
  Price reference;  // p0 > 0
  Quantity depth;   // D > 0, quote quanta
  Ratio k;          // >= 0
  ImpactShape shape = ImpactShape::Linear;
};

class SlippageCurve {
 public:
  explicit SlippageCurve(const SlippageParams& p);  // throws std::invalid_argument

  [[nodiscard]] Fill sell(Quantity base) const;
  [[nodiscard]] Fill buy(Quantity base) const;
  // Consumes `f`, which must equal sell/buy(f.requested) on the current state
  // (std::invalid_argument otherwise): moves the displacement by the filled base.
  void apply(const Fill& f);
  void recover(int64_t dt_seconds, int64_t half_life_seconds);

  // Marginal price at the current displacement on `side` (clamped at 0).
  [[nodiscard]] Price marginal(Side side) const;
  // Base quanta a sell can still fill before the zero-price cap.
  [[nodiscard]] Quantity sell_capacity() const;
  [[nodiscard]] Quantity displacement() const { return Quantity::from_raw(x_); }
  // Moves the reference price (e.g. a new oracle price); the displacement is kept.
  void set_reference(Price p0);
  // Changes the depth D (> 0; e.g. liquidity drying up in a simulation). The displacement is
  // kept, clamped to the new zero-price cap (impact saturates at a zero price).
  void set_depth(Quantity depth);
  [[nodiscard]] const SlippageParams& params() const { return p_; }

 private:
  [[nodiscard]] Fill trade(Side side, Quantity requested) const;
  [[nodiscard]] std::optional<Fill> try_fill(Side side, Quantity requested, int64_t filled) const;
  [[nodiscard]] liq::Big marginal_big(int64_t disp, Side side) const;
  [[nodiscard]] int64_t cap() const;  // largest displacement with marginal price >= 0
  SlippageParams p_;
  int64_t x_ = 0;
};

}  // namespace backstop
