#include "backstop/liquidation/dydx.h"

#include <algorithm>

#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {
namespace {

Value nnv(Quantity size, int decimals, Price p) {
  return value_of(size, decimals, p, Rounding::Down);
}
Value mmr(Quantity size, int decimals, Price p, Ratio rate) {
  return apply_ratio(value_of(size.abs(), decimals, p, Rounding::Up), rate, Rounding::Up);
}

}  // namespace

DydxSizeResult dydx_liquidatable_size(const DydxSizeInput& in, const DydxSizeParams& p) {
  DydxSizeResult out;
  if (!valid_decimals(in.base_decimals) || !in.oracle.is_positive() || !in.step.is_positive() ||
      p.max_position_portion_liquidated.is_negative()) {
    return out;
  }
  out.valid = true;
  const Quantity mag = in.position_size.abs();
  if (mag.is_zero()) return out;
  const Value n = value_of(mag, in.base_decimals, in.oracle, Rounding::Up);
  const Value portion = apply_ratio(n, p.max_position_portion_liquidated, Rounding::Down);
  const Value block_left = p.max_notional_liquidated_per_block - in.already_liquidated_this_block;
  out.max_notional =
      std::min(std::max(std::min(p.min_position_notional_liquidated, n), portion), block_left);
  if (!out.max_notional.is_positive()) {
    out.block_cap_exhausted = true;
    out.max_notional = Value{};
    return out;
  }
  const int64_t sign = in.position_size.is_negative() ? 1 : -1;  // delta opposes the position
  if (out.max_notional >= n || mag <= in.step) {
    out.delta = Quantity::from_raw(sign * mag.raw());
    return out;
  }
  const Quantity base = quantity_of(out.max_notional, in.base_decimals, in.oracle, Rounding::Down);
  int64_t b = round_to_step(base.raw(), in.step.raw(), Rounding::Down);
  b = std::clamp(b, in.step.raw(), mag.raw());
  out.delta = Quantity::from_raw(sign * b);
  return out;
}

std::optional<Value> dydx_bankruptcy_quote(const DydxBankruptcyInput& in) {
  if (!valid_decimals(in.base_decimals) || !in.oracle.is_positive() ||
      !in.total_maint_margin.is_positive() || in.maintenance_rate.is_negative()) {
    return std::nullopt;
  }
  const bool opposes = in.delta.is_zero() ||
                       (in.position_size.is_positive() && in.delta.is_negative()) ||
                       (in.position_size.is_negative() && in.delta.is_positive());
  if (!opposes || in.delta.abs() > in.position_size.abs()) return std::nullopt;
  const Quantity after = in.position_size + in.delta;
  const Value dnnv =
      nnv(after, in.base_decimals, in.oracle) - nnv(in.position_size, in.base_decimals, in.oracle);
  const Value dmmr = mmr(after, in.base_decimals, in.oracle, in.maintenance_rate) -
                     mmr(in.position_size, in.base_decimals, in.oracle, in.maintenance_rate);
  const int64_t spread = narrow64(mul_div(in.total_net_collateral.raw(), dmmr.abs().raw(),
                                          in.total_maint_margin.raw(), Rounding::Down));
  return -dnnv - Value::from_raw(spread);
}

std::optional<Price> dydx_fillable_price(const DydxFillableInput& in) {
  if (!valid_decimals(in.base_decimals) || !in.oracle.is_positive() || in.position_size.is_zero() ||
      !in.total_maint_margin.is_positive() || in.bankruptcy_adjustment < ratio_one() ||
      in.spread_to_maint_ratio.is_negative() || in.maintenance_rate.is_negative()) {
    return std::nullopt;
  }
  // ABR = an / ad, clamped to [0, 1].
  Int256 an =
      to256(in.bankruptcy_adjustment.raw()) *
      to256(static_cast<int128>(in.total_maint_margin.raw()) - in.total_net_collateral.raw());
  const Int256 ad = to256(kRatioOne) * to256(in.total_maint_margin.raw());
  if (an < 0) an = 0;
  if (an > ad) an = ad;
  const Value pmmr = mmr(in.position_size, in.base_decimals, in.oracle, in.maintenance_rate);
  // spread (Price raw) = an * SMMR * PMMR * 10^(dec+3) / (ad * 1e9 * PS)
  const Int256 num = an * to256(in.spread_to_maint_ratio.raw()) * to256(pmmr.raw()) *
                     to256(pow10_128(in.base_decimals + kPriceDecimals - kValueDecimals));
  const Int256 den = ad * to256(kRatioOne) * to256(in.position_size.raw());
  const Rounding r = in.position_size.is_positive() ? Rounding::Up : Rounding::Down;
  const Int256 fp = div_round256(to256(in.oracle.raw()) * den - num, den, r);
  return Price::from_raw(narrow64(from256(fp), "fillable price"));
}

Value dydx_insurance_fund_delta(Value quote_received, Value bankruptcy_quote,
                                Ratio max_liquidation_fee) {
  const Value d = quote_received - bankruptcy_quote;
  if (!d.is_positive()) return d;
  const Value cap = apply_ratio(quote_received.abs(), max_liquidation_fee, Rounding::Down);
  return std::min(d, cap);
}

}  // namespace backstop::liquidation
