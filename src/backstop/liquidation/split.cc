#include "backstop/liquidation/split.h"

namespace backstop::liquidation {

bool TickBudget::fits(Value notional, Value insurance_loss) const {
  if (notional.is_negative() || insurance_loss.is_negative()) return false;
  if (caps_.max_liquidations && count_ >= *caps_.max_liquidations) return false;
  // Compare in 128 bits: a sum near INT64_MAX must not throw, it just does not fit.
  if (caps_.max_notional && static_cast<int128>(notional_.raw()) + notional.raw() >
                                caps_.max_notional->raw()) {
    return false;
  }
  if (caps_.max_insurance_loss && static_cast<int128>(insurance_loss_.raw()) +
                                          insurance_loss.raw() >
                                      caps_.max_insurance_loss->raw()) {
    return false;
  }
  return true;
}

bool TickBudget::try_record(Value notional, Value insurance_loss) {
  if (!fits(notional, insurance_loss)) return false;
  ++count_;
  notional_ += notional;
  insurance_loss_ += insurance_loss;
  return true;
}

void TickBudget::new_tick() {
  count_ = 0;
  notional_ = Value{};
  insurance_loss_ = Value{};
}

}  // namespace backstop::liquidation
