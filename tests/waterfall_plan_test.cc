// Loss waterfall plan and its funded layers (insurance fund, staked tranche): vectors derived by
// hand from ../shared/reference/perp-venues.md a.1 (dYdX insurance-fund delta, per-block caps),
// a.2 (Drift resolve_perp_bankruptcy: vault - 1, quote_max_insurance - quote_settled_insurance),
// lending-protocols.md §1.5 (Safety Module max slash 30%) and §3 (Maker flop: recap debt), and
// property tests of the plan's invariants on random resources and layer orders.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "backstop/waterfall/plan.h"
#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

Quantity usdc(const std::string& s) {
  return qty(s, 6);
}

// Drift-style fund: 1,000 USDC, keeps 1 quantum; market 0 capped at 500 with 200 already paid.
InsuranceFund drift_fund() {
  InsuranceFund f;
  f.balance = usdc("1000");
  f.min_balance = Quantity::from_raw(1);
  f.market_caps = {{0, usdc("500"), usdc("200")}};
  return f;
}

TEST(WaterfallFund, AvailableHandDerived) {
  const InsuranceFund f = drift_fund();
  // perp-venues.md a.2: min(|loss|, vault - 1, max - settled) = min(., 999.999999, 300) = 300
  EXPECT_EQ(insurance_available(f, MarketId{0}), usdc("300"));
  // market 1 has no cap entry: vault - 1 = 999.999999
  EXPECT_EQ(insurance_available(f, MarketId{1}), usdc("999.999999"));
  EXPECT_EQ(insurance_available(f, std::nullopt), usdc("999.999999"));
  // dYdX per-block cap (a.1): step cap 250, 100 already lost this block -> 150
  InsuranceFund g = f;
  g.step_cap = usdc("250");
  g.step_paid = usdc("100");
  EXPECT_EQ(insurance_available(g, MarketId{1}), usdc("150"));
  EXPECT_EQ(insurance_available(start_fund_step(g), MarketId{1}), usdc("250"));
  // Drift speculative tier: cap 0 -> nothing
  g.market_caps = {{2, Quantity{}, Quantity{}}};
  EXPECT_EQ(insurance_available(g, MarketId{2}), Quantity{});
  // a fund at its minimum pays nothing
  InsuranceFund h;
  h.balance = Quantity::from_raw(1);
  h.min_balance = Quantity::from_raw(1);
  EXPECT_EQ(insurance_available(h, std::nullopt), Quantity{});
}

TEST(WaterfallFund, PayoutAndFees) {
  InsuranceFund f = pay_from_fund(drift_fund(), MarketId{0}, usdc("120"));
  EXPECT_EQ(f.balance, usdc("880"));
  EXPECT_EQ(f.market_caps[0].paid, usdc("320"));  // 200 + 120
  EXPECT_EQ(insurance_available(f, MarketId{0}), usdc("180"));
  EXPECT_THROW((void)pay_from_fund(f, MarketId{0}, usdc("180.000001")), std::invalid_argument);
  f = credit_fee(f, usdc("20"));
  EXPECT_EQ(f.balance, usdc("900"));
  // dYdX GetLiquidationInsuranceFundDelta (a.1), MaxLiquidationFeePpm 5,000 = 0.5%:
  // fill quote -50,000 (a sell): cap = 50,000 * 0.005 = 250
  EXPECT_EQ(capped_liquidation_fee(usdc("100"), -usdc("50000"), rt("0.005")), usdc("100"));
  EXPECT_EQ(capped_liquidation_fee(usdc("300"), -usdc("50000"), rt("0.005")), usdc("250"));
  // 3,333.333333 * 0.005 = 16.666666665 -> floor 16.666666
  EXPECT_EQ(capped_liquidation_fee(usdc("20"), usdc("3333.333333"), rt("0.005")),
            usdc("16.666666"));
  // a shortfall is returned as is (the fund pays it)
  EXPECT_EQ(capped_liquidation_fee(-usdc("40"), usdc("1000"), rt("0.005")), -usdc("40"));
}

TEST(WaterfallFund, SlashPeriodHandDerived) {
  // Aave Safety Module: max slash 30% (lending-protocols.md §1.5)
  StakedTranche t;
  t.staked = usdc("1000");
  t.max_slash = rt("0.3");
  EXPECT_EQ(slash_available(t), usdc("300"));
  t = slash(t, usdc("200"));
  EXPECT_EQ(t.staked, usdc("800"));
  ASSERT_TRUE(t.period_base.has_value());
  EXPECT_EQ(*t.period_base, usdc("1000"));
  // 0.3 * 1,000 (period base, not 800) - 200 = 100; compounding would have given 0.3 * 800 = 240
  EXPECT_EQ(slash_available(t), usdc("100"));
  t.staked += usdc("500");  // new stake does not raise this period's cap
  EXPECT_EQ(slash_available(t), usdc("100"));
  EXPECT_THROW((void)slash(t, usdc("100.000001")), std::invalid_argument);
  t = start_slash_period(t);
  EXPECT_EQ(slash_available(t), usdc("390"));  // 0.3 * 1,300
  // floor: 0.3 * 0.000001 -> 0
  StakedTranche dust;
  dust.staked = Quantity::from_raw(3);
  dust.max_slash = rt("0.3");
  EXPECT_EQ(slash_available(dust), Quantity{});  // floor(0.9)
}

TEST(WaterfallPlan, FundThenStakersHandDerived) {
  WaterfallResources r;
  r.fund = drift_fund();
  r.stake.staked = usdc("1000");
  r.stake.max_slash = rt("0.3");
  r.mutualization_limit = std::nullopt;  // unlimited
  // deficit 450 USDC on market 0: fund min(450, 999.999999, 300) = 300; stakers min(150, 300)
  const Deficit d{usdc("450"), usd("450"), MarketId{0}};
  const WaterfallPlan p = plan_waterfall(d, r);
  ASSERT_EQ(p.steps.size(), 2U);
  EXPECT_EQ(p.steps[0].layer, Layer::InsuranceFund);
  EXPECT_EQ(p.steps[0].amount, usdc("300"));
  EXPECT_EQ(p.steps[0].value, usd("300"));
  EXPECT_EQ(p.steps[1].layer, Layer::StakedTranche);
  EXPECT_EQ(p.steps[1].amount, usdc("150"));
  EXPECT_EQ(p.steps[1].value, usd("150"));
  EXPECT_EQ(p.left, Quantity{});
  const WaterfallResources after = apply_plan(r, d, p);
  EXPECT_EQ(after.fund.balance, usdc("700"));
  EXPECT_EQ(after.fund.market_caps[0].paid, usdc("500"));
  EXPECT_EQ(after.stake.staked, usdc("850"));
  EXPECT_EQ(insurance_available(after.fund, MarketId{0}), Quantity{});
}

TEST(WaterfallPlan, RecapDebtTakesTheRestAndValuesSplitExactly) {
  WaterfallResources r;
  r.fund.balance = Quantity::from_raw(5);
  r.fund.min_balance = Quantity::from_raw(1);  // 4 available
  r.mutualization_limit = Quantity{};          // OI = 0: cannot socialise
  r.adl_limit = Quantity::from_raw(3);
  // deficit 10 quanta worth 7 micro-dollars. Cumulative floors of 7 * C / 10:
  // IF 4 -> floor(2.8) = 2; ADL 7 -> floor(4.9) = 4 (step 2); recap 10 -> 7 (step 3)
  const Deficit d{Quantity::from_raw(10), Value::from_raw(7), std::nullopt};
  const WaterfallPlan p = plan_waterfall(d, r);
  ASSERT_EQ(p.steps.size(), 3U);
  EXPECT_EQ(p.steps[0].layer, Layer::InsuranceFund);
  EXPECT_EQ(p.steps[0].amount.raw(), 4);
  EXPECT_EQ(p.steps[0].value.raw(), 2);
  EXPECT_EQ(p.steps[1].layer, Layer::Adl);
  EXPECT_EQ(p.steps[1].amount.raw(), 3);
  EXPECT_EQ(p.steps[1].value.raw(), 2);
  EXPECT_EQ(p.steps[2].layer, Layer::RecapDebt);
  EXPECT_EQ(p.steps[2].amount.raw(), 3);
  EXPECT_EQ(p.steps[2].value.raw(), 3);
  EXPECT_EQ(p.left, Quantity{});
  EXPECT_EQ(apply_plan(r, d, p).fund.balance.raw(), 1);  // the minimum stays
}

TEST(WaterfallPlan, WithoutRecapDebtSomethingIsLeft) {
  WaterfallResources r;
  r.fund.balance = usdc("1000000");
  r.fund.step_cap = Quantity::from_raw(30);
  r.fund.step_paid = Quantity::from_raw(10);  // 20 left this step
  r.mutualization_limit = Quantity::from_raw(5);
  const std::vector<Layer> order = {Layer::Mutualization, Layer::InsuranceFund};
  // 100 quanta worth $1: mutualization 5 -> floor(1e6 * 5/100) = 50,000; IF 20 -> 250,000 - 50,000
  const Deficit d{Quantity::from_raw(100), usd("1"), std::nullopt};
  const WaterfallPlan p = plan_waterfall(d, r, order);
  ASSERT_EQ(p.steps.size(), 2U);
  EXPECT_EQ(p.steps[0].layer, Layer::Mutualization);
  EXPECT_EQ(p.steps[0].value, usd("0.05"));
  EXPECT_EQ(p.steps[1].layer, Layer::InsuranceFund);
  EXPECT_EQ(p.steps[1].amount.raw(), 20);
  EXPECT_EQ(p.steps[1].value, usd("0.2"));
  EXPECT_EQ(p.left.raw(), 75);
  EXPECT_EQ(p.left_value, usd("0.75"));
}

TEST(WaterfallPlan, RejectsBadInput) {
  WaterfallResources r;
  const std::vector<Layer> twice = {Layer::Adl, Layer::Adl};
  EXPECT_THROW((void)plan_waterfall({Quantity::from_raw(1), Value{}, std::nullopt}, r, twice),
               std::invalid_argument);
  EXPECT_THROW((void)plan_waterfall({Quantity::from_raw(-1), Value{}, std::nullopt}, r),
               std::invalid_argument);
  EXPECT_THROW((void)plan_waterfall({Quantity{}, usd("1"), std::nullopt}, r),
               std::invalid_argument);
  r.fund.market_caps = {{1, Quantity{}, Quantity{}}, {1, Quantity{}, Quantity{}}};
  EXPECT_THROW((void)plan_waterfall({Quantity::from_raw(1), Value{}, MarketId{1}}, r),
               std::invalid_argument);
}

// Random resources, random subset and order of layers, random deficit.
TEST(WaterfallPlanProperty, OrderCapsAndSums) {
  std::mt19937_64 rng(20261124);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int iter = 0; iter < 4000; ++iter) {
    const int64_t scale = pick(0, 1) == 0 ? 1000 : int64_t{1'000'000'000'000};
    WaterfallResources r;
    r.fund.balance = Quantity::from_raw(pick(0, scale));
    r.fund.min_balance = Quantity::from_raw(pick(0, 3));
    const auto market = static_cast<MarketId>(pick(0, 2));
    if (pick(0, 1) == 1) {
      r.fund.market_caps = {
          {0, Quantity::from_raw(pick(0, scale)), Quantity::from_raw(pick(0, scale))},
          {2, Quantity::from_raw(pick(0, scale)), Quantity::from_raw(pick(0, scale))}};
    }
    if (pick(0, 1) == 1) {
      r.fund.step_cap = Quantity::from_raw(pick(0, scale));
      r.fund.step_paid = Quantity::from_raw(pick(0, scale));
    }
    r.stake.staked = Quantity::from_raw(pick(0, scale));
    r.stake.max_slash = Ratio::from_raw(pick(0, kRatioOne));
    if (pick(0, 1) == 1) {
      r.stake.period_base = r.stake.staked + Quantity::from_raw(pick(0, scale));
      r.stake.slashed_in_period = Quantity::from_raw(pick(0, scale / 2));
    }
    auto limit = [&]() -> std::optional<Quantity> {
      if (pick(0, 3) == 0) return std::nullopt;
      return Quantity::from_raw(pick(0, scale));
    };
    r.mutualization_limit = limit();
    r.adl_limit = limit();
    std::vector<Layer> order(default_layer_order().begin(), default_layer_order().end());
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(static_cast<std::size_t>(pick(0, 5)));
    const Deficit d{Quantity::from_raw(pick(0, 3 * scale)), Value::from_raw(pick(0, 5 * scale)),
                    market};
    if (d.amount.is_zero()) continue;

    const WaterfallPlan p = plan_waterfall(d, r, order);
    // Σ steps + left == deficit, in amount and in value; values within one unit of pro rata.
    int128 sum = p.left.raw();
    int128 vsum = p.left_value.raw();
    for (const WaterfallStep& s : p.steps) {
      ASSERT_TRUE(s.amount.is_positive());
      sum += s.amount.raw();
      vsum += s.value.raw();
      const int128 err = static_cast<int128>(s.value.raw()) * d.amount.raw() -
                         static_cast<int128>(d.value.raw()) * s.amount.raw();
      ASSERT_LT(err < 0 ? -err : err, d.amount.raw());
    }
    ASSERT_EQ(sum, d.amount.raw());
    ASSERT_EQ(vsum, d.value.raw());
    // Strict order: each layer takes min(left, capacity); a later layer is used only when every
    // earlier one is at its capacity.
    Quantity left = d.amount;
    std::size_t k = 0;
    for (const Layer layer : order) {
      const std::optional<Quantity> cap = layer_capacity(layer, r, d.market);
      const Quantity expect = cap ? std::min(left, *cap) : left;
      if (expect.is_zero()) continue;
      ASSERT_LT(k, p.steps.size());
      ASSERT_EQ(p.steps[k].layer, layer);
      ASSERT_EQ(p.steps[k].amount, expect);
      left -= expect;
      ++k;
    }
    ASSERT_EQ(k, p.steps.size());
    ASSERT_EQ(p.left, left);
    if (std::find(order.begin(), order.end(), Layer::RecapDebt) != order.end()) {
      ASSERT_TRUE(p.left.is_zero());
    }
    // After applying: the fund keeps its minimum (if it had it), caps hold.
    const WaterfallResources after = apply_plan(r, d, p);
    if (r.fund.balance >= r.fund.min_balance) {
      ASSERT_GE(after.fund.balance, r.fund.min_balance);
    }
    ASSERT_LE(after.fund.balance, r.fund.balance);
    for (std::size_t i = 0; i < after.fund.market_caps.size(); ++i) {
      const MarketInsuranceCap& before = r.fund.market_caps[i];
      const MarketInsuranceCap& c = after.fund.market_caps[i];
      if (before.paid <= before.max) {
        ASSERT_LE(c.paid, c.max);
      }
    }
    if (r.fund.step_cap && r.fund.step_paid <= *r.fund.step_cap) {
      ASSERT_LE(after.fund.step_paid, *after.fund.step_cap);
    }
    const Quantity base = after.stake.period_base.value_or(r.stake.staked);
    if (r.stake.slashed_in_period <= apply_ratio(base, r.stake.max_slash, Rounding::Down)) {
      ASSERT_LE(after.stake.slashed_in_period,
                apply_ratio(base, r.stake.max_slash, Rounding::Down));
    }
    ASSERT_FALSE(after.stake.staked.is_negative());
  }
}

}  // namespace
}  // namespace backstop
