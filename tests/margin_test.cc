// Risk metrics against hand-derived values. Each vector shows its derivation; formulas are those of
// docs/metrics.md, which follow Aave v3 GenericLogic.calculateUserAccountData (health factor) and
// Binance USD-M brackets (tiered maintenance margin with maintenance amount), as summarised in
// ../shared/reference/lending-protocols.md §1.2 and perp-venues.md §a.6.
#include <gtest/gtest.h>

#include <array>

#include "backstop/margin/aggregate.h"
#include "backstop/margin/liquidation_price.h"
#include "backstop/margin/risk.h"
#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

// WETH (9 dec, $2000, LTV 0.80, LT 0.825) and USDC (6 dec, $1, borrowable).
State lending_venue() {
  State s;
  s.add_asset(asset("WETH", 9, "0.80", "0.825"), priced("2000"));
  s.add_asset(asset("USDC", 6, "0.85", "0.88", true), priced("1"));
  return s;
}

TEST(Metrics, AaveStyleHealthFactorHandDerived) {
  State s = lending_venue();
  s.add_owner("alice");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("10", 9)});      // 10 WETH
  a.balances.push_back({1, -dec("12000", 6)});  // 12,000 USDC debt
  const MarginCache c = build_margin_cache(s);
  const AccountRisk r = compute_risk(c, a);
  // collateral 10 * 2000 = 20,000; weighted maint 20,000 * 0.825 = 16,500; initial 16,000
  EXPECT_EQ(r.collateral_value, usd("20000"));
  EXPECT_EQ(r.weighted_collateral_maint, usd("16500"));
  EXPECT_EQ(r.weighted_collateral_initial, usd("16000"));
  EXPECT_EQ(r.total_debt, usd("12000"));
  EXPECT_EQ(r.equity, usd("8000"));
  EXPECT_EQ(r.maint_requirement, usd("12000"));
  // HF = 16,500 / 12,000 = 1.375 (Aave: percentMul(coll, LT) / debt)
  EXPECT_EQ(r.health_factor, rt("1.375"));
  // MM = E - (WCm - MR) = 8,000 - 4,500 = 3,500; margin ratio = 3,500 / 8,000 = 0.4375
  EXPECT_EQ(r.maintenance_margin, usd("3500"));
  EXPECT_EQ(r.margin_ratio, rt("0.4375"));
  EXPECT_EQ(r.debt_coverage, rt("1.375"));
  EXPECT_EQ(r.collateral_to_debt, rt("1.666666666"));  // 20,000 / 12,000 rounded down
  EXPECT_EQ(r.debt_to_equity, rt("1.5"));
  EXPECT_EQ(r.free_collateral, usd("4000"));
  EXPECT_FALSE(r.liquidatable);
  EXPECT_TRUE(r.initial_ok);
}

TEST(Metrics, LiquidationPriceLendingHandDerived) {
  State s = lending_venue();
  s.add_owner("alice");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("10", 9)});
  a.balances.push_back({1, -dec("12000", 6)});
  const MarginCache c = build_margin_cache(s);
  const auto drivers = driver_risks(c, a);
  ASSERT_EQ(drivers.size(), 2u);
  // WETH: safe iff floor_micro(10 p) * 0.825 >= 12,000 <=> floor_micro(10 p) >= 14,545.454546
  // (14,545.454545 * 0.825 = 11,999.99999963 < 12,000) <=> p >= 1,454.5454546; the liquidation
  // price is the highest liquidatable tick: 1,454.545454599.
  EXPECT_EQ(drivers[0].kind, DriverKind::Asset);
  EXPECT_EQ(drivers[0].liquidation_price, px("1454.545454599"));
  EXPECT_EQ(drivers[0].method, SolveMethod::Analytic);
  EXPECT_EQ(drivers[0].distance, rt("-0.272727272"));
  // d(D/E)/dp = -D * dE/dp / E^2 = -12,000 * 10 / 8,000^2 = -0.001875 per dollar of WETH
  ASSERT_TRUE(drivers[0].dte_delta.has_value());
  EXPECT_NEAR(*drivers[0].dte_delta, -0.001875, 1e-6);
  // USDC (the debt): liquidatable when 12,000 q > 16,500 (debt valued up), i.e. q > 1.375;
  // first liquidatable tick 1.375000001.
  EXPECT_EQ(drivers[1].liquidation_price, px("1.375000001"));
  EXPECT_EQ(drivers[1].distance, rt("0.375000001"));
}

// Binance USD-M BTCUSDT brackets (2021 announcement, perp-venues.md §a.6): MMR 0.4% / 0.5% / 1% /
// 2.5% from 0 / 50k / 250k / 1M with maintenance amounts 0 / 50 / 1,300 / 16,300. Initial rates
// 0.8% / 1% / 2% / 5% (125x / 100x / 50x / 20x).
State binance_venue() {
  State s;
  s.add_asset(asset("USDT", 6, "1", "1"), priced("1"));
  PerpParams p;
  p.symbol = "BTCUSDT";
  p.base_decimals = 8;
  p.quote = 0;
  p.tiers = {{qty("0", 6), rt("0.008"), rt("0.004")},
             {qty("50000", 6), rt("0.01"), rt("0.005")},
             {qty("250000", 6), rt("0.02"), rt("0.01")},
             {qty("1000000", 6), rt("0.05"), rt("0.025")}};
  PerpState st;
  st.mark = st.oracle = px("60000");
  s.add_market(p, st);
  return s;
}

TEST(Metrics, TierDeductionsMatchBinanceMaintenanceAmounts) {
  const State s = binance_venue();
  const MarginCache c = build_margin_cache(s);
  const auto& tiers = c.markets[0].tiers;
  ASSERT_EQ(tiers.size(), 4u);
  // deduction numerators are quote quanta * 10^(K+9); K = 8 + 9 - 6 = 11.
  const int128 to_usdt = c.pow_k9 * 1'000'000;
  EXPECT_EQ(tiers[1].maint_deduction_num, 50 * to_usdt);
  EXPECT_EQ(tiers[2].maint_deduction_num, 1300 * to_usdt);
  EXPECT_EQ(tiers[3].maint_deduction_num, 16300 * to_usdt);
}

TEST(Metrics, TieredPerpMarginHandDerived) {
  State s = binance_venue();
  s.add_owner("bob");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("20000", 6)});
  // long 5 BTC at 60,000: quote = -300,000 USDT
  a.positions.push_back({0, qty("5", 8), -qty("300000", 6), Price{}});
  MarginCache c = build_margin_cache(s);
  AccountRisk r = compute_risk(c, a);
  // notional 300,000 -> bracket 3: MM = 300,000 * 1% - 1,300 = 1,700; IM = 300,000 * 2% - 2,600
  EXPECT_EQ(r.perp_notional, usd("300000"));
  EXPECT_EQ(r.maint_requirement, usd("1700"));
  EXPECT_EQ(r.initial_requirement, usd("3400"));
  EXPECT_EQ(r.unrealized_pnl, usd("0"));
  EXPECT_EQ(r.health_factor, rt("11.764705882"));  // 20,000 / 1,700
  EXPECT_EQ(r.margin_ratio, rt("0.085"));          // Binance margin ratio = MM / balance

  // Mark 57,000: PnL -15,000; notional 285,000 -> MM 2,850 - 1,300 = 1,550;
  // requirement 15,000 + 1,550 = 16,550; HF = 20,000 / 16,550 = 1.208459214...
  s.perps[0].mark = px("57000");
  c = build_margin_cache(s);
  r = compute_risk(c, a);
  EXPECT_EQ(r.unrealized_pnl, usd("-15000"));
  EXPECT_EQ(r.maint_requirement, usd("16550"));
  EXPECT_EQ(r.equity, usd("5000"));
  EXPECT_EQ(r.maintenance_margin, usd("1550"));
  EXPECT_EQ(r.margin_ratio, rt("0.31"));
  EXPECT_EQ(r.health_factor, rt("1.208459214"));
  EXPECT_FALSE(r.liquidatable);

  // Binance liquidation price (one-way, single position):
  // LP = (WB + cumB - Pos*EP) / (Pos*MMR - Pos) = (20,000 + 1,300 - 300,000) / (0.05 - 5)
  //    = 56,303.0303...; our excess = 4.95 p - 278,700, liquidatable just below it.
  const auto drivers = driver_risks(c, a);
  ASSERT_EQ(drivers.size(), 2u);  // USDT asset, then the market
  const DriverRisk& m = drivers[1];
  ASSERT_EQ(m.kind, DriverKind::Market);
  ASSERT_TRUE(m.liquidation_price.has_value());
  EXPECT_NEAR(static_cast<double>(m.liquidation_price->raw()) / 1e9, 56303.0303030303, 2e-6);
  EXPECT_EQ(m.method, SolveMethod::Analytic);
  // Exactness: liquidatable at the reported price, safe one tick above.
  MarginCache probe = c;
  override_mark_price(probe, 0, *m.liquidation_price);
  EXPECT_TRUE(compute_risk(probe, a).liquidatable);
  override_mark_price(probe, 0, Price::from_raw(m.liquidation_price->raw() + 1));
  EXPECT_FALSE(compute_risk(probe, a).liquidatable);
}

TEST(Metrics, ShortPositionLiquidatesUpward) {
  State s = binance_venue();
  s.add_owner("carol");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("1000", 6)});
  a.positions.push_back({0, -qty("0.5", 8), qty("30000", 6), Price{}});  // short 0.5 @ 60,000
  const MarginCache c = build_margin_cache(s);
  const auto drivers = driver_risks(c, a);
  const DriverRisk& m = drivers[1];
  // notional 30,000 (bracket 1, MMR 0.4%): excess = 1,000 + 30,000 - 0.5 p - 0.002 p
  // -> liquidation at p > 31,000 / 0.502 = 61,752.98...
  ASSERT_TRUE(m.liquidation_price.has_value());
  EXPECT_NEAR(static_cast<double>(m.liquidation_price->raw()) / 1e9, 61752.988047808, 2e-6);
  EXPECT_GT(m.distance->raw(), 0);
}

TEST(Metrics, StalePriceNeverLiquidates) {
  State s = lending_venue();
  s.asset_params[0].max_price_age_s = 60;
  s.add_owner("alice");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("10", 9)});
  a.balances.push_back({1, -dec("19000", 6)});  // HF = 16,500 / 19,000 < 1
  s.now = 0;
  EXPECT_TRUE(compute_risk(build_margin_cache(s), a).liquidatable);
  s.now = 61;  // WETH price set at t=0 is now stale
  const AccountRisk r = compute_risk(build_margin_cache(s), a);
  EXPECT_FALSE(r.prices_usable);
  EXPECT_FALSE(r.liquidatable);
  EXPECT_LT(r.excess_maint.raw(), 0);  // the numbers still say what they say
}

TEST(Metrics, UpnlWeightAppliesToGainsOnly) {
  State s = binance_venue();
  s.params.upnl_weight_maint = rt("0.5");
  s.add_owner("dan");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("100", 6)});
  a.positions.push_back({0, qty("1", 8), -qty("50000", 6), Price{}});  // long 1 @ 50,000
  const AccountRisk r = compute_risk(build_margin_cache(s), a);
  // PnL +10,000 at 60,000: collateral 10,100, weighted 100 + 5,000
  EXPECT_EQ(r.unrealized_pnl, usd("10000"));
  EXPECT_EQ(r.collateral_value, usd("10100"));
  EXPECT_EQ(r.weighted_collateral_maint, usd("5100"));
  // notional 60,000 -> bracket 2: MM = 60,000 * 0.5% - 50 = 250
  EXPECT_EQ(r.maint_requirement, usd("250"));
}

TEST(Metrics, FundingOwedReducesEquity) {
  State s = binance_venue();
  s.perps[0].funding_index = px("12");  // longs have paid 12 USDT per BTC since snapshot 0
  s.add_owner("erin");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("1000", 6)});
  a.positions.push_back({0, qty("2", 8), -qty("120000", 6), Price{}});
  const AccountRisk r = compute_risk(build_margin_cache(s), a);
  EXPECT_EQ(r.unrealized_pnl, usd("-24"));  // 2 BTC * 12
}

TEST(Metrics, HugeNumbersTakeTheWidePathExactly) {
  State s = binance_venue();
  s.add_owner("whale");
  MarginAccount& a = s.accounts[0];
  // size * mark_num * maint rate overflows int128: 9e10 BTC at 60,000 with K=11
  a.positions.push_back({0, Quantity::from_raw(9'000'000'000'000'000'000), Quantity{}, Price{}});
  EXPECT_THROW((void)compute_risk(build_margin_cache(s), a), OverflowError);  // Value overflows
  a.positions[0].size = Quantity::from_raw(1'000'000'000'000'000);  // 10M BTC, fits in Value
  a.positions[0].quote = -qty("600000000000", 6);
  const AccountRisk r = compute_risk(build_margin_cache(s), a);
  EXPECT_EQ(r.perp_notional, usd("600000000000"));
  // bracket 4: 600e9 * 2.5% - 16,300
  EXPECT_EQ(r.maint_requirement, usd("14999983700"));
}

// Dust debt against a large deposit: HF = 20,000 * 0.88 / 0.000001 = 1.76e10 is beyond Ratio's
// range (9.2e9); it
// saturates instead of failing the valuation (found by the benchmark's random books).
TEST(Metrics, HugeRatiosSaturate) {
  State s = lending_venue();
  s.add_owner("dust");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({1, dec("20000", 6)});
  s.asset_params.push_back(asset("USDT", 6, "0", "0", true));
  s.assets.push_back(priced("1"));
  a.balances.push_back({2, -1});
  const AccountRisk r = compute_risk(build_margin_cache(s), a);
  EXPECT_EQ(r.health_factor, Ratio::from_raw(INT64_MAX));
  EXPECT_EQ(r.total_debt, usd("0.000001"));
  EXPECT_FALSE(r.liquidatable);
  // maint_excess agrees with the full valuation
  EXPECT_EQ(maint_excess(build_margin_cache(s), a), r.excess_maint);
}

// Review finding: one 18-decimal market makes K = 21 for every market, and the precomputed
// deduction numerators overflowed int128 silently. 2M notional in bracket 4: 2M * 2.5% - 16,300.
TEST(Metrics, TierDeductionsSurviveALargeCommonExponent) {
  State s = binance_venue();
  PerpParams eth;
  eth.symbol = "ETHUSDT";
  eth.base_decimals = 18;
  eth.quote = 0;
  eth.tiers = {{Quantity{}, rt("0.02"), rt("0.01")}};
  PerpState es;
  es.mark = es.oracle = px("3000");
  s.add_market(eth, es);
  s.add_owner("big");
  MarginAccount& a = s.accounts[0];
  a.balances.push_back({0, dec("1000000", 6)});
  a.positions.push_back({0, qty("40", 8), -qty("2000000", 6), Price{}});
  s.perps[0].mark = px("50000");
  const MarginCache c = build_margin_cache(s);
  EXPECT_EQ(c.k, 21);
  const AccountRisk r = compute_risk(c, a);
  EXPECT_EQ(r.maint_requirement, usd("33700"));
  EXPECT_EQ(maint_excess(c, a), r.excess_maint);
}

// Review finding: a price near the top of the range made the upward bracket overflow and aborted
// the whole report. Now the search simply ends there.
TEST(Metrics, SolverSurvivesHugePrices) {
  State s;
  s.add_asset(asset("BIG", 0, "0.5", "0.5"), priced("100000000"));
  s.add_asset(asset("USD", 6, "1", "1", true), priced("1"));
  s.add_owner("x");
  s.accounts[0].balances.push_back({0, 3});
  s.accounts[0].balances.push_back({1, -dec("1", 6)});
  const auto d = driver_risks(build_margin_cache(s), s.accounts[0]);
  ASSERT_EQ(d.size(), 2u);
  ASSERT_TRUE(d[0].liquidation_price.has_value());  // 1 / (3 * 0.5) below
  EXPECT_EQ(d[0].liquidation_price, px("0.666666666"));
}

TEST(Aggregates, UtilisationRatesAndCeilings) {
  State s = lending_venue();
  s.asset_params[1].rates = {rt("0"), rt("0.04"), rt("0.75"), rt("0.8")};
  s.asset_params[1].reserve_factor = rt("0.1");
  s.asset_params[1].debt_ceiling = usd("1000000");
  s.assets[1].total_supply_scaled = dec("1000000", 6);
  s.assets[1].total_borrow_scaled = dec("900000", 6);
  const VenueAggregate v = aggregate(s, build_margin_cache(s));
  const AssetAggregate& u = v.assets[1];
  EXPECT_EQ(u.utilization, rt("0.9"));
  // above the kink: 0.04 + 0.75 * (0.9 - 0.8) / 0.2 = 0.415; supply 0.415 * 0.9 * 0.9 = 0.33615
  EXPECT_EQ(u.borrow_rate, rt("0.415"));
  EXPECT_EQ(u.supply_rate, rt("0.33615"));
  EXPECT_EQ(u.debt_ceiling_utilization, rt("0.9"));
}

// rebuild_margin_cache reuses a cache built for another state (other assets, markets, tiers and
// prices) and leaves exactly what a fresh build gives.
TEST(Cache, RebuildInPlaceEqualsAFreshBuild) {
  const State perps = binance_venue();
  State bigger = binance_venue();
  bigger.params.upnl_weight_maint = rt("0.5");
  bigger.add_asset(asset("WETH", 9, "0.80", "0.825"), priced("2000"));
  PerpParams eth = bigger.perp_params[0];
  eth.symbol = "ETHUSDT";
  eth.tiers.resize(2);
  PerpState st;
  st.mark = st.oracle = px("3000");
  bigger.add_market(eth, st);
  const State lending = lending_venue();
  const std::array<const State*, 3> states = {&bigger, &lending, &perps};
  for (const State* from : states) {
    for (const State* to : states) {
      MarginCache c = build_margin_cache(*from);
      rebuild_margin_cache(*to, c);
      EXPECT_EQ(c, build_margin_cache(*to));
      EXPECT_FALSE(c == build_margin_cache(*from) && from != to);
    }
  }
}

}  // namespace
}  // namespace backstop
