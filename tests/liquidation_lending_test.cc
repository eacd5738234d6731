// Lending liquidation policies (src/backstop/liquidation/{close_factor,absorb,offset}.h) against
// vectors derived by hand from ../shared/reference/lending-protocols.md §1.4 (Aave v3.3), §2
// (Compound v3), §4.1 (Liquity v1), §5 (Morpho Blue), plus property tests.
// Units in the vectors: USDC/LUSD 6 decimals at $1, WETH 9 decimals.
#include <gtest/gtest.h>

#include <array>
#include <random>

#include "backstop/liquidation/absorb.h"
#include "backstop/liquidation/close_factor.h"
#include "backstop/liquidation/offset.h"
#include "test_util.h"

namespace backstop::liquidation {
namespace {
using namespace testing_util;

int64_t pow10_i(int n) {
  return static_cast<int64_t>(pow10_128(n));
}

// ---------------------------------------------------------------- Aave v3.3 (§1.4) -----------
// $10,000 USDC debt, 6 WETH at $2,000 = $12,000 collateral, bonus 5 %, protocol fee 10 % of it.
AaveLiquidationInput aave_base() {
  AaveLiquidationInput in;
  in.debt_balance = qty("10000", 6);
  in.debt_decimals = 6;
  in.debt_price = px("1");
  in.collateral_balance = qty("6", 9);
  in.collateral_decimals = 9;
  in.collateral_price = px("2000");
  in.total_debt = usd("10000");
  in.total_collateral = usd("12000");
  in.health_factor = rt("0.98");
  in.bonus = rt("1.05");
  in.protocol_fee = rt("0.1");
  in.debt_to_cover = qty("10000", 6);
  return in;
}

TEST(LiquidationAave, HalfCloseFactorAboveHf095) {
  // HF 0.98 > 0.95 and both legs >= $2,000: cap = 50 % of total debt $10,000 = $5,000.
  // base collateral = 5,000 / 2,000 = 2.5 WETH; x 1.05 = 2.625 WETH (<= 6).
  // bonus part = 2.625 - 2.625 / 1.05 = 0.125 WETH; fee = 10 % = 0.0125 WETH (exact).
  // leftovers: debt $5,000, collateral 3.375 WETH = $6,750, both >= $1,000.
  const AaveLiquidationResult r = aave_liquidation(aave_base());
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.max_liquidatable_debt, qty("5000", 6));
  EXPECT_EQ(r.debt_repaid, qty("5000", 6));
  EXPECT_EQ(r.collateral_to_liquidator, qty("2.6125", 9));
  EXPECT_EQ(r.protocol_fee_collateral, qty("0.0125", 9));
  EXPECT_EQ(r.collateral_liquidated_base, usd("5250"));
  EXPECT_FALSE(r.has_no_collateral_left);
  EXPECT_EQ(r.debt_burned, qty("5000", 6));
  EXPECT_TRUE(r.deficit.is_zero());
}

TEST(LiquidationAave, FullCloseAtOrBelowHf095AndForSmallLegs) {
  // HF 0.95 is not > 0.95: 100 %. base coll 5 WETH, x 1.05 = 5.25; bonus 0.25, fee 0.025.
  for (const char* hf : {"0.95", "0.5"}) {
    AaveLiquidationInput in = aave_base();
    in.health_factor = rt(hf);
    const AaveLiquidationResult r = aave_liquidation(in);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.max_liquidatable_debt, qty("10000", 6));
    EXPECT_EQ(r.debt_repaid, qty("10000", 6));
    EXPECT_EQ(r.collateral_to_liquidator, qty("5.225", 9));
    EXPECT_EQ(r.protocol_fee_collateral, qty("0.025", 9));
  }
  // Reserve debt $1,999.999999 < $2,000: 100 % even at HF 0.98; 1,999.999999/2000*1.05 WETH.
  AaveLiquidationInput small = aave_base();
  small.debt_balance = small.debt_to_cover = qty("1999.999999", 6);
  small.total_debt = usd("1999.999999");
  const AaveLiquidationResult r = aave_liquidation(small);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.max_liquidatable_debt, qty("1999.999999", 6));
  // Collateral $1,500 < $2,000: also 100 %.
  AaveLiquidationInput small_coll = aave_base();
  small_coll.collateral_balance = qty("0.75", 9);
  small_coll.total_collateral = usd("1500");
  small_coll.health_factor = rt("0.98");
  EXPECT_EQ(aave_liquidation(small_coll).max_liquidatable_debt, qty("10000", 6));
}

TEST(LiquidationAave, CapIsOnTotalDebtInV33AndOnReserveDebtBefore) {
  // §1.4: 3k GHO-like + 3k USDC + 3k DAI debt (total $9k) -> v3.3 liquidates all 3k of one
  // reserve (3,000 <= 4,500); we use $10k USDC of $30k total: 10,000 <= 15,000 -> full reserve.
  AaveLiquidationInput in = aave_base();
  in.total_debt = usd("30000");
  in.debt_to_cover = qty("4000", 6);
  const AaveLiquidationResult r33 = aave_liquidation(in);
  ASSERT_TRUE(r33.ok());
  EXPECT_EQ(r33.max_liquidatable_debt, qty("10000", 6));
  EXPECT_EQ(r33.debt_repaid, qty("4000", 6));
  // v3.0-3.2: 50 % of the reserve's own debt when HF > 0.95, no size gate, no dust rule.
  AaveCloseFactorParams v30;
  v30.close_factor_of_total_debt = false;
  v30.min_base_max_close_factor_threshold = Value{};
  v30.min_leftover_base = std::nullopt;
  in.debt_to_cover = qty("10000", 6);
  EXPECT_EQ(aave_liquidation(in, v30).max_liquidatable_debt, qty("5000", 6));
  in.health_factor = rt("0.9");
  EXPECT_EQ(aave_liquidation(in, v30).max_liquidatable_debt, qty("10000", 6));
  // Compound v2: fixed 50 % at any HF.
  AaveCloseFactorParams v2 = v30;
  v2.close_factor_hf_threshold = std::nullopt;
  EXPECT_EQ(aave_liquidation(in, v2).max_liquidatable_debt, qty("5000", 6));
}

TEST(LiquidationAave, MustNotLeaveDustAndLargestValidAmount) {
  // Total debt $30k so the cap is the whole $10k reserve. Covering 9,500 leaves $500 of debt
  // (< $1,000): MUST_NOT_LEAVE_DUST. The largest valid partial leaves exactly $1,000: 9,000
  // (collateral left 6 - 9,000/2,000*1.05 = 1.275 WETH = $2,550 >= $1,000).
  AaveLiquidationInput in = aave_base();
  in.total_debt = usd("30000");
  in.debt_to_cover = qty("9500", 6);
  EXPECT_EQ(aave_liquidation(in).error, AaveLiquidationError::kMustNotLeaveDust);
  const auto best = aave_max_valid_liquidation(in);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->debt_to_cover, qty("9000", 6));
  EXPECT_EQ(best->result.debt_repaid, qty("9000", 6));
  in.debt_to_cover = qty("9000.000001", 6);
  EXPECT_EQ(aave_liquidation(in).error, AaveLiquidationError::kMustNotLeaveDust);
  // Repaying everything is not a partial liquidation: no dust rule.
  in.debt_to_cover = qty("10000", 6);
  EXPECT_TRUE(aave_liquidation(in).ok());
  EXPECT_EQ(aave_max_valid_liquidation(in)->debt_to_cover, qty("10000", 6));
  // Collateral leg: 1.2 WETH ($2,400) against $30k total debt, $10k reserve: covering $1,000
  // seizes 0.525 WETH, leaving $1,350; covering $1,500 seizes 0.7875, leaving $825 -> dust.
  // Largest valid: leftover >= $1,000 <=> seized <= 0.7 WETH. With the floors, x USDC quanta
  // seize floor(floor(x / 2) * 1.05) WETH quanta (x * 1e18 / (2,000e9 * 1e6) = x / 2):
  // x = 1,333,333,335 -> floor(666,666,667 * 1.05 = 700,000,000.35) = 0.7 WETH (ok);
  // x = 1,333,333,336 -> 666,666,668 * 1.05 = 700,000,001.4 -> 0.700000001 (dust).
  in.collateral_balance = qty("1.2", 9);
  in.total_collateral = usd("2400");
  in.debt_to_cover = qty("1500", 6);
  EXPECT_EQ(aave_liquidation(in).error, AaveLiquidationError::kMustNotLeaveDust);
  const auto best2 = aave_max_valid_liquidation(in);
  ASSERT_TRUE(best2.has_value());
  EXPECT_EQ(best2->debt_to_cover, qty("1333.333335", 6));
  // Leftover already below $1,000 (coll $900): no partial amount is valid, and the full debt
  // would need 5.25 WETH, so the liquidation takes all collateral (not partial) -> valid.
  in.collateral_balance = qty("0.45", 9);
  in.total_collateral = usd("900");
  in.debt_to_cover = qty("100", 6);
  EXPECT_EQ(aave_liquidation(in).error, AaveLiquidationError::kMustNotLeaveDust);
  EXPECT_FALSE(aave_max_valid_liquidation(in).has_value());
}

TEST(LiquidationAave, CollateralExhaustedBooksDeficit) {
  // $10,000 debt, 4 WETH = $8,000 (all the collateral), HF 0.7: 100 %. Needs 5.25 WETH > 4:
  // coll = 4 WETH, debtNeeded = ceil(8,000 / 1.05) = ceil(7,619.047619047..) = 7,619.047620.
  // fee: bonus = 4 - floor(4/1.05 = 3.809523809523..) = 0.190476191; x 0.1 -> 0.019047620 (up).
  // deficit = 10,000 - 7,619.047620 = 2,380.952380.
  AaveLiquidationInput in = aave_base();
  in.collateral_balance = qty("4", 9);
  in.total_collateral = usd("8000");
  in.health_factor = rt("0.7");
  const AaveLiquidationResult r = aave_liquidation(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.debt_repaid, qty("7619.04762", 6));
  EXPECT_EQ(r.protocol_fee_collateral, qty("0.01904762", 9));
  EXPECT_EQ(r.collateral_to_liquidator, qty("3.98095238", 9));
  EXPECT_TRUE(r.has_no_collateral_left);
  EXPECT_EQ(r.debt_burned, qty("10000", 6));
  EXPECT_EQ(r.deficit, qty("2380.95238", 6));
  // Another collateral still there: no deficit booking, debt stays.
  in.total_collateral = usd("9000");
  const AaveLiquidationResult r2 = aave_liquidation(in);
  EXPECT_FALSE(r2.has_no_collateral_left);
  EXPECT_TRUE(r2.deficit.is_zero());
  EXPECT_EQ(r2.debt_burned, r2.debt_repaid);
}

TEST(LiquidationAave, ErrorPaths) {
  auto err = [](auto mutate) {
    AaveLiquidationInput in = aave_base();
    mutate(in);
    return aave_liquidation(in).error;
  };
  using E = AaveLiquidationError;
  EXPECT_EQ(err([](auto& in) { in.health_factor = rt("1"); }), E::kHealthFactorNotBelowThreshold);
  EXPECT_EQ(err([](auto& in) { in.debt_balance = Quantity{}; }), E::kNoDebt);
  EXPECT_EQ(err([](auto& in) { in.collateral_balance = Quantity{}; }), E::kNoCollateral);
  EXPECT_EQ(err([](auto& in) { in.debt_to_cover = Quantity{}; }), E::kInvalidAmount);
  EXPECT_EQ(err([](auto& in) { in.debt_price = Price{}; }), E::kInvalidInput);
  EXPECT_EQ(err([](auto& in) { in.collateral_price = -px("1"); }), E::kInvalidInput);
  EXPECT_EQ(err([](auto& in) { in.bonus = rt("0.99"); }), E::kInvalidInput);
  EXPECT_EQ(err([](auto& in) { in.protocol_fee = rt("1.01"); }), E::kInvalidInput);
  EXPECT_EQ(err([](auto& in) { in.debt_decimals = 19; }), E::kInvalidInput);
  EXPECT_STREQ(to_string(E::kMustNotLeaveDust), "MUST_NOT_LEAVE_DUST");
}

TEST(LiquidationAave, PropertyNeverExceedsHoldingsAndDustRuleHolds) {
  std::mt19937_64 rng(20240611);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const AaveCloseFactorParams p;
  int ok = 0;
  for (int i = 0; i < 3000; ++i) {
    AaveLiquidationInput in;
    in.debt_decimals = static_cast<int>(pick(0, 9));
    in.collateral_decimals = static_cast<int>(pick(0, 9));
    // Ranges where every amount fits int64: at most 1M whole units of either asset, debt
    // $0.01..$1,000, collateral $1..$100,000 (the collateral equivalent of the debt then stays
    // below 1.2e18 quanta).
    in.debt_price = Price::from_raw(pick(1, 100'000) * 10'000'000);
    in.collateral_price = Price::from_raw(pick(1, 100'000) * 1'000'000'000);
    in.debt_balance = Quantity::from_raw(pick(1, 1'000'000 * pow10_i(in.debt_decimals)));
    in.collateral_balance =
        Quantity::from_raw(pick(1, 1'000'000 * pow10_i(in.collateral_decimals)));
    const Value debt_v = value_of(in.debt_balance, in.debt_decimals, in.debt_price, Rounding::Down);
    const Value coll_v = value_of(in.collateral_balance, in.collateral_decimals,
                                  in.collateral_price, Rounding::Down);
    in.total_debt = debt_v + Value::from_raw(pick(0, 1) * pick(0, 50'000'000'000));
    in.total_collateral = coll_v + Value::from_raw(pick(0, 1) * pick(0, 50'000'000'000));
    in.health_factor = Ratio::from_raw(pick(0, 999'999'999));
    in.bonus = Ratio::from_raw(pick(1'000'000'000, 1'200'000'000));
    in.protocol_fee = Ratio::from_raw(pick(0, 1'000'000'000));
    in.debt_to_cover = Quantity::from_raw(pick(1, in.debt_balance.raw() + 10));
    const AaveLiquidationResult r = aave_liquidation(in, p);
    const auto best = aave_max_valid_liquidation(in, p);
    if (!r.ok()) {
      ASSERT_EQ(r.error, AaveLiquidationError::kMustNotLeaveDust);
      if (best) {  // a smaller amount exists and the next quantum up is dust
        ASSERT_LT(best->debt_to_cover, in.debt_to_cover);
        AaveLiquidationInput next = in;
        next.debt_to_cover = best->debt_to_cover + Quantity::from_raw(1);
        ASSERT_FALSE(aave_liquidation(next, p).ok());
      }
      continue;
    }
    ++ok;
    ASSERT_TRUE(best.has_value());
    ASSERT_EQ(best->debt_to_cover, in.debt_to_cover);
    ASSERT_TRUE(r.debt_repaid.is_positive() || r.collateral_to_liquidator.is_zero());
    ASSERT_LE(r.debt_repaid, in.debt_balance);
    ASSERT_LE(r.debt_repaid, r.max_liquidatable_debt);
    ASSERT_LE(r.debt_repaid, in.debt_to_cover);
    ASSERT_GE(r.collateral_to_liquidator, Quantity{});
    ASSERT_GE(r.protocol_fee_collateral, Quantity{});
    ASSERT_LE(r.collateral_to_liquidator + r.protocol_fee_collateral, in.collateral_balance);
    ASSERT_GE(r.deficit, Quantity{});
    // The liquidator and the treasury never get more collateral value than bonus x the repaid
    // value plus one debt quantum (the collateral-capped branch floors the collateral's debt
    // equivalent before dividing by the bonus, as Aave does) plus one micro-dollar.
    const Value repaid_v = value_of(r.debt_repaid + Quantity::from_raw(1), in.debt_decimals,
                                    in.debt_price, Rounding::Up);
    const Value got_v = value_of(r.collateral_to_liquidator + r.protocol_fee_collateral,
                                 in.collateral_decimals, in.collateral_price, Rounding::Down);
    ASSERT_LE(got_v, apply_ratio(repaid_v, in.bonus, Rounding::Up) + Value::from_raw(1));
    // Dust rule on every partial success.
    const bool partial =
        r.debt_repaid < in.debt_balance &&
        r.collateral_to_liquidator + r.protocol_fee_collateral < in.collateral_balance;
    if (partial) {
      ASSERT_GE(value_of(in.debt_balance - r.debt_repaid, in.debt_decimals, in.debt_price,
                         Rounding::Down),
                *p.min_leftover_base);
      ASSERT_GE(
          value_of(in.collateral_balance - r.collateral_to_liquidator - r.protocol_fee_collateral,
                   in.collateral_decimals, in.collateral_price, Rounding::Down),
          *p.min_leftover_base);
    }
  }
  EXPECT_GT(ok, 300);
}

// ---------------------------------------------------------------- Compound v3 (§2) -----------
TEST(LiquidationComet, AbsorbCreditsLfAndExcessAsSupply) {
  // Borrow 9,000 USDC; 5 WETH at $2,000 (LCF 0.895, LF 0.95). liquidity = -9,000 + 10,000 *
  // 0.895 = -50 < 0. deltaValue = 10,000 * 0.95 = 9,500 -> new balance 500 (supply);
  // basePaidOut = 500 - (-9,000) = 9,500.
  const CometAccount a{-qty("9000", 6), 6, px("1")};
  const std::array<CometCollateral, 1> c{{{qty("5", 9), 9, px("2000"), rt("0.895"), rt("0.95")}}};
  EXPECT_EQ(comet_liquidation_liquidity(a, c), -usd("50"));
  const CometAbsorbResult r = comet_absorb(a, c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.delta_value, usd("9500"));
  EXPECT_EQ(r.delta_balance, qty("9500", 6));
  EXPECT_EQ(r.new_balance, qty("500", 6));
  EXPECT_EQ(r.base_paid_out, qty("9500", 6));
  EXPECT_EQ(r.value_of_base_paid_out, usd("9500"));
  EXPECT_TRUE(r.debt_absorbed_by_reserves.is_zero());
  EXPECT_EQ(r.collateral_market_value, usd("10000"));
}

TEST(LiquidationComet, AbsorbUnderwaterForgivesTheRest) {
  // Borrow 10,000; 5 WETH at $1,800 = $9,000 plus 100 UNI (9 decimals here) at $5 (LF 0.93):
  // deltaValue = 8,550 + 465 = 9,015; -10,000 + 9,015 = -985 -> new balance 0, reserves pay
  // 10,000 and 985 of it is debt no collateral covers.
  const CometAccount a{-qty("10000", 6), 6, px("1")};
  const std::array<CometCollateral, 2> c{{{qty("5", 9), 9, px("1800"), rt("0.895"), rt("0.95")},
                                          {qty("100", 9), 9, px("5"), rt("0.81"), rt("0.93")}}};
  const CometAbsorbResult r = comet_absorb(a, c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.delta_value, usd("9015"));
  EXPECT_TRUE(r.new_balance.is_zero());
  EXPECT_EQ(r.base_paid_out, qty("10000", 6));
  EXPECT_EQ(r.debt_absorbed_by_reserves, qty("985", 6));
  // Healthy: -8,000 + 8,950 >= 0.
  const CometAccount healthy{-qty("8000", 6), 6, px("1")};
  const std::array<CometCollateral, 1> one{{{qty("5", 9), 9, px("2000"), rt("0.895"), rt("0.95")}}};
  EXPECT_EQ(comet_absorb(healthy, one).error, CometError::kNotLiquidatable);
  const std::array<CometCollateral, 1> bad{{{qty("5", 9), 9, px("2000"), rt("0.895"), rt("1.1")}}};
  EXPECT_EQ(comet_absorb(a, bad).error, CometError::kInvalidInput);
}

TEST(LiquidationComet, StoreFrontQuoteAndBuy) {
  // discount = 0.5 * (1 - 0.95) = 0.025; WETH $2,000 -> $1,950. 1,950 USDC buys 1 WETH;
  // 1,000 USDC buys 1,000/1,950 = 0.512820512820.. -> 0.512820512 (floor, 9 dec).
  CometQuoteInput q{qty("1950", 6), 6, px("1"), 9, px("2000"), rt("0.95"), rt("0.5")};
  EXPECT_EQ(comet_quote_collateral(q), qty("1", 9));
  q.base_amount = qty("1000", 6);
  EXPECT_EQ(comet_quote_collateral(q), qty("0.512820512", 9));
  q.asset_price = Price{};
  EXPECT_FALSE(comet_quote_collateral(q).has_value());
  q.asset_price = px("2000");

  CometBuyInput b{q, qty("0.5", 9), qty("100", 6), qty("5000000", 6), qty("10", 9)};
  CometBuyResult r = comet_buy_collateral(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.collateral_out, qty("0.512820512", 9));
  b.reserves = qty("5000000", 6);  // reserves >= target: not for sale
  EXPECT_EQ(comet_buy_collateral(b).error, CometError::kNotForSale);
  b.reserves = -qty("1", 6);  // negative reserves: for sale
  EXPECT_TRUE(comet_buy_collateral(b).ok());
  b.min_amount = qty("0.512820513", 9);
  EXPECT_EQ(comet_buy_collateral(b).error, CometError::kTooMuchSlippage);
  b.min_amount = Quantity{};
  b.collateral_reserves = qty("0.5", 9);
  EXPECT_EQ(comet_buy_collateral(b).error, CometError::kInsufficientReserves);
}

TEST(LiquidationComet, PropertyAbsorbConservesValue) {
  std::mt19937_64 rng(7);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 2000; ++i) {
    const CometAccount a{Quantity::from_raw(-pick(1, 1'000'000'000'000)), 6, px("1")};
    std::array<CometCollateral, 2> c{};
    for (CometCollateral& x : c) {
      x = {Quantity::from_raw(pick(0, 1'000'000'000'000)), 9,
           Price::from_raw(pick(1, 5'000'000'000'000)), Ratio::from_raw(pick(0, 900'000'000)),
           Ratio::from_raw(pick(900'000'000, 1'000'000'000))};
    }
    const CometAbsorbResult r = comet_absorb(a, c);
    if (!r.ok()) {
      ASSERT_EQ(r.error, CometError::kNotLiquidatable);
      continue;
    }
    ASSERT_EQ(r.new_balance, a.base_balance + r.base_paid_out);
    ASSERT_GE(r.new_balance, Quantity{});
    ASSERT_EQ(r.new_balance - r.debt_absorbed_by_reserves, a.base_balance + r.delta_balance);
    ASSERT_LE(r.delta_value, r.collateral_market_value);
  }
}

// ---------------------------------------------------------------- Liquity v1 (§4.1) ----------
TEST(LiquidationLiquity, OffsetAndRedistribution) {
  // 10,000 LUSD debt, 10 ETH, SP 6,000: gas = 10/200 = 0.05 ETH, 9.95 to liquidate;
  // offset 6,000; SP gets 9.95 * 6,000/10,000 = 5.97 ETH; 4,000 LUSD + 3.98 ETH redistributed.
  const LiquityParams p{qty("200", 6), 200};
  const auto o = liquity_offset(qty("10000", 6), qty("10", 9), qty("6000", 6), p);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->coll_gas_compensation, qty("0.05", 9));
  EXPECT_EQ(o->debt_gas_compensation, qty("200", 6));
  EXPECT_EQ(o->debt_to_offset, qty("6000", 6));
  EXPECT_EQ(o->coll_to_sp, qty("5.97", 9));
  EXPECT_EQ(o->debt_to_redistribute, qty("4000", 6));
  EXPECT_EQ(o->coll_to_redistribute, qty("3.98", 9));
  // Empty SP: everything redistributed. Large SP: everything offset.
  const auto none = liquity_offset(qty("10000", 6), qty("10", 9), Quantity{}, p);
  EXPECT_TRUE(none->coll_to_sp.is_zero());
  EXPECT_EQ(none->coll_to_redistribute, qty("9.95", 9));
  const auto all = liquity_offset(qty("10000", 6), qty("10", 9), qty("20000", 6), p);
  EXPECT_EQ(all->coll_to_sp, qty("9.95", 9));
  EXPECT_TRUE(all->debt_to_redistribute.is_zero());
  // Rounding: coll 1.000000001 ETH: gas floor(5,000,000.005) = 5,000,000 quanta; 995,000,001
  // left; SP floor(995,000,001 * 0.6) = 597,000,000; redistribute 398,000,001.
  const auto odd = liquity_offset(qty("10000", 6), qty("1.000000001", 9), qty("6000", 6), p);
  EXPECT_EQ(odd->coll_gas_compensation.raw(), 5'000'000);
  EXPECT_EQ(odd->coll_to_sp.raw(), 597'000'000);
  EXPECT_EQ(odd->coll_to_redistribute.raw(), 398'000'001);
  EXPECT_FALSE(liquity_offset(Quantity{}, qty("1", 9), Quantity{}, p).has_value());
}

TEST(LiquidationLiquity, RecoveryModeCappedOffset) {
  // 10,000 LUSD, 10 ETH at $1,200 (ICR 120 %), MCR 1.1: capped = 10,000 * 1.1 / 1,200 =
  // 9.1666666666.. -> 9.166666666 ETH; gas = floor(/200) = 0.045833333; SP 9.120833333;
  // surplus 10 - 9.166666666 = 0.833333334 to the borrower.
  const LiquityParams p{qty("200", 6), 200};
  const auto o =
      liquity_capped_offset(qty("10000", 6), 6, qty("10", 9), 9, px("1200"), rt("1.1"), p);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->coll_gas_compensation, qty("0.045833333", 9));
  EXPECT_EQ(o->coll_to_sp, qty("9.120833333", 9));
  EXPECT_EQ(o->coll_surplus, qty("0.833333334", 9));
  EXPECT_EQ(o->debt_to_offset, qty("10000", 6));
  // ICR below MCR (price $1,000: capped 11 ETH > 10): not the capped case.
  EXPECT_FALSE(
      liquity_capped_offset(qty("10000", 6), 6, qty("10", 9), 9, px("1000"), rt("1.1"), p));
}

TEST(LiquidationLiquity, PropertySplitIsExact) {
  std::mt19937_64 rng(11);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const LiquityParams p{qty("200", 6), 200};
  for (int i = 0; i < 3000; ++i) {
    const Quantity debt = Quantity::from_raw(pick(1, 1'000'000'000'000));
    const Quantity coll = Quantity::from_raw(pick(0, 1'000'000'000'000));
    const Quantity sp = Quantity::from_raw(pick(0, 1'000'000'000'000));
    const auto o = liquity_offset(debt, coll, sp, p);
    ASSERT_TRUE(o);
    ASSERT_EQ(o->debt_to_offset + o->debt_to_redistribute, debt);
    ASSERT_EQ(o->coll_gas_compensation + o->coll_to_sp + o->coll_to_redistribute, coll);
    ASSERT_LE(o->debt_to_offset, sp);
    ASSERT_GE(o->coll_to_redistribute, Quantity{});
  }
}

// ---------------------------------------------------------------- Morpho Blue (§5) -----------
TEST(LiquidationMorpho, LifAndConversions) {
  // LIF = min(1.15, 1 / (1 - 0.3 (1 - LLTV))).
  EXPECT_EQ(morpho_lif(rt("0.8")), rt("1.063829787"));    // 1/0.94 = 1.0638297872..
  EXPECT_EQ(morpho_lif(rt("0.945")), rt("1.016776817"));  // 1/0.9835 = 1.0167768174..
  EXPECT_EQ(morpho_lif(rt("0.5")), rt("1.15"));           // 1/0.85 = 1.176 -> cap
  EXPECT_EQ(morpho_lif(rt("1")), rt("1"));
  // repaid 1,000 USDC at LIF 1.063829787 -> 1,063.829787 -> /2,000 = 0.5319148935 -> floor
  // 0.531914893 WETH; back: 0.531914893 * 2,000 = 1,063.829786 / 1.063829787 = 999.99999906
  // -> ceil 1,000.000000 USDC.
  const MorphoMarket m{6, px("1"), 9, px("2000"), rt("1.063829787")};
  EXPECT_EQ(morpho_seized_for_repaid(m, qty("1000", 6)), qty("0.531914893", 9));
  EXPECT_EQ(morpho_repaid_for_seized(m, qty("0.531914893", 9)), qty("1000", 6));
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const Quantity repaid =
        Quantity::from_raw(std::uniform_int_distribution<int64_t>(0, 1'000'000'000'000)(rng));
    const Quantity seized = *morpho_seized_for_repaid(m, repaid);
    // Rounding favours the protocol: paying for what was seized never costs more than repaid.
    ASSERT_LE(*morpho_repaid_for_seized(m, seized), repaid);
  }
}

}  // namespace
}  // namespace backstop::liquidation
