// File: liquidation/dydx.h
// dYdX v4 liquidation arithmetic: the position size one liquidation may close
// (GetLiquidatablePositionSizeDelta), the bankruptcy price (GetBankruptcyPriceInQuoteQuantums),
// the fillable price (GetFillablePrice) and the insurance-fund delta
// (GetLiquidationInsuranceFundDelta). Source: ../shared/reference/perp-venues.md a.1
// (dydxprotocol/v4-chain protocol/x/clob/keeper/liquidations.go @ 84d4664b).
//
// Units: Value USD (1e-6; dYdX quote quantums are also 1e-6 USDC), Price USD per whole base unit
// (1e-9), Quantity base quanta (decimals given), Ratio 1e-9 (dYdX ppm are exact in it).
// Rounding: notional and MMR Up (MMR = ceil(ceil-notional * rate), our single-step version of
// dYdX's two ceilings), net notional Down; the bankruptcy spread floor (Euclidean division, so the
// bankruptcy quote rounds toward +inf as dYdX); the fillable price Up for a long (the closing
// order sells) and Down for a short (it buys), like dYdX's subtick conversion; the IF fee cap Down.
// Pure functions, thread-safe.
#pragma once

#include <optional>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

struct DydxSizeParams {
  Value min_position_notional_liquidated = Value::from_raw(1'000'000'000);         // $1,000
  Ratio max_position_portion_liquidated = ratio_one();                             // ppm -> ratio
  Value max_notional_liquidated_per_block = Value::from_raw(100'000'000'000'000);  // per subaccount
};
struct DydxSizeInput {
  Quantity position_size;  // signed
  int base_decimals = 0;
  Price oracle;
  Quantity step;                        // StepBaseQuantums, > 0
  Value already_liquidated_this_block;  // this subaccount's liquidated notional in this block
};
struct DydxSizeResult {
  bool valid = false;
  Quantity delta;      // signed, opposite to the position (0: nothing may be liquidated)
  Value max_notional;  // the notional bound that decided it
  bool block_cap_exhausted = false;
};
// max_notional = min( max(min(MinPositionNotionalLiquidated, |N|), floor(|N| * portion)),
//                     per-block cap - already liquidated );
// whole position when max_notional >= |N| or |size| <= step; else the base worth max_notional
// (floor), rounded Down to step and clamped to [step, |size|]; 0 when the block cap is used up.
[[nodiscard]] DydxSizeResult dydx_liquidatable_size(const DydxSizeInput& in,
                                                    const DydxSizeParams& p = {});

struct DydxBankruptcyInput {
  Quantity position_size;  // PS, signed
  Quantity delta;          // closing delta: opposite sign to PS, |delta| <= |PS|
  int base_decimals = 0;
  Price oracle;
  Ratio maintenance_rate;
  Value total_net_collateral;  // TNC of the subaccount
  Value total_maint_margin;    // TMMR of the subaccount (> 0)
};
// Quote the account must receive for closing `delta` (negative: it must pay) so that its
// TNC / TMMR is unchanged: -(NNV(PS+d) - NNV(PS)) - floor(TNC * |MMR(PS+d) - MMR(PS)| / TMMR).
// nullopt on invalid input.
[[nodiscard]] std::optional<Value> dydx_bankruptcy_quote(const DydxBankruptcyInput& in);

struct DydxFillableInput {
  Quantity position_size;  // PS, signed, != 0
  int base_decimals = 0;
  Price oracle;
  Ratio maintenance_rate;       // for PMMR = ceil(|N| * rate)
  Value total_net_collateral;   // TNC
  Value total_maint_margin;     // TMMR (> 0)
  Ratio bankruptcy_adjustment;  // BA >= 1 (BankruptcyAdjustmentPpm)
  Ratio spread_to_maint_ratio;  // SMMR (SpreadToMaintenanceMarginRatioPpm)
};
// FP = (PNNV - ABR * SMMR * PMMR) / PS with ABR = clamp(BA * (1 - TNC/TMMR), 0, 1); since
// PNNV / PS is the oracle exactly, FP = oracle - ABR * SMMR * PMMR / PS, computed exactly and
// rounded once. nullopt on invalid input.
[[nodiscard]] std::optional<Price> dydx_fillable_price(const DydxFillableInput& in);

// IF delta for one fill: d = quote_received - bankruptcy_quote; d <= 0: the fund pays -d
// (returns d); else the fund receives min(d, floor(|quote_received| * max_liquidation_fee)).
[[nodiscard]] Value dydx_insurance_fund_delta(Value quote_received, Value bankruptcy_quote,
                                              Ratio max_liquidation_fee);

}  // namespace backstop::liquidation
