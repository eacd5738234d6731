// Collateral-to-debt balancing: minimal repay / top-up / reduction to a target health factor,
// against amounts derived by hand from the health-factor formula (docs/metrics.md; Aave's
// HF = sum coll * LT / debt and Binance's bracket maintenance margin).
#include "backstop/margin/rebalance.h"

#include <gtest/gtest.h>

#include "backstop/margin/risk.h"
#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

// 10 WETH at $2,000 (LT 0.825) against 15,000 USDC: HF = 16,500 / 15,000 = 1.1.
State lending() {
  State s;
  s.add_asset(asset("WETH", 9, "0.80", "0.825"), priced("2000"));
  s.add_asset(asset("USDC", 6, "0.85", "0.88", true), priced("1"));
  s.add_owner("alice");
  s.accounts[0].balances.push_back({0, dec("10", 9)});
  s.accounts[0].balances.push_back({1, -dec("15000", 6)});
  return s;
}

TEST(Rebalance, MinimalRepayHandDerived) {
  const State s = lending();
  const MarginCache c = build_margin_cache(s);
  const MarginAccount& a = s.accounts[0];
  EXPECT_FALSE(meets_health(c, a, rt("1.25")));
  // 16,500 >= 1.25 * (15,000 - x)  <=>  x >= 1,800 exactly
  EXPECT_EQ(minimal_repay(c, a, 1, rt("1.25")), qty("1800", 6));
  // target 2: 16,500 >= 2 (15,000 - x) <=> x >= 6,750
  EXPECT_EQ(minimal_repay(c, a, 1, rt("2")), qty("6750", 6));
  // not a debt of this account
  EXPECT_EQ(minimal_repay(c, a, 0, rt("1.25")), std::nullopt);
}

TEST(Rebalance, MinimalTopUpHandDerived) {
  const State s = lending();
  const MarginCache c = build_margin_cache(s);
  // need weighted collateral 1.25 * 15,000 = 18,750: 2,250 more = 1.3636... WETH. At
  // 1.363636364 WETH the total 11.363636364 is worth 22,727.272728 -> *0.825 = 18,750.0000006,
  // floored 18,750.000000 (ok); one quantum less gives 18,749.999998 (not ok).
  EXPECT_EQ(minimal_top_up(c, s.accounts[0], 0, rt("1.25")), qty("1.363636364", 9));
  // USDC is borrowed here: a USDC deposit first repays the debt (signed balances), so the
  // minimal USDC top-up equals the minimal repay, 1,800.
  EXPECT_EQ(minimal_top_up(c, s.accounts[0], 1, rt("1.25")), qty("1800", 6));
}

// Binance BTCUSDT brackets (see margin_test.cc): long 5 BTC from 60,000, mark 57,000,
// 20,000 USDT: requirement 15,000 (loss) + 1,550 (MM) = 16,550.
State perp() {
  State s;
  s.add_asset(asset("USDT", 6, "1", "1"), priced("1"));
  PerpParams p;
  p.symbol = "BTCUSDT";
  p.base_decimals = 8;
  p.tiers = {{qty("0", 6), rt("0.008"), rt("0.004")},
             {qty("50000", 6), rt("0.01"), rt("0.005")},
             {qty("250000", 6), rt("0.02"), rt("0.01")},
             {qty("1000000", 6), rt("0.05"), rt("0.025")}};
  PerpState st;
  st.mark = st.oracle = px("57000");
  s.add_market(p, st);
  s.add_owner("bob");
  s.accounts[0].balances.push_back({0, dec("20000", 6)});
  s.accounts[0].positions.push_back({0, qty("5", 8), -qty("300000", 6), Price{}});
  return s;
}

TEST(Rebalance, MinimalReductionHandDerived) {
  const State s = perp();
  const MarginCache c = build_margin_cache(s);
  const MarginAccount& a = s.accounts[0];
  // Closing at the mark keeps the -15,000 loss (realised into the quote), so only MM can fall:
  // 20,000 >= 1.25 (15,000 + MM) <=> MM <= 1,000. In bracket 2: 0.005 n - 50 <= 1,000 <=>
  // n <= 210,000 <=> remaining size <= 3.68421052.. BTC <=> x >= 1.31578948 BTC (8 decimals).
  const auto x = minimal_reduction(c, a, 0, rt("1.25"));
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(*x, qty("1.31578948", 8));
  // Target 2 is out of reach by reducing: the realised loss alone needs 30,000 of collateral.
  EXPECT_EQ(minimal_reduction(c, a, 0, rt("2")), std::nullopt);
  // Whatever is returned satisfies the target and one quantum less does not.
  MarginAccount b = a;
  b.positions[0].size = qty("5", 8) - *x;
  b.positions[0].quote = -qty("300000", 6) + Quantity::from_raw(x->raw() * 570);  // 57,000 / 100
  EXPECT_TRUE(meets_health(c, b, rt("1.25")));
}

}  // namespace
}  // namespace backstop
