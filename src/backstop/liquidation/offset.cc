#include "backstop/liquidation/offset.h"

#include <algorithm>

#include "backstop/liquidation/wide_math.h"

namespace backstop::liquidation {
std::optional<LiquityOffset> liquity_offset(Quantity debt, Quantity coll, Quantity lusd_in_sp,
                                            const LiquityParams& p) {
  if (!debt.is_positive() || coll.is_negative() || lusd_in_sp.is_negative() ||
      p.percent_divisor <= 0) {
    return std::nullopt;
  }
  LiquityOffset o;
  o.coll_gas_compensation =
      Quantity::from_raw(narrow64(div_round(coll.raw(), p.percent_divisor, Rounding::Down)));
  o.debt_gas_compensation = p.debt_gas_compensation;
  const Quantity coll_to_liquidate = coll - o.coll_gas_compensation;
  if (lusd_in_sp.is_positive()) {
    o.debt_to_offset = std::min(debt, lusd_in_sp);
    o.coll_to_sp = Quantity::from_raw(
        mul_div64(coll_to_liquidate.raw(), o.debt_to_offset.raw(), debt.raw(), Rounding::Down));
  }
  o.debt_to_redistribute = debt - o.debt_to_offset;
  o.coll_to_redistribute = coll_to_liquidate - o.coll_to_sp;
  return o;
}

std::optional<LiquityOffset> liquity_capped_offset(Quantity debt, int debt_decimals, Quantity coll,
                                                   int coll_decimals, Price coll_price, Ratio mcr,
                                                   const LiquityParams& p) {
  if (!debt.is_positive() || coll.is_negative() || !valid_decimals(debt_decimals) ||
      !valid_decimals(coll_decimals) || !coll_price.is_positive() || !mcr.is_positive() ||
      p.percent_divisor <= 0) {
    return std::nullopt;
  }
  // capped = floor(debt * MCR / price) in collateral quanta, one floor as Liquity
  // (debt.mul(MCR).div(price)); the debt token is $1 and MCR, price share the 1e9 scale.
  const int128 den = checked_mul(static_cast<int128>(coll_price.raw()), pow10_128(debt_decimals));
  const Quantity capped = Quantity::from_raw(
      narrow64(mul_mul_div(debt.raw(), mcr.raw(), pow10_128(coll_decimals), den, Rounding::Down),
               "capped coll"));
  if (capped > coll) return std::nullopt;  // ICR < MCR: not the capped case
  LiquityOffset o;
  o.coll_gas_compensation =
      Quantity::from_raw(narrow64(div_round(capped.raw(), p.percent_divisor, Rounding::Down)));
  o.debt_gas_compensation = p.debt_gas_compensation;
  o.debt_to_offset = debt;
  o.coll_to_sp = capped - o.coll_gas_compensation;
  o.coll_surplus = coll - capped;
  return o;
}

Ratio morpho_lif(Ratio lltv, Ratio cursor, Ratio max_lif) {
  // wDivDown(WAD, WAD - wMulDown(cursor, WAD - lltv))
  const int64_t inner = mul_div64(cursor.raw(), kRatioOne - lltv.raw(), kRatioOne, Rounding::Down);
  const int64_t lif = mul_div64(kRatioOne, kRatioOne, kRatioOne - inner, Rounding::Down);
  return std::min(max_lif, Ratio::from_raw(lif));
}

namespace {
bool valid(const MorphoMarket& m) {
  return valid_decimals(m.loan_decimals) && valid_decimals(m.collateral_decimals) &&
         m.loan_price.is_positive() && m.collateral_price.is_positive() && m.lif >= ratio_one();
}
}  // namespace

std::optional<Quantity> morpho_seized_for_repaid(const MorphoMarket& m, Quantity repaid) {
  if (!valid(m) || repaid.is_negative()) return std::nullopt;
  const int64_t with_incentive = mul_div64(repaid.raw(), m.lif.raw(), kRatioOne, Rounding::Down);
  return Quantity::from_raw(convert(with_incentive, m.loan_decimals, m.loan_price,
                                    m.collateral_decimals, m.collateral_price, Rounding::Down));
}

std::optional<Quantity> morpho_repaid_for_seized(const MorphoMarket& m, Quantity seized) {
  if (!valid(m) || seized.is_negative()) return std::nullopt;
  const int64_t in_loan = convert(seized.raw(), m.collateral_decimals, m.collateral_price,
                                  m.loan_decimals, m.loan_price, Rounding::Up);
  return Quantity::from_raw(mul_div64(in_loan, kRatioOne, m.lif.raw(), Rounding::Up));
}

}  // namespace backstop::liquidation
