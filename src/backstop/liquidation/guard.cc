#include "backstop/liquidation/guard.h"

namespace backstop::liquidation {

LtvEffect fixed_bonus_ltv_effect(Value debt, Value collateral, Ratio bonus) {
  if (!collateral.is_positive()) return LtvEffect::kWorsens;
  // D * m  vs  C * 1  (m has 9 decimals): compare D / 1 with C / m.
  const int c =
      compare_ratio(static_cast<int128>(debt.raw()) * bonus.raw(), kRatioOne, collateral.raw(), 1);
  if (c > 0) return LtvEffect::kWorsens;
  if (c < 0) return LtvEffect::kImproves;
  return LtvEffect::kUnchanged;
}

bool is_toxic_liquidation(Value debt, Value collateral, Ratio bonus) {
  return fixed_bonus_ltv_effect(debt, collateral, bonus) != LtvEffect::kImproves;
}

}  // namespace backstop::liquidation
