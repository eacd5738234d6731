#include "backstop/liquidation/partial.h"

#include <algorithm>

#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {
namespace {

bool non_negative(Ratio r) {
  return !r.is_negative();
}
Value notional_up(int64_t base, int decimals, Price p) {
  return value_of(Quantity::from_raw(base), decimals, p, Rounding::Up);
}

}  // namespace

bool enters_liquidation(Value total_collateral, Value maint_requirement) {
  return total_collateral < maint_requirement;
}

Value exit_requirement(Value maint_requirement, Value liability, Ratio buffer_ratio) {
  return maint_requirement + apply_ratio(liability, buffer_ratio, Rounding::Up);
}

bool in_liquidation_after(bool was_in_liquidation, Value total_collateral, Value maint_requirement,
                          Value liability, Ratio buffer_ratio) {
  if (was_in_liquidation) {
    return total_collateral < exit_requirement(maint_requirement, liability, buffer_ratio);
  }
  return enters_liquidation(total_collateral, maint_requirement);
}

std::optional<PartialAfter> partial_after(const PartialInput& in, Quantity base) {
  if (!valid_decimals(in.base_decimals) || !in.mark_price.is_positive() ||
      !non_negative(in.maintenance_rate) || !non_negative(in.liquidator_fee) ||
      !non_negative(in.insurance_fee) || !non_negative(in.buffer_ratio)) {
    return std::nullopt;
  }
  const int64_t mag = in.position_size.abs().raw();
  if (base.is_negative() || base.raw() > mag) return std::nullopt;
  const Value n_before = notional_up(mag, in.base_decimals, in.mark_price);
  const Value n_after = notional_up(mag - base.raw(), in.base_decimals, in.mark_price);
  PartialAfter a;
  a.closed_notional = notional_up(base.raw(), in.base_decimals, in.mark_price);
  a.liquidator_fee = apply_ratio(a.closed_notional, in.liquidator_fee, Rounding::Up);
  a.insurance_fee = apply_ratio(a.closed_notional, in.insurance_fee, Rounding::Up);
  a.collateral = in.total_collateral - a.liquidator_fee - a.insurance_fee;
  a.requirement = in.maint_requirement - apply_ratio(n_before, in.maintenance_rate, Rounding::Up) +
                  apply_ratio(n_after, in.maintenance_rate, Rounding::Up);
  a.buffer = apply_ratio(in.liability - n_before + n_after, in.buffer_ratio, Rounding::Up);
  return a;
}

PartialResult partial_to_buffer(const PartialInput& in) {
  PartialResult out;
  if (!in.step.is_positive()) return out;
  const int64_t mag = in.position_size.abs().raw();
  const int64_t step = in.step.raw();
  const int64_t k_max = narrow64(div_round(mag, step, Rounding::Up));
  auto size_at = [&](int64_t k) { return std::min(narrow64(static_cast<int128>(k) * step), mag); };
  auto after_at = [&](int64_t k) { return partial_after(in, Quantity::from_raw(size_at(k))); };
  const std::optional<PartialAfter> zero = after_at(0);
  if (!zero) return out;
  out.valid = true;
  if (zero->exit_holds()) {
    out.already_satisfied = true;
    out.restores = true;
    out.after = *zero;
    return out;
  }
  const PartialAfter full = *after_at(k_max);
  if (!full.exit_holds()) {
    out.base_to_close = Quantity::from_raw(mag);
    out.after = full;
    return out;
  }
  int64_t lo = 0;      // exit fails
  int64_t hi = k_max;  // exit holds
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (after_at(mid)->exit_holds()) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  out.base_to_close = Quantity::from_raw(size_at(hi));
  out.restores = true;
  out.after = *after_at(hi);
  return out;
}

Value drift_margin_shortage(Value total_collateral, Value maint_requirement, Value liability,
                            Ratio buffer_ratio) {
  const Value s = exit_requirement(maint_requirement, liability, buffer_ratio) - total_collateral;
  return s.is_positive() ? s : Value{};
}

Ratio drift_liquidator_fee(Ratio base_fee, Ratio maint_margin_ratio, uint64_t slots_elapsed,
                           const DriftFeeRamp& ramp) {
  if (slots_elapsed < ramp.grace_slots) return base_fee;
  const int128 ramped = static_cast<int128>(base_fee.raw()) +
                        static_cast<int128>(slots_elapsed) * ramp.increase_per_slot.raw();
  const int128 cap = std::min(static_cast<int128>(base_fee.raw()) * ramp.max_multiple,
                              static_cast<int128>(maint_margin_ratio.raw()));
  return Ratio::from_raw(narrow64(std::min(ramped, cap), "liquidator fee"));
}

Ratio drift_if_fee(Value margin_shortage, Quantity base, int base_decimals, Price price,
                   Ratio margin_ratio_with_buffer, Ratio liquidator_fee, Ratio max_if_fee) {
  if (!valid_decimals(base_decimals) || !price.is_positive() || base.is_zero() ||
      margin_ratio_with_buffer <= liquidator_fee) {
    return Ratio{};
  }
  const Value notional = value_of(base.abs(), base_decimals, price, Rounding::Down);
  if (!notional.is_positive()) return Ratio{};
  const Ratio shortage_ratio =
      ratio_of(std::max<int64_t>(margin_shortage.raw(), 0), notional.raw(), Rounding::Down);
  int64_t implied = margin_ratio_with_buffer.raw() - liquidator_fee.raw();
  implied = std::max<int64_t>(implied - shortage_ratio.raw(), 0);
  implied = narrow64(div_round(static_cast<int128>(implied) * 19, 20, Rounding::Down));
  return Ratio::from_raw(std::min(max_if_fee.raw(), implied));
}

std::optional<Quantity> drift_base_to_cover(Value margin_shortage, int base_decimals, Price price,
                                            Ratio margin_ratio_with_buffer, Ratio liquidator_fee,
                                            Ratio if_fee, Quantity step) {
  if (!valid_decimals(base_decimals) || !price.is_positive() || !step.is_positive()) {
    return std::nullopt;
  }
  const int128 denom =
      static_cast<int128>(margin_ratio_with_buffer.raw()) - liquidator_fee.raw() - if_fee.raw();
  if (denom <= 0) return std::nullopt;
  if (!margin_shortage.is_positive()) return Quantity{};
  const int128 base =
      mul_mul_div(margin_shortage.raw(), pow10_128(base_decimals + kPriceDecimals - kValueDecimals),
                  kRatioOne, checked_mul(static_cast<int128>(price.raw()), denom), Rounding::Up);
  return Quantity::from_raw(round_to_step(narrow64(base), step.raw(), Rounding::Up));
}

std::optional<Quantity> hyperliquid_liquidation_size(
    Quantity position_size, int base_decimals, Price mark, Quantity step,
    std::optional<uint64_t> seconds_since_last_partial, const HyperliquidParams& p) {
  if (!valid_decimals(base_decimals) || !mark.is_positive() || !step.is_positive() ||
      p.chunk_fraction.is_negative() || p.chunk_fraction > ratio_one()) {
    return std::nullopt;
  }
  const Quantity mag = position_size.abs();
  const bool in_cooldown =
      seconds_since_last_partial.has_value() && *seconds_since_last_partial < p.cooldown_seconds;
  const Value notional = value_of(mag, base_decimals, mark, Rounding::Up);
  if (in_cooldown || notional <= p.large_position_notional) return mag;
  const Quantity chunk = apply_ratio(mag, p.chunk_fraction, Rounding::Up);
  return std::min(Quantity::from_raw(round_to_step(chunk.raw(), step.raw(), Rounding::Up)), mag);
}

bool hyperliquid_backstop_triggered(Value equity, Value maint_margin, const HyperliquidParams& p) {
  // equity < num/den * MM  <=>  equity * den < MM * num  (den > 0)
  return compare_ratio(equity.raw(), p.backstop_num, maint_margin.raw(), p.backstop_den) < 0;
}

}  // namespace backstop::liquidation
