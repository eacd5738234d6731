#include "backstop/liquidation/absorb.h"

#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {
namespace {

bool unit_interval(Ratio r) {
  return !r.is_negative() && r <= ratio_one();
}
bool valid(const CometAccount& a, std::span<const CometCollateral> coll) {
  if (!valid_decimals(a.base_decimals) || !a.base_price.is_positive()) return false;
  for (const CometCollateral& c : coll) {
    if (!valid_decimals(c.decimals) || !c.price.is_positive() || c.balance.is_negative() ||
        !unit_interval(c.liquidate_collateral_factor) || !unit_interval(c.liquidation_factor)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Value comet_liquidation_liquidity(const CometAccount& a, std::span<const CometCollateral> coll) {
  Value liquidity = value_of(a.base_balance, a.base_decimals, a.base_price, Rounding::Down);
  for (const CometCollateral& c : coll) {
    const Value v = value_of(c.balance, c.decimals, c.price, Rounding::Down);
    liquidity += apply_ratio(v, c.liquidate_collateral_factor, Rounding::Down);
  }
  return liquidity;
}

CometAbsorbResult comet_absorb(const CometAccount& a, std::span<const CometCollateral> coll) {
  CometAbsorbResult out;
  if (!valid(a, coll)) {
    out.error = CometError::kInvalidInput;
    return out;
  }
  if (!comet_liquidation_liquidity(a, coll).is_negative()) {
    out.error = CometError::kNotLiquidatable;
    return out;
  }
  for (const CometCollateral& c : coll) {
    const Value v = value_of(c.balance, c.decimals, c.price, Rounding::Down);
    out.collateral_market_value += v;
    out.delta_value += apply_ratio(v, c.liquidation_factor, Rounding::Down);
  }
  out.delta_balance = quantity_of(out.delta_value, a.base_decimals, a.base_price, Rounding::Down);
  const Quantity sum = a.base_balance + out.delta_balance;
  out.new_balance = sum.is_negative() ? Quantity{} : sum;
  out.debt_absorbed_by_reserves = sum.is_negative() ? -sum : Quantity{};
  out.base_paid_out = out.new_balance - a.base_balance;
  out.value_of_base_paid_out =
      value_of(out.base_paid_out, a.base_decimals, a.base_price, Rounding::Down);
  return out;
}

std::optional<Quantity> comet_quote_collateral(const CometQuoteInput& q) {
  if (!valid_decimals(q.base_decimals) || !valid_decimals(q.asset_decimals) ||
      !q.base_price.is_positive() || !q.asset_price.is_positive() ||
      !unit_interval(q.liquidation_factor) || !unit_interval(q.store_front_price_factor) ||
      q.base_amount.is_negative()) {
    return std::nullopt;
  }
  // discountFactor = mulFactor(storeFrontPriceFactor, 1 - LF)
  const int64_t discount =
      mul_div64(q.store_front_price_factor.raw(), kRatioOne - q.liquidation_factor.raw(), kRatioOne,
                Rounding::Down);
  // assetPriceDiscounted = mulFactor(assetPrice, 1 - discountFactor)
  const int64_t discounted =
      mul_div64(q.asset_price.raw(), kRatioOne - discount, kRatioOne, Rounding::Down);
  if (discounted <= 0) return std::nullopt;
  // basePrice * baseAmount * assetScale / assetPriceDiscounted / baseScale (two floors = one)
  const int128 den = checked_mul(static_cast<int128>(discounted), pow10_128(q.base_decimals));
  return Quantity::from_raw(narrow64(mul_mul_div(q.base_price.raw(), q.base_amount.raw(),
                                                 pow10_128(q.asset_decimals), den, Rounding::Down),
                                     "quote_collateral"));
}

CometBuyResult comet_buy_collateral(const CometBuyInput& b) {
  CometBuyResult out;
  if (!b.reserves.is_negative() && b.reserves >= b.target_reserves) {
    out.error = CometError::kNotForSale;
    return out;
  }
  const std::optional<Quantity> q = comet_quote_collateral(b.quote);
  if (!q) {
    out.error = CometError::kInvalidInput;
    return out;
  }
  if (*q < b.min_amount) {
    out.error = CometError::kTooMuchSlippage;
    return out;
  }
  if (*q > b.collateral_reserves) {
    out.error = CometError::kInsufficientReserves;
    return out;
  }
  out.collateral_out = *q;
  return out;
}

}  // namespace backstop::liquidation
