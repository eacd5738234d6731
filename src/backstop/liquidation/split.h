// File: liquidation/split.h
// Dividing a liquidation penalty (or bonus) between the liquidator, the insurance fund and the
// protocol, exactly; and a per-tick budget for liquidations (dYdX MaxLiquidationAttemptsPerBlock,
// per-subaccount MaxNotionalLiquidated / MaxQuantumsInsuranceLost style). Sources:
// ../shared/reference/perp-venues.md a.1 (per-block caps), a.2 (Drift liquidator + IF fee), (e);
// lending-protocols.md §1.4 (Aave protocol fee out of the bonus), (e) item 1 (loss waterfall).
//
// Rounding of the split: liquidator = floor(total * liquidator_share), insurance fund =
// floor(total * if_share), protocol = the remainder. The parts sum to the total exactly; the
// protocol receives its nominal share plus less than 2 units of rounding, the liquidator and the
// fund never more than their exact shares. Works for any Fixed type (Value, Quantity).
//
// TickBudget is a small value type: not thread-safe to mutate concurrently (one per tick per
// engine); const members are pure.
#pragma once

#include <cstdint>
#include <optional>

#include "backstop/money/fixed.h"

namespace backstop::liquidation {

template <class T>
struct PenaltySplit {
  T liquidator;
  T insurance_fund;
  T protocol;
};

// nullopt when total < 0, a share < 0 or the shares sum above 1.
template <class T>
[[nodiscard]] std::optional<PenaltySplit<T>> split_penalty(T total, Ratio liquidator_share,
                                                           Ratio insurance_share) {
  if (total.is_negative() || liquidator_share.is_negative() || insurance_share.is_negative() ||
      static_cast<int128>(liquidator_share.raw()) + insurance_share.raw() > kRatioOne) {
    return std::nullopt;
  }
  PenaltySplit<T> s;
  s.liquidator =
      T::from_raw(mul_div64(total.raw(), liquidator_share.raw(), kRatioOne, Rounding::Down));
  s.insurance_fund =
      T::from_raw(mul_div64(total.raw(), insurance_share.raw(), kRatioOne, Rounding::Down));
  s.protocol = total - s.liquidator - s.insurance_fund;
  return s;
}

struct TickCaps {
  std::optional<int64_t> max_liquidations;  // count per tick (dYdX default 50)
  std::optional<Value> max_notional;        // notional per tick
  std::optional<Value> max_insurance_loss;  // insurance-fund loss per tick
};

class TickBudget {
 public:
  TickBudget() = default;
  explicit TickBudget(TickCaps caps) : caps_(caps) {}

  // Whether one more liquidation of `notional` (>= 0) costing the fund `insurance_loss` (>= 0)
  // fits every cap (a cap is inclusive: reaching it exactly fits).
  [[nodiscard]] bool fits(Value notional, Value insurance_loss = {}) const;
  // Records the liquidation iff it fits; returns whether it was recorded.
  bool try_record(Value notional, Value insurance_loss = {});
  // Starts a new tick: usage back to zero, caps kept.
  void new_tick();

  [[nodiscard]] int64_t count() const { return count_; }
  [[nodiscard]] Value notional() const { return notional_; }
  [[nodiscard]] Value insurance_loss() const { return insurance_loss_; }
  [[nodiscard]] const TickCaps& caps() const { return caps_; }

 private:
  TickCaps caps_;
  int64_t count_ = 0;
  Value notional_;
  Value insurance_loss_;
};

}  // namespace backstop::liquidation
