// Perp liquidation policies (src/backstop/liquidation/{partial,dydx,guard,split}.h) against
// vectors derived by hand from ../shared/reference/perp-venues.md a.1 (dYdX), a.2 (Drift), a.4
// (Hyperliquid), (e), and lending-protocols.md §1.1 / (e) (toxic spiral), plus property tests.
#include <gtest/gtest.h>

#include <random>

#include "backstop/liquidation/dydx.h"
#include "backstop/liquidation/guard.h"
#include "backstop/liquidation/partial.h"
#include "backstop/liquidation/split.h"
#include "test_util.h"

namespace backstop::liquidation {
namespace {
using namespace testing_util;

// ------------------------------------------------------- partial to buffer (a.2, a.3, (e)) ----
// Long 100 units (0 decimals) at $100: N = $10,000, MMR 5 % -> MR $500; buffer 2 % of L =
// $10,000 -> $200; TC $450 (< MR: in liquidation). Fees 1 % liquidator + 0.5 % IF.
PartialInput base_partial() {
  PartialInput in;
  in.total_collateral = usd("450");
  in.maint_requirement = usd("500");
  in.liability = usd("10000");
  in.position_size = qty("100", 0);
  in.base_decimals = 0;
  in.mark_price = px("100");
  in.maintenance_rate = rt("0.05");
  in.liquidator_fee = rt("0.01");
  in.insurance_fee = rt("0.005");
  in.buffer_ratio = rt("0.02");
  in.step = qty("1", 0);
  return in;
}

TEST(LiquidationPartial, SmallestStepThatRestoresTheBuffer) {
  // Closing notional n: 450 - 0.015 n >= 0.05 (10,000 - n) + 0.02 (10,000 - n) = 700 - 0.07 n
  // <=> 0.055 n >= 250 <=> n >= 4,545.45.. <=> b >= 45.45 units -> 46.
  // b = 46: TC' = 450 - 46 - 23 = 381; MR' = 270; buffer 108; 381 >= 378.
  // b = 45: TC' = 450 - 67.5 = 382.5 < 275 + 110 = 385.
  const PartialResult r = partial_to_buffer(base_partial());
  ASSERT_TRUE(r.valid);
  EXPECT_TRUE(r.restores);
  EXPECT_EQ(r.base_to_close, qty("46", 0));
  EXPECT_EQ(r.after.collateral, usd("381"));
  EXPECT_EQ(r.after.requirement, usd("270"));
  EXPECT_EQ(r.after.buffer, usd("108"));
  EXPECT_EQ(r.after.liquidator_fee, usd("46"));
  EXPECT_EQ(r.after.insurance_fee, usd("23"));
  const auto one_less = partial_after(base_partial(), qty("45", 0));
  EXPECT_EQ(one_less->collateral, usd("382.5"));
  EXPECT_FALSE(one_less->exit_holds());
  // Step 5: the least multiple of 5 >= 45.45 is 50. Short positions behave the same.
  PartialInput s5 = base_partial();
  s5.step = qty("5", 0);
  EXPECT_EQ(partial_to_buffer(s5).base_to_close, qty("50", 0));
  PartialInput sh = base_partial();
  sh.position_size = -qty("100", 0);
  EXPECT_EQ(partial_to_buffer(sh).base_to_close, qty("46", 0));
  // Step 30 on a 100-unit position: candidates 30, 60, 90, 100 -> 60.
  PartialInput s30 = base_partial();
  s30.step = qty("30", 0);
  EXPECT_EQ(partial_to_buffer(s30).base_to_close, qty("60", 0));
}

TEST(LiquidationPartial, AlreadyOutNotRestorableAndInvalid) {
  PartialInput ok = base_partial();
  ok.total_collateral = usd("700");  // exactly MR + buffer
  const PartialResult r = partial_to_buffer(ok);
  EXPECT_TRUE(r.already_satisfied);
  EXPECT_TRUE(r.base_to_close.is_zero());
  // Fees 8 % > MMR + buffer 7 %: closing never helps -> the whole position, restores = false.
  PartialInput toxic = base_partial();
  toxic.liquidator_fee = rt("0.05");
  toxic.insurance_fee = rt("0.03");
  const PartialResult t = partial_to_buffer(toxic);
  EXPECT_TRUE(t.valid);
  EXPECT_FALSE(t.restores);
  EXPECT_EQ(t.base_to_close, qty("100", 0));
  PartialInput bad = base_partial();
  bad.mark_price = Price{};
  EXPECT_FALSE(partial_to_buffer(bad).valid);
  bad = base_partial();
  bad.step = Quantity{};
  EXPECT_FALSE(partial_to_buffer(bad).valid);
  EXPECT_FALSE(partial_after(base_partial(), qty("101", 0)).has_value());
}

TEST(LiquidationPartial, EnterAndExitThresholds) {
  // MR 500, exit 500 + 2 % of 10,000 = 700.
  EXPECT_EQ(exit_requirement(usd("500"), usd("10000"), rt("0.02")), usd("700"));
  EXPECT_TRUE(enters_liquidation(usd("499.999999"), usd("500")));
  EXPECT_FALSE(enters_liquidation(usd("500"), usd("500")));
  // 650: a healthy account does not enter; a flagged one stays until 700.
  EXPECT_FALSE(in_liquidation_after(false, usd("650"), usd("500"), usd("10000"), rt("0.02")));
  EXPECT_TRUE(in_liquidation_after(true, usd("650"), usd("500"), usd("10000"), rt("0.02")));
  EXPECT_FALSE(in_liquidation_after(true, usd("700"), usd("500"), usd("10000"), rt("0.02")));
}

TEST(LiquidationPartial, PropertyRestoresAndOneStepLessDoesNot) {
  std::mt19937_64 rng(99);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int restored = 0;
  for (int i = 0; i < 3000; ++i) {
    PartialInput in;
    in.base_decimals = static_cast<int>(pick(0, 9));
    in.mark_price = Price::from_raw(pick(1'000'000, 100'000'000'000'000));
    const int64_t scale = static_cast<int64_t>(pow10_128(in.base_decimals));
    in.position_size = Quantity::from_raw(pick(1, 1'000 * scale) * (pick(0, 1) != 0 ? 1 : -1));
    in.maintenance_rate = Ratio::from_raw(pick(5'000'000, 200'000'000));
    in.liquidator_fee = Ratio::from_raw(pick(0, 30'000'000));
    in.insurance_fee = Ratio::from_raw(pick(0, 20'000'000));
    in.buffer_ratio = Ratio::from_raw(pick(0, 50'000'000));
    in.step = Quantity::from_raw(pick(1, std::max<int64_t>(1, in.position_size.abs().raw() / 7)));
    const Value n = value_of(in.position_size.abs(), in.base_decimals, in.mark_price, Rounding::Up);
    const Value other = Value::from_raw(pick(0, 1'000'000'000));
    in.maint_requirement = apply_ratio(n, in.maintenance_rate, Rounding::Up) + other;
    in.liability = n + other;
    in.total_collateral = Value::from_raw(pick(-100'000'000, in.maint_requirement.raw() * 2));
    const PartialResult r = partial_to_buffer(in);
    ASSERT_TRUE(r.valid);
    ASSERT_LE(r.base_to_close, in.position_size.abs());
    ASSERT_GE(r.base_to_close, Quantity{});
    if (r.already_satisfied) {
      ASSERT_TRUE(partial_after(in, Quantity{})->exit_holds());
      continue;
    }
    if (!r.restores) {
      ASSERT_EQ(r.base_to_close, in.position_size.abs());
      ASSERT_FALSE(r.after.exit_holds());
      continue;
    }
    ++restored;
    ASSERT_TRUE(partial_after(in, r.base_to_close)->exit_holds());
    // A multiple of the step or the whole position.
    ASSERT_TRUE(r.base_to_close.raw() % in.step.raw() == 0 ||
                r.base_to_close == in.position_size.abs());
    // One step smaller does not restore.
    const int64_t smaller =
        r.base_to_close == in.position_size.abs() && r.base_to_close.raw() % in.step.raw() != 0
            ? r.base_to_close.raw() - r.base_to_close.raw() % in.step.raw()
            : r.base_to_close.raw() - in.step.raw();
    ASSERT_GE(smaller, 0);
    ASSERT_FALSE(partial_after(in, Quantity::from_raw(smaller))->exit_holds());
  }
  EXPECT_GT(restored, 200);
}

// ------------------------------------------------------------------------ Drift v2 (a.2) -----
TEST(LiquidationDrift, ShortageIfFeeAndBaseToCover) {
  // shortage = MR 500 + 2 % x 10,000 - TC 450 = 250.
  EXPECT_EQ(drift_margin_shortage(usd("450"), usd("500"), usd("10000"), rt("0.02")), usd("250"));
  EXPECT_TRUE(drift_margin_shortage(usd("800"), usd("500"), usd("10000"), rt("0.02")).is_zero());
  // IF fee: (0.07 - 0.01 - 250 / (100 * 100)) * 19/20 = 0.035 * 0.95 = 0.03325; cap 0.01.
  EXPECT_EQ(
      drift_if_fee(usd("250"), qty("100", 0), 0, px("100"), rt("0.07"), rt("0.01"), rt("0.05")),
      rt("0.03325"));
  EXPECT_EQ(
      drift_if_fee(usd("250"), qty("100", 0), 0, px("100"), rt("0.07"), rt("0.01"), rt("0.01")),
      rt("0.01"));
  // Shortage ratio 0.1 > 0.06: saturates to 0. mr_buf <= liq fee: 0.
  EXPECT_TRUE(
      drift_if_fee(usd("1000"), qty("100", 0), 0, px("100"), rt("0.07"), rt("0.01"), rt("0.05"))
          .is_zero());
  EXPECT_TRUE(
      drift_if_fee(usd("1"), qty("100", 0), 0, px("100"), rt("0.01"), rt("0.01"), rt("0.05"))
          .is_zero());
  // base = 250 / (100 * (0.07 - 0.01 - 0.005)) = 45.4545.. -> 46 (step 1); the same answer as
  // partial_to_buffer above. Step 0.1 with 1 decimal: 45.5.
  EXPECT_EQ(drift_base_to_cover(usd("250"), 0, px("100"), rt("0.07"), rt("0.01"), rt("0.005"),
                                qty("1", 0)),
            qty("46", 0));
  EXPECT_EQ(drift_base_to_cover(usd("250"), 1, px("100"), rt("0.07"), rt("0.01"), rt("0.005"),
                                qty("0.1", 1)),
            qty("45.5", 1));
  EXPECT_FALSE(drift_base_to_cover(usd("250"), 0, px("100"), rt("0.07"), rt("0.05"), rt("0.02"),
                                   qty("1", 0)));
  EXPECT_EQ(
      drift_base_to_cover(Value{}, 0, px("100"), rt("0.07"), rt("0.01"), rt("0.005"), qty("1", 0)),
      Quantity{});
}

TEST(LiquidationDrift, LiquidatorFeeRamp) {
  // base 1 %, maint 5 %: grace 1,500 slots; then 1 % + slots * 1e-6, capped at min(3 %, 5 %).
  EXPECT_EQ(drift_liquidator_fee(rt("0.01"), rt("0.05"), 1'499), rt("0.01"));
  EXPECT_EQ(drift_liquidator_fee(rt("0.01"), rt("0.05"), 2'000), rt("0.012"));
  EXPECT_EQ(drift_liquidator_fee(rt("0.01"), rt("0.05"), 100'000), rt("0.03"));
  EXPECT_EQ(drift_liquidator_fee(rt("0.01"), rt("0.02"), 100'000), rt("0.02"));
}

// ------------------------------------------------------------------------ dYdX v4 (a.1) ------
TEST(LiquidationDydx, PositionSizeRule) {
  // 10 BTC (8 dec) at $50,000 = $500k; min $1,000, portion 10 %, block cap $100k.
  DydxSizeParams p;
  p.min_position_notional_liquidated = usd("1000");
  p.max_position_portion_liquidated = rt("0.1");
  p.max_notional_liquidated_per_block = usd("100000");
  DydxSizeInput in{qty("10", 8), 8, px("50000"), qty("0.01", 8), Value{}};
  // max(min(1,000, 500k), 50k) = 50k, min(50k, 100k) -> 1 BTC, delta -1 BTC.
  DydxSizeResult r = dydx_liquidatable_size(in, p);
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.delta, -qty("1", 8));
  EXPECT_EQ(r.max_notional, usd("50000"));
  // 80k already this block: 20k -> 0.4 BTC; 79,999 already: 20,001 -> 0.40002 -> 0.40.
  in.already_liquidated_this_block = usd("80000");
  EXPECT_EQ(dydx_liquidatable_size(in, p).delta, -qty("0.4", 8));
  in.already_liquidated_this_block = usd("79999");
  EXPECT_EQ(dydx_liquidatable_size(in, p).delta, -qty("0.4", 8));
  // $100 left -> 0.002 BTC -> 0 steps -> clamped up to one step 0.01.
  in.already_liquidated_this_block = usd("99900");
  EXPECT_EQ(dydx_liquidatable_size(in, p).delta, -qty("0.01", 8));
  // Cap used up: nothing.
  in.already_liquidated_this_block = usd("100000");
  r = dydx_liquidatable_size(in, p);
  EXPECT_TRUE(r.block_cap_exhausted);
  EXPECT_TRUE(r.delta.is_zero());
  // Small short: 0.01 BTC = $500 < min $1,000 -> whole position, delta +0.01.
  DydxSizeInput small{-qty("0.01", 8), 8, px("50000"), qty("0.001", 8), Value{}};
  EXPECT_EQ(dydx_liquidatable_size(small, p).delta, qty("0.01", 8));
}

TEST(LiquidationDydx, BankruptcyQuote) {
  // Long 1 BTC at $50,000, MMR 5 % = 2,500 = TMMR, TNC 1,000 (quote -49,000).
  // Close all: DNNV = -50,000, DMMR = -2,500: BP = 50,000 - 1,000 * 2,500 / 2,500 = 49,000,
  // exactly what brings the quote to 0.
  DydxBankruptcyInput in{qty("1", 8), -qty("1", 8), 8,          px("50000"),
                         rt("0.05"),  usd("1000"),  usd("2500")};
  EXPECT_EQ(dydx_bankruptcy_quote(in), usd("49000"));
  // Half: 25,000 - 1,000 * 1,250 / 2,500 = 24,500.
  in.delta = -qty("0.5", 8);
  EXPECT_EQ(dydx_bankruptcy_quote(in), usd("24500"));
  // TNC -500: 50,000 + 500 (the account must be paid more than the notional).
  in.delta = -qty("1", 8);
  in.total_net_collateral = -usd("500");
  EXPECT_EQ(dydx_bankruptcy_quote(in), usd("50500"));
  // Rounding toward +inf: TNC -0.000001, half: floor(-1 * 1,250 / 2,500 = -0.5) = -1 raw ->
  // 25,000.000001.
  in.delta = -qty("0.5", 8);
  in.total_net_collateral = -usd("0.000001");
  EXPECT_EQ(dydx_bankruptcy_quote(in), usd("25000.000001"));
  // Short 1 BTC closed by buying: the account pays: BP = -(0 - (-50,000)) - 1,000 = -51,000.
  DydxBankruptcyInput sh{-qty("1", 8), qty("1", 8), 8,          px("50000"),
                         rt("0.05"),   usd("1000"), usd("2500")};
  EXPECT_EQ(dydx_bankruptcy_quote(sh), -usd("51000"));
  sh.delta = -qty("1", 8);  // same sign: not a close
  EXPECT_FALSE(dydx_bankruptcy_quote(sh).has_value());
  sh.delta = qty("2", 8);  // larger than the position
  EXPECT_FALSE(dydx_bankruptcy_quote(sh).has_value());
}

TEST(LiquidationDydx, FillablePrice) {
  // Long 1 BTC, oracle 50,000, PMMR 2,500, SMMR 0.1, BA 1.
  DydxFillableInput in{qty("1", 8), 8,           px("50000"), rt("0.05"),
                       usd("2500"), usd("2500"), rt("1"),     rt("0.1")};
  EXPECT_EQ(dydx_fillable_price(in), px("50000"));  // TNC = TMMR: ABR 0
  in.total_net_collateral = Value{};                // ABR 1: 50,000 - 0.1 * 2,500 = 49,750
  EXPECT_EQ(dydx_fillable_price(in), px("49750"));
  in.total_net_collateral = -usd("100");  // clamped at 1
  EXPECT_EQ(dydx_fillable_price(in), px("49750"));
  in.total_net_collateral = usd("1250");  // ABR 0.5 -> 49,875
  EXPECT_EQ(dydx_fillable_price(in), px("49875"));
  in.bankruptcy_adjustment = rt("2");  // ABR 2 * 0.5 = 1 -> 49,750
  EXPECT_EQ(dydx_fillable_price(in), px("49750"));
  // Short: the closing buy is above the oracle: 50,000 + 250.
  DydxFillableInput sh{-qty("1", 8), 8,           px("50000"), rt("0.05"),
                       Value{},      usd("2500"), rt("1"),     rt("0.1")};
  EXPECT_EQ(dydx_fillable_price(sh), px("50250"));
  // ABR 1/3 (TNC 2,000 of TMMR 3,000): spread 0.1 * 2,500 / 3 = 83.33..: long rounds Up to
  // 49,916.666666667, short Down to 50,083.333333333.
  in = DydxFillableInput{qty("1", 8), 8,           px("50000"), rt("0.05"),
                         usd("2000"), usd("3000"), rt("1"),     rt("0.1")};
  EXPECT_EQ(dydx_fillable_price(in), px("49916.666666667"));
  sh.total_net_collateral = usd("2000");
  sh.total_maint_margin = usd("3000");
  EXPECT_EQ(dydx_fillable_price(sh), px("50083.333333333"));
  in.total_maint_margin = Value{};
  EXPECT_FALSE(dydx_fillable_price(in).has_value());
}

TEST(LiquidationDydx, InsuranceFundDelta) {
  // Received 49,500 against BP 49,000: surplus 500; cap 0.5 % x 49,500 = 247.5 -> fund +247.5.
  EXPECT_EQ(dydx_insurance_fund_delta(usd("49500"), usd("49000"), rt("0.005")), usd("247.5"));
  // Cap 1.5 % = 742.5 > 500: the fund takes all 500.
  EXPECT_EQ(dydx_insurance_fund_delta(usd("49500"), usd("49000"), rt("0.015")), usd("500"));
  // Received 48,800: the fund pays 200.
  EXPECT_EQ(dydx_insurance_fund_delta(usd("48800"), usd("49000"), rt("0.005")), -usd("200"));
  // Short closed by buying: pays 51,200 where BP says 51,000 may be paid: the fund pays 200.
  EXPECT_EQ(dydx_insurance_fund_delta(-usd("51200"), -usd("51000"), rt("0.005")), -usd("200"));
}

// --------------------------------------------------------------------- Hyperliquid (a.4) -----
TEST(LiquidationHyperliquid, ChunksAndBackstop) {
  // 10 BTC at 50,000 = 500k > 100k: 20 % = 2 BTC.
  EXPECT_EQ(
      hyperliquid_liquidation_size(qty("10", 8), 8, px("50000"), qty("0.001", 8), std::nullopt),
      qty("2", 8));
  // 3.333 BTC = 166,650: 0.6666 -> step 0.01 up -> 0.67.
  EXPECT_EQ(
      hyperliquid_liquidation_size(-qty("3.333", 8), 8, px("50000"), qty("0.01", 8), std::nullopt),
      qty("0.67", 8));
  // Exactly 100k: not above -> whole position. Within the 30 s cooldown: whole position.
  EXPECT_EQ(
      hyperliquid_liquidation_size(qty("2", 8), 8, px("50000"), qty("0.001", 8), std::nullopt),
      qty("2", 8));
  EXPECT_EQ(
      hyperliquid_liquidation_size(qty("10", 8), 8, px("50000"), qty("0.001", 8), uint64_t{29}),
      qty("10", 8));
  EXPECT_EQ(
      hyperliquid_liquidation_size(qty("10", 8), 8, px("50000"), qty("0.001", 8), uint64_t{30}),
      qty("2", 8));
  EXPECT_FALSE(
      hyperliquid_liquidation_size(qty("10", 8), 8, Price{}, qty("0.001", 8), std::nullopt));
  // Backstop iff equity < 2/3 MM: MM 3,000 -> below 2,000.
  EXPECT_TRUE(hyperliquid_backstop_triggered(usd("1999.999999"), usd("3000")));
  EXPECT_FALSE(hyperliquid_backstop_triggered(usd("2000"), usd("3000")));
  EXPECT_TRUE(hyperliquid_backstop_triggered(-usd("1"), usd("3000")));
}

// ------------------------------------------------------------------ toxic-spiral guard -------
TEST(LiquidationGuard, ThresholdIsOneOverBonus) {
  // bonus 1.05: threshold LTV 1/1.05 = 0.952380952..
  EXPECT_EQ(fixed_bonus_ltv_effect(usd("900"), usd("1000"), rt("1.05")), LtvEffect::kImproves);
  EXPECT_EQ(fixed_bonus_ltv_effect(usd("960"), usd("1000"), rt("1.05")), LtvEffect::kWorsens);
  EXPECT_EQ(fixed_bonus_ltv_effect(usd("1000"), usd("1050"), rt("1.05")), LtvEffect::kUnchanged);
  EXPECT_TRUE(is_toxic_liquidation(usd("1000"), usd("1050"), rt("1.05")));
  EXPECT_FALSE(is_toxic_liquidation(usd("999.999999"), usd("1050"), rt("1.05")));
  EXPECT_TRUE(is_toxic_liquidation(usd("1"), Value{}, rt("1.05")));
  // D 960, C 1,000: repay 100, seize 105 -> 860 / 895 = 0.9609 > 0.96 (860,000 > 859,200).
  // D 900: 800 / 895 = 0.8939 < 0.9 (800,000 < 805,500).
  EXPECT_GT(860 * 1000, 960 * 895);
  EXPECT_LT(800 * 1000, 900 * 895);
}

TEST(LiquidationGuard, PropertyPredicateMatchesTheLtvAfterALiquidation) {
  std::mt19937_64 rng(3);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 5000; ++i) {
    const int64_t c = pick(1'000, 1'000'000'000'000);
    const int64_t d = pick(0, 2 * c);
    const Ratio m = Ratio::from_raw(pick(1'000'000'000, 1'300'000'000));
    // repay r, seize r * m (exact in 1e-9 units: collateral scaled by 1e9), keep C - r m > 0.
    const int128 c9 = static_cast<int128>(c) * kRatioOne;
    const int128 d9 = static_cast<int128>(d) * kRatioOne;
    const int64_t r = pick(1, std::max<int64_t>(1, c / 2));
    const int128 seized9 = static_cast<int128>(r) * m.raw();
    if (seized9 >= c9 || r > d) continue;
    const int128 d_after = d9 - static_cast<int128>(r) * kRatioOne;
    const int128 c_after = c9 - seized9;
    const int cmp = compare_ratio(d_after, c_after, d9, c9);  // LTV' vs LTV
    const LtvEffect e = fixed_bonus_ltv_effect(Value::from_raw(d), Value::from_raw(c), m);
    ASSERT_EQ(cmp > 0, e == LtvEffect::kWorsens) << d << " " << c << " " << m.raw();
    ASSERT_EQ(cmp < 0, e == LtvEffect::kImproves);
    ASSERT_EQ(cmp == 0, e == LtvEffect::kUnchanged);
  }
}

// ------------------------------------------------------------ penalty split and tick caps ----
TEST(LiquidationSplit, ExactSplit) {
  auto s = split_penalty(usd("100"), rt("0.5"), rt("0.3"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->liquidator, usd("50"));
  EXPECT_EQ(s->insurance_fund, usd("30"));
  EXPECT_EQ(s->protocol, usd("20"));
  // 10 raw by thirds: floor(3.33) = 3, 3, remainder 4 to the protocol.
  auto t = split_penalty(Value::from_raw(10), rt("0.333333333"), rt("0.333333333"));
  EXPECT_EQ(t->liquidator.raw(), 3);
  EXPECT_EQ(t->insurance_fund.raw(), 3);
  EXPECT_EQ(t->protocol.raw(), 4);
  // Quantities (collateral), Aave-style 100 % to the liquidator.
  auto q = split_penalty(qty("1.5", 9), rt("1"), Ratio{});
  EXPECT_EQ(q->liquidator, qty("1.5", 9));
  EXPECT_TRUE(q->protocol.is_zero());
  EXPECT_FALSE(split_penalty(usd("1"), rt("0.7"), rt("0.4")));
  EXPECT_FALSE(split_penalty(-usd("1"), rt("0.5"), rt("0.4")));
  EXPECT_FALSE(split_penalty(usd("1"), -rt("0.1"), rt("0.4")));

  std::mt19937_64 rng(17);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 5000; ++i) {
    const Value total = Value::from_raw(pick(0, 1'000'000'000'000'000));
    const int64_t a = pick(0, kRatioOne);
    const Ratio la = Ratio::from_raw(a);
    const Ratio lb = Ratio::from_raw(pick(0, kRatioOne - a));
    const auto sp = split_penalty(total, la, lb);
    ASSERT_TRUE(sp);
    ASSERT_EQ(sp->liquidator + sp->insurance_fund + sp->protocol, total);
    ASSERT_GE(sp->protocol, Value{});
    // Nobody but the protocol gets more than the exact share; the protocol gets < 2 extra units.
    ASSERT_LE(static_cast<int128>(sp->liquidator.raw()) * kRatioOne,
              static_cast<int128>(total.raw()) * la.raw());
    ASSERT_LE(static_cast<int128>(sp->insurance_fund.raw()) * kRatioOne,
              static_cast<int128>(total.raw()) * lb.raw());
    const int128 exact_protocol =
        static_cast<int128>(total.raw()) * (kRatioOne - la.raw() - lb.raw());
    ASSERT_GE(static_cast<int128>(sp->protocol.raw()) * kRatioOne, exact_protocol);
    ASSERT_LT(static_cast<int128>(sp->protocol.raw()) * kRatioOne, exact_protocol + 2 * kRatioOne);
  }
}

TEST(LiquidationSplit, TickBudget) {
  TickBudget b(TickCaps{2, usd("100"), usd("10")});
  EXPECT_TRUE(b.try_record(usd("60"), usd("4")));
  EXPECT_FALSE(b.fits(usd("50")));            // 110 > 100
  EXPECT_FALSE(b.fits(usd("10"), usd("7")));  // IF loss 11 > 10
  EXPECT_TRUE(b.fits(usd("40"), usd("6")));   // exactly at both caps
  EXPECT_FALSE(b.fits(-usd("1")));
  EXPECT_TRUE(b.try_record(usd("40")));
  EXPECT_EQ(b.count(), 2);
  EXPECT_EQ(b.notional(), usd("100"));
  EXPECT_FALSE(b.try_record(Value{}));  // count cap 2
  EXPECT_EQ(b.count(), 2);
  b.new_tick();
  EXPECT_EQ(b.count(), 0);
  EXPECT_TRUE(b.fits(usd("100")));
  TickBudget unlimited;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.try_record(usd("1000000")));
  EXPECT_FALSE(unlimited.fits(Value::from_raw(INT64_MAX)));  // would overflow: does not fit
}

}  // namespace
}  // namespace backstop::liquidation
