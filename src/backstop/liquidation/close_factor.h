// File: liquidation/close_factor.h
// Aave v3.3 LiquidationLogic.executeLiquidationCall as a pure function: how much debt one call
// repays, how much collateral the liquidator and the treasury receive, whether the account is left
// without collateral (deficit booking), or MUST_NOT_LEAVE_DUST. Source:
// ../shared/reference/lending-protocols.md §1.4 (aave-dao/aave-v3-origin v3.3.0).
//
// Units (ours, not Aave's): amounts are Quantity in the reserve's native quanta (decimals given),
// prices are Price (USD per whole unit, 1e-9), account totals are Value (USD, 1e-6), health
// factor, bonus, fee and close factor are Ratio (1e-9). `bonus` is the multiplier (1.05 = 5 %
// bonus, Aave's 10500 bps); `protocol_fee` is the share OF THE BONUS that goes to the treasury.
//
// Rounding: Aave v3.4+ directional rounding (docs/3.7/liquidation-rounding.md), not v3.3's
// half-up percentMul/percentDiv: base collateral and bonus collateral floor (percentMulFloor), the
// base part of the bonus floor (percentDivFloor, so the bonus part rounds up), the protocol fee
// ceil (percentMulCeil), debtNeeded ceil (percentDivCeil); base-currency conversions floor as in
// Aave. Results differ from Aave by the unit change (1e-9 ratios, 1e-6 USD) and by <= 1 quantum.
//
// Variants are parameters (AaveCloseFactorParams): v3.3 defaults; v3.0-3.2 = 50 % of the
// RESERVE debt when HF > 0.95, no size gate, no dust rule; Compound v2 = fixed 50 % of the
// reserve debt at any HF. Pure functions, thread-safe.
#pragma once

#include <optional>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

struct AaveCloseFactorParams {
  Ratio liquidation_hf_threshold = ratio_one();               // liquidatable iff HF < this (1.0)
  Ratio default_close_factor = Ratio::from_raw(500'000'000);  // 0.5
  // The close factor applies only while HF > this; at or below it 100 % may be liquidated.
  // nullopt: the close factor applies at every HF (Compound v2).
  std::optional<Ratio> close_factor_hf_threshold = Ratio::from_raw(950'000'000);  // 0.95
  // The close factor applies only when BOTH the reserve's debt and the chosen collateral are
  // worth at least this (v3.3: $2,000). Zero: always (v3.0-3.2, Compound v2).
  Value min_base_max_close_factor_threshold = Value::from_raw(2'000'000'000);
  // true (v3.3): the cap is close_factor x the account's TOTAL debt (converted to the reserve);
  // false (v3.0-3.2, Compound v2): close_factor x the reserve's own debt.
  bool close_factor_of_total_debt = true;
  // Dust rule: a partial liquidation must leave >= this of both debt and collateral (v3.3:
  // $1,000). nullopt: no dust rule (v3.0-3.2).
  std::optional<Value> min_leftover_base = Value::from_raw(1'000'000'000);
};

struct AaveLiquidationInput {
  Quantity debt_balance;  // the account's debt in the debt reserve (> 0)
  int debt_decimals = 0;
  Price debt_price;
  Quantity collateral_balance;  // the account's balance of the collateral reserve (> 0)
  int collateral_decimals = 0;
  Price collateral_price;
  Value total_debt;        // the account's total debt, base currency (sum of floors per reserve)
  Value total_collateral;  // the account's total collateral, base currency (same convention)
  Ratio health_factor;
  Ratio bonus;             // multiplier >= 1 (1.05); eMode bonus when it applies
  Ratio protocol_fee;      // share of the bonus collateral, [0, 1]
  Quantity debt_to_cover;  // what the liquidator asks to repay (> 0; "max" = the whole debt)
};

enum class AaveLiquidationError : uint8_t {
  kNone,
  kHealthFactorNotBelowThreshold,  // HEALTH_FACTOR_NOT_BELOW_THRESHOLD
  kNoDebt,                         // SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER
  kNoCollateral,                   // COLLATERAL_CANNOT_BE_LIQUIDATED
  kInvalidAmount,                  // debt_to_cover <= 0
  kInvalidInput,                   // price <= 0, decimals out of range, bonus < 1, fee not in [0,1]
  kMustNotLeaveDust,               // MUST_NOT_LEAVE_DUST
};

struct AaveLiquidationResult {
  AaveLiquidationError error = AaveLiquidationError::kNone;
  Quantity max_liquidatable_debt;     // the close-factor cap, debt quanta
  Quantity debt_repaid;               // actualDebtToLiquidate (debtNeeded), paid by the liquidator
  Quantity collateral_to_liquidator;  // collateral quanta to the liquidator (after the fee)
  Quantity protocol_fee_collateral;   // collateral quanta to the treasury
  Value collateral_liquidated_base;   // floor value of liquidator + fee collateral (before split)
  // v3.3 deficit booking: the liquidated collateral was all the account's collateral
  // (total_collateral == collateral_liquidated_base). Then the whole reserve debt is burned and
  // `deficit` = debt_balance - debt_repaid is booked on the debt reserve (the engine also burns
  // the account's other debts, §1.4 _burnBadDebt).
  bool has_no_collateral_left = false;
  Quantity debt_burned;  // debt_balance when has_no_collateral_left, else debt_repaid
  Quantity deficit;      // debt_burned - debt_repaid
  [[nodiscard]] bool ok() const { return error == AaveLiquidationError::kNone; }
};

// One executeLiquidationCall. On error only `error` (and max_liquidatable_debt once known) is set.
[[nodiscard]] AaveLiquidationResult aave_liquidation(const AaveLiquidationInput& in,
                                                     const AaveCloseFactorParams& p = {});

// The largest debt_to_cover <= in.debt_to_cover that does not revert (like Aave's
// LiquidationDataProvider._adjustAmountsForGoodLeftovers): the requested amount capped by the
// close factor if that passes the dust rule, else the largest smaller amount whose leftovers are
// both >= min_leftover_base (binary search; leftovers shrink monotonically as the amount grows).
// nullopt when no amount is valid (the input errors, or even one quantum leaves dust).
struct AaveValidAmount {
  Quantity debt_to_cover;
  AaveLiquidationResult result;
};
[[nodiscard]] std::optional<AaveValidAmount> aave_max_valid_liquidation(
    const AaveLiquidationInput& in, const AaveCloseFactorParams& p = {});

[[nodiscard]] const char* to_string(AaveLiquidationError e);

}  // namespace backstop::liquidation
