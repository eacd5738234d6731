#include "backstop/model/asset.h"

namespace backstop {

Quantity supplied_amount(int64_t scaled, Index supply_index) {
  if (supply_index.raw() == kIndexOne) return Quantity::from_raw(scaled);
  return Quantity::from_raw(mul_div64(scaled, supply_index.raw(), kIndexOne, Rounding::Down));
}

Quantity borrowed_amount(int64_t scaled, Index borrow_index) {
  const int64_t mag = scaled < 0 ? checked_sub(int64_t{0}, scaled, "borrow") : scaled;
  if (borrow_index.raw() == kIndexOne) return Quantity::from_raw(mag);
  return Quantity::from_raw(mul_div64(mag, borrow_index.raw(), kIndexOne, Rounding::Up));
}

Quantity signed_amount(int64_t scaled, Index supply_index, Index borrow_index) {
  if (scaled >= 0) return supplied_amount(scaled, supply_index);
  return -borrowed_amount(scaled, borrow_index);
}

int64_t signed_scaled(Quantity amount, Index supply_index, Index borrow_index) {
  if (amount.raw() >= 0) {
    return mul_div64(amount.raw(), kIndexOne, supply_index.raw(), Rounding::Down);
  }
  return -mul_div64(-amount.raw(), kIndexOne, borrow_index.raw(), Rounding::Up);
}

Quantity total_supply(const AssetState& s) {
  return supplied_amount(s.total_supply_scaled, s.supply_index);
}

Quantity total_borrow(const AssetState& s) {
  return borrowed_amount(s.total_borrow_scaled, s.borrow_index);
}

Ratio utilization(const AssetState& s) {
  const Quantity supply = total_supply(s);
  if (supply.raw() <= 0) return Ratio{};
  return ratio_of(total_borrow(s).raw(), supply.raw(), Rounding::Up);
}

Ratio borrow_rate(const RateModel& m, Ratio u) {
  const int64_t kink = m.optimal_utilization.raw();
  if (u.raw() <= kink) {
    if (kink == 0) return m.base_rate;
    return m.base_rate + Ratio::from_raw(mul_div64(m.slope1.raw(), u.raw(), kink, Rounding::Up));
  }
  const int64_t above = kRatioOne - kink;
  const Ratio steep =
      above == 0 ? Ratio{}
                 : Ratio::from_raw(mul_div64(m.slope2.raw(), u.raw() - kink, above, Rounding::Up));
  return m.base_rate + m.slope1 + steep;
}

Ratio supply_rate(const RateModel& m, Ratio u, Ratio reserve_factor) {
  const Ratio br = borrow_rate(m, u);
  // supply = borrow_rate * U * (1 - reserve_factor), rounded down
  return Ratio::from_raw(
      narrow64(mul_mul_div(br.raw(), u.raw(), kRatioOne - reserve_factor.raw(),
                           static_cast<int128>(kRatioOne) * kRatioOne, Rounding::Down)));
}

}  // namespace backstop
