#include "backstop/liquidation/close_factor.h"

#include <algorithm>

#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {
AaveLiquidationResult aave_liquidation(const AaveLiquidationInput& in,
                                       const AaveCloseFactorParams& p) {
  AaveLiquidationResult out;
  auto fail = [&](AaveLiquidationError e) {
    out.error = e;
    return out;
  };
  if (!valid_decimals(in.debt_decimals) || !valid_decimals(in.collateral_decimals) ||
      !in.debt_price.is_positive() || !in.collateral_price.is_positive() ||
      in.bonus < ratio_one() || in.protocol_fee.is_negative() || in.protocol_fee > ratio_one() ||
      in.total_collateral.is_negative() || in.total_debt.is_negative()) {
    return fail(AaveLiquidationError::kInvalidInput);
  }
  if (!in.debt_to_cover.is_positive()) return fail(AaveLiquidationError::kInvalidAmount);
  if (in.health_factor >= p.liquidation_hf_threshold) {
    return fail(AaveLiquidationError::kHealthFactorNotBelowThreshold);
  }
  if (!in.collateral_balance.is_positive()) return fail(AaveLiquidationError::kNoCollateral);
  if (!in.debt_balance.is_positive()) return fail(AaveLiquidationError::kNoDebt);

  const int64_t debt = in.debt_balance.raw();
  const int64_t coll_balance = in.collateral_balance.raw();
  // §1.4: userReserveDebtBase / userReserveCollBase, floored as Aave does.
  const Value debt_base =
      value_of(in.debt_balance, in.debt_decimals, in.debt_price, Rounding::Down);
  const Value coll_base =
      value_of(in.collateral_balance, in.collateral_decimals, in.collateral_price, Rounding::Down);

  // Close factor.
  int64_t max_debt = debt;
  const bool hf_allows =
      !p.close_factor_hf_threshold.has_value() || in.health_factor > *p.close_factor_hf_threshold;
  if (hf_allows && coll_base >= p.min_base_max_close_factor_threshold &&
      debt_base >= p.min_base_max_close_factor_threshold) {
    if (p.close_factor_of_total_debt) {
      const Value cap = apply_ratio(in.total_debt, p.default_close_factor, Rounding::Down);
      if (debt_base > cap) {
        max_debt = quantity_of(cap, in.debt_decimals, in.debt_price, Rounding::Down).raw();
      }
    } else {
      max_debt = apply_ratio(in.debt_balance, p.default_close_factor, Rounding::Down).raw();
    }
  }
  out.max_liquidatable_debt = Quantity::from_raw(max_debt);
  const int64_t actual = std::min(in.debt_to_cover.raw(), max_debt);

  // _calculateAvailableCollateralToLiquidate.
  const int64_t base_coll = convert(actual, in.debt_decimals, in.debt_price, in.collateral_decimals,
                                    in.collateral_price, Rounding::Down);
  const int64_t max_coll = mul_div64(base_coll, in.bonus.raw(), kRatioOne, Rounding::Down);
  int64_t coll = 0;
  int64_t debt_needed = 0;
  if (max_coll > coll_balance) {
    coll = coll_balance;
    const int64_t coll_in_debt = convert(coll, in.collateral_decimals, in.collateral_price,
                                         in.debt_decimals, in.debt_price, Rounding::Down);
    debt_needed = mul_div64(coll_in_debt, kRatioOne, in.bonus.raw(), Rounding::Up);
  } else {
    coll = max_coll;
    debt_needed = actual;
  }
  out.collateral_liquidated_base = value_of(Quantity::from_raw(coll), in.collateral_decimals,
                                            in.collateral_price, Rounding::Down);
  int64_t fee = 0;
  if (in.protocol_fee.is_positive()) {
    const int64_t bonus_coll = coll - mul_div64(coll, kRatioOne, in.bonus.raw(), Rounding::Down);
    fee = mul_div64(bonus_coll, in.protocol_fee.raw(), kRatioOne, Rounding::Up);
    coll -= fee;
  }

  // Dust rule (v3.3): a partial liquidation leaves >= min_leftover_base of both legs.
  if (p.min_leftover_base.has_value() && debt_needed < debt && coll + fee < coll_balance) {
    const Value debt_left = value_of(Quantity::from_raw(debt - debt_needed), in.debt_decimals,
                                     in.debt_price, Rounding::Down);
    const Value coll_left = value_of(Quantity::from_raw(coll_balance - coll - fee),
                                     in.collateral_decimals, in.collateral_price, Rounding::Down);
    if (debt_left < *p.min_leftover_base || coll_left < *p.min_leftover_base) {
      return fail(AaveLiquidationError::kMustNotLeaveDust);
    }
  }

  out.debt_repaid = Quantity::from_raw(debt_needed);
  out.collateral_to_liquidator = Quantity::from_raw(coll);
  out.protocol_fee_collateral = Quantity::from_raw(fee);
  out.has_no_collateral_left = in.total_collateral == out.collateral_liquidated_base;
  out.debt_burned = out.has_no_collateral_left ? in.debt_balance : out.debt_repaid;
  out.deficit = out.debt_burned - out.debt_repaid;
  return out;
}

std::optional<AaveValidAmount> aave_max_valid_liquidation(const AaveLiquidationInput& in,
                                                          const AaveCloseFactorParams& p) {
  const AaveLiquidationResult first = aave_liquidation(in, p);
  if (first.ok()) return AaveValidAmount{in.debt_to_cover, first};
  if (first.error != AaveLiquidationError::kMustNotLeaveDust) return std::nullopt;
  // Every amount above the cap behaves as the cap; below it, debt repaid and collateral taken
  // are non-decreasing in the amount, so the leftovers only shrink: once the capped amount
  // fails the dust rule, every smaller amount is a partial liquidation and validity is monotone
  // (true ... true false ... false). Find the last true.
  AaveLiquidationInput probe = in;
  auto run = [&](int64_t x) {
    probe.debt_to_cover = Quantity::from_raw(x);
    return aave_liquidation(probe, p);
  };
  const int64_t hi_start = std::min(in.debt_to_cover.raw(), first.max_liquidatable_debt.raw());
  if (!run(1).ok()) return std::nullopt;
  int64_t lo = 1;         // valid
  int64_t hi = hi_start;  // invalid (same as the capped request)
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (run(mid).ok()) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return AaveValidAmount{Quantity::from_raw(lo), run(lo)};
}

const char* to_string(AaveLiquidationError e) {
  switch (e) {
    case AaveLiquidationError::kNone:
      return "none";
    case AaveLiquidationError::kHealthFactorNotBelowThreshold:
      return "HEALTH_FACTOR_NOT_BELOW_THRESHOLD";
    case AaveLiquidationError::kNoDebt:
      return "SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER";
    case AaveLiquidationError::kNoCollateral:
      return "COLLATERAL_CANNOT_BE_LIQUIDATED";
    case AaveLiquidationError::kInvalidAmount:
      return "INVALID_AMOUNT";
    case AaveLiquidationError::kInvalidInput:
      return "invalid input";
    case AaveLiquidationError::kMustNotLeaveDust:
      return "MUST_NOT_LEAVE_DUST";
  }
  return "unknown";
}

}  // namespace backstop::liquidation
