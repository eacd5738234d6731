#include "backstop/liquidation/split.h"

#include <limits>

namespace backstop::liquidation {

bool TickBudget::fits(Value notional, Value insurance_loss) const {
  if (notional.is_negative() || insurance_loss.is_negative()) return false;
  if (caps_.max_liquidations && count_ >= *caps_.max_liquidations) return false;
  // Sums in 128 bits: a total that would not fit int64 does not fit (try_record never throws).
  const int128 n = static_cast<int128>(notional_.raw()) + notional.raw();
  const int128 l = static_cast<int128>(insurance_loss_.raw()) + insurance_loss.raw();
  const int128 limit = std::numeric_limits<int64_t>::max();
  if (n > (caps_.max_notional ? caps_.max_notional->raw() : limit) || n > limit) return false;
  if (l > (caps_.max_insurance_loss ? caps_.max_insurance_loss->raw() : limit) || l > limit) {
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
