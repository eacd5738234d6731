// File: liquidation/guard.h
// Toxic-spiral guard for fixed-bonus liquidations. Repaying r of debt D and seizing r * m of
// collateral C (m = bonus multiplier, 1.05 for a 5 % bonus) moves LTV = D / C to
// (D - r) / (C - r m). For 0 < r m < C:
//   (D - r) / (C - r m)  >  D / C   <=>  (D - r) C > D (C - r m)  <=>  D m > C  <=>  LTV > 1 / m
// so once LTV >= 1 / m every such liquidation leaves the account at least as levered (strictly
// worse above the threshold, unchanged at it) and repeated liquidations spiral into bad debt.
// Sources: ../shared/reference/lending-protocols.md §1.1 (Aave requires LT * bonus <= 1 so that
// the threshold is never reached while HF >= 1), (e) item 6 (incentive curves).
// Exact: compares D * m with C by cross-multiplication, no division. Values in Value (USD 1e-6),
// m in Ratio (1e-9). Pure, thread-safe.
#pragma once

#include <cstdint>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

enum class LtvEffect : uint8_t {
  kImproves,   // LTV < 1 / m: a liquidation lowers LTV
  kUnchanged,  // LTV == 1 / m exactly
  kWorsens,    // LTV > 1 / m: a liquidation raises LTV (or there is no collateral)
};

// The effect on LTV of any fixed-bonus liquidation of this account. debt >= 0, bonus >= 1.
[[nodiscard]] LtvEffect fixed_bonus_ltv_effect(Value debt, Value collateral, Ratio bonus);

// Toxic: LTV >= 1 / m, i.e. debt * m >= collateral (a liquidation does not improve LTV).
[[nodiscard]] bool is_toxic_liquidation(Value debt, Value collateral, Ratio bonus);

}  // namespace backstop::liquidation
