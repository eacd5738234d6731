// File: liquidation/partial.h
// Partial liquidation to a buffer (Drift / Mango / dYdX family) and the venue-specific pieces of
// Drift v2 (liquidator-fee ramp, IF fee with the 19/20 factor, base to cover) and Hyperliquid
// (20 % chunks above $100k, backstop-vault trigger at equity < 2/3 MM). dYdX's rules are in
// liquidation/dydx.h. Sources: ../shared/reference/perp-venues.md a.2 (Drift), a.3 (Mango
// LiquidationEnd), a.4 (Hyperliquid), (e) (enter / exit / bankrupt thresholds).
//
// Units: Value USD (1e-6), Price USD per whole base unit (1e-9), Quantity base quanta
// (decimals given), Ratio 1e-9. Sizes returned are magnitudes (>= 0); the trade closes them
// against the position's sign.
//
// Model of closing b base quanta at the mark p (partial_to_buffer): the realised PnL was already
// in total collateral, so only fees and requirements move:
//   collateral'  = TC - ceil(n * liquidator_fee) - ceil(n * insurance_fee),  n = ceil(b * p)
//   requirement' = MR - ceil(N * mmr) + ceil(N' * mmr)        N, N' = ceil(|size| * p), after
//   liability'   = L - N + N'                                  (what the buffer ratio applies to)
//   exit holds  <=> collateral' >= requirement' + ceil(liability' * buffer)
// Fees and requirements round Up, as everything the account owes (docs/rounding-policy.md). MR
// must contain this position's requirement computed the same way (ceil(N * mmr)).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

// ---- enter / exit thresholds (hysteresis) --------------------------------------------------
// Enter: total collateral < maintenance requirement.
[[nodiscard]] bool enters_liquidation(Value total_collateral, Value maint_requirement);
// Exit requirement: MR + ceil(liability * buffer_ratio).
[[nodiscard]] Value exit_requirement(Value maint_requirement, Value liability, Ratio buffer_ratio);
// A flagged account stays in liquidation until collateral >= exit_requirement; an unflagged one
// enters only below MR.
[[nodiscard]] bool in_liquidation_after(bool was_in_liquidation, Value total_collateral,
                                        Value maint_requirement, Value liability,
                                        Ratio buffer_ratio);

// ---- generic partial liquidation to a buffer ----------------------------------------------
struct PartialInput {
  Value total_collateral;   // TC, at the mark, incl. this position's PnL
  Value maint_requirement;  // MR, incl. ceil(N * maintenance_rate) for this position
  Value liability;          // L for the buffer, incl. this position's notional N
  Quantity position_size;   // signed base quanta
  int base_decimals = 0;
  Price mark_price;        // > 0
  Ratio maintenance_rate;  // this position's maintenance margin ratio
  Ratio liquidator_fee;    // share of closed notional paid by the account to the liquidator
  Ratio insurance_fee;     // share of closed notional paid by the account to the IF
  Ratio buffer_ratio;      // exit buffer (Drift 0.02)
  Quantity step;           // order step, > 0
};
struct PartialAfter {
  Value closed_notional;
  Value liquidator_fee;
  Value insurance_fee;
  Value collateral;
  Value requirement;
  Value buffer;  // ceil(liability' * buffer_ratio)
  [[nodiscard]] bool exit_holds() const { return collateral >= requirement + buffer; }
};
// The state after closing `base` (0 <= base <= |size|). nullopt on invalid input.
[[nodiscard]] std::optional<PartialAfter> partial_after(const PartialInput& in, Quantity base);

struct PartialResult {
  bool valid = false;              // false: invalid input (price <= 0, step <= 0, base > size ...)
  Quantity base_to_close;          // magnitude, a multiple of step or the whole position
  bool already_satisfied = false;  // exit already holds: nothing to close
  bool restores = false;           // exit holds after closing base_to_close
  PartialAfter after;
};
// The least multiple of `step` (clamped to |size|) whose close restores collateral >=
// requirement + buffer; the whole position when even that does not (restores = false). The
// result b satisfies exit(b) and, when b > 0, not exit(b - step) (bisection keeps that pair).
[[nodiscard]] PartialResult partial_to_buffer(const PartialInput& in);

// ---- Drift v2 (perp-venues.md a.2) ----------------------------------------------------------
// margin_shortage = max(0, MR + ceil(L * buffer) - TC).
[[nodiscard]] Value drift_margin_shortage(Value total_collateral, Value maint_requirement,
                                          Value liability, Ratio buffer_ratio);

struct DriftFeeRamp {
  uint64_t grace_slots = 1'500;                      // LIQUIDATION_FEE_ADJUST_GRACE_PERIOD_SLOTS
  Ratio increase_per_slot = Ratio::from_raw(1'000);  // 1e-6 per slot
  int64_t max_multiple = 3;                          // cap min(3 x base, maint ratio)
};
// get_liquidation_fee: base during the grace period, then base + slots * increase, capped at
// min(max_multiple * base, maint_margin_ratio).
[[nodiscard]] Ratio drift_liquidator_fee(Ratio base_fee, Ratio maint_margin_ratio,
                                         uint64_t slots_elapsed, const DriftFeeRamp& ramp = {});

// calculate_perp_if_fee: implied = (mr_buf - liq_fee - shortage / (|base| * price)) * 19 / 20,
// each subtraction saturating at 0, result min(max_if_fee, implied); 0 when mr_buf <= liq_fee or
// base / price is zero. Rounding as Drift's integer code: notional Down, shortage/notional Down,
// * 19 / 20 Down.
[[nodiscard]] Ratio drift_if_fee(Value margin_shortage, Quantity base, int base_decimals,
                                 Price price, Ratio margin_ratio_with_buffer, Ratio liquidator_fee,
                                 Ratio max_if_fee);

// base = shortage / (price * (mr_buf - liq_fee - if_fee)), rounded Up to `step`. nullopt when
// the denominator is <= 0 (closing never reduces the shortage) or the input is invalid.
[[nodiscard]] std::optional<Quantity> drift_base_to_cover(Value margin_shortage, int base_decimals,
                                                          Price price,
                                                          Ratio margin_ratio_with_buffer,
                                                          Ratio liquidator_fee, Ratio if_fee,
                                                          Quantity step);

// ---- Hyperliquid (perp-venues.md a.4) -------------------------------------------------------
struct HyperliquidParams {
  Value large_position_notional = Value::from_raw(100'000'000'000);  // $100k
  Ratio chunk_fraction = Ratio::from_raw(200'000'000);               // 20 %
  uint64_t cooldown_seconds = 30;
  int64_t backstop_num = 2;  // backstop when equity < num/den * MM
  int64_t backstop_den = 3;
};
// Size of the next book liquidation order: the whole position unless its notional (Up) is above
// large_position_notional and no partial liquidation happened within the cooldown, in which case
// ceil(|size| * chunk_fraction) rounded Up to step (clamped to |size|). nullopt on bad input.
[[nodiscard]] std::optional<Quantity> hyperliquid_liquidation_size(
    Quantity position_size, int base_decimals, Price mark, Quantity step,
    std::optional<uint64_t> seconds_since_last_partial, const HyperliquidParams& p = {});
// Backstop (liquidator vault takes over): equity * den < num * MM, exactly (2/3 by default).
[[nodiscard]] bool hyperliquid_backstop_triggered(Value equity, Value maint_margin,
                                                  const HyperliquidParams& p = {});

}  // namespace backstop::liquidation
