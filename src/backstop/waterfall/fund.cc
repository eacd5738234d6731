#include "backstop/waterfall/fund.h"

#include <algorithm>
#include <stdexcept>

namespace backstop {
namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

Quantity clamp0(Quantity q) {
  return q.is_negative() ? Quantity{} : q;
}

// The entry for `market`, or nullptr. Linear and deterministic; a duplicate is an error.
const MarketInsuranceCap* find_cap(const std::vector<MarketInsuranceCap>& caps, MarketId market) {
  const MarketInsuranceCap* found = nullptr;
  for (const MarketInsuranceCap& c : caps) {
    if (c.market != market) continue;
    require(found == nullptr, "insurance fund: market listed twice in market_caps");
    found = &c;
  }
  return found;
}

void check_fund(const InsuranceFund& f) {
  require(!f.balance.is_negative() && !f.min_balance.is_negative() && !f.step_paid.is_negative(),
          "insurance fund: negative balance, minimum or step_paid");
  require(!f.step_cap || !f.step_cap->is_negative(), "insurance fund: negative step cap");
  for (const MarketInsuranceCap& c : f.market_caps) {
    require(!c.max.is_negative() && !c.paid.is_negative(), "insurance fund: negative market cap");
  }
}

}  // namespace

Quantity insurance_available(const InsuranceFund& f, std::optional<MarketId> market) {
  check_fund(f);
  Quantity avail = clamp0(f.balance - f.min_balance);
  if (market) {
    if (const MarketInsuranceCap* c = find_cap(f.market_caps, *market)) {
      avail = std::min(avail, clamp0(c->max - c->paid));
    }
  }
  if (f.step_cap) avail = std::min(avail, clamp0(*f.step_cap - f.step_paid));
  return avail;
}

InsuranceFund pay_from_fund(InsuranceFund f, std::optional<MarketId> market, Quantity amount) {
  require(!amount.is_negative(), "insurance payout: negative amount");
  require(amount <= insurance_available(f, market), "insurance payout: more than available");
  f.balance -= amount;
  f.step_paid += amount;
  if (market) {
    for (MarketInsuranceCap& c : f.market_caps) {
      if (c.market == *market) c.paid += amount;
    }
  }
  return f;
}

InsuranceFund credit_fee(InsuranceFund f, Quantity fee) {
  require(!fee.is_negative(), "insurance fee: negative amount");
  f.balance += fee;
  return f;
}

InsuranceFund start_fund_step(InsuranceFund f) {
  f.step_paid = Quantity{};
  return f;
}

Quantity capped_liquidation_fee(Quantity surplus, Quantity fill_quote, Ratio max_fee_rate) {
  require(!max_fee_rate.is_negative(), "liquidation fee: negative rate");
  if (!surplus.is_positive()) return surplus;
  return std::min(surplus, apply_ratio(fill_quote.abs(), max_fee_rate, Rounding::Down));
}

Quantity slash_available(const StakedTranche& t) {
  require(!t.staked.is_negative() && !t.slashed_in_period.is_negative(),
          "staked tranche: negative amount");
  require(!t.max_slash.is_negative() && t.max_slash <= ratio_one(),
          "staked tranche: max_slash outside [0, 1]");
  require(!t.period_base || !t.period_base->is_negative(), "staked tranche: negative period base");
  const Quantity base = t.period_base.value_or(t.staked);
  const Quantity cap = apply_ratio(base, t.max_slash, Rounding::Down);
  return std::min(t.staked, clamp0(cap - t.slashed_in_period));
}

StakedTranche slash(StakedTranche t, Quantity amount) {
  require(!amount.is_negative(), "slash: negative amount");
  require(amount <= slash_available(t), "slash: more than available");
  if (amount.is_zero()) return t;
  if (!t.period_base) t.period_base = t.staked;
  t.staked -= amount;
  t.slashed_in_period += amount;
  return t;
}

StakedTranche start_slash_period(StakedTranche t) {
  t.slashed_in_period = Quantity{};
  t.period_base.reset();
  return t;
}

}  // namespace backstop
