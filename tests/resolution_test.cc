// Resolution layer (resolution/resolver.h): liquidations, bad debt and the waterfall on small
// venues whose numbers are derived by hand from the published formulas.
#include <gtest/gtest.h>

#include "backstop/resolution/resolver.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;

std::string field(const ResolutionRecord& r, const std::string& name) {
  for (const auto& [k, v] : r.fields) {
    if (k == name) return v;
  }
  return "<missing " + name + ">";
}

std::vector<ResolutionRecord> of_kind(const Resolver& r, const std::string& kind) {
  std::vector<ResolutionRecord> out;
  for (const auto& x : r.records()) {
    if (x.kind == kind) out.push_back(x);
  }
  return out;
}

Quantity balance_of(const Engine& e, AccountId id, AssetId a) {
  const TokenBalance* b = e.state().accounts[id].balance(a);
  return b == nullptr ? Quantity{}
                      : signed_amount(b->scaled, e.state().assets[a].supply_index,
                                      e.state().assets[a].borrow_index);
}

// USDC (6 decimals, $1) and WETH (9 decimals, LT 0.85, LTV 0.8, bonus 5%); bob supplies 100,000
// USDC, alice deposits 10 WETH and borrows 15,000 USDC at $2,000.
struct Lending {
  Engine engine;
  AccountId alice = 0;
  AccountId bob = 0;
};

Lending lending_venue() {
  State s;
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  weth.liquidation_bonus = rt("0.05");
  s.add_asset(weth, priced("2000"));
  const OwnerId a = s.add_owner("alice");
  const OwnerId b = s.add_owner("bob");
  Lending v{Engine(std::move(s)), 0, 0};
  v.alice = v.engine.state().owners[a].accounts[0];
  v.bob = v.engine.state().owners[b].accounts[0];
  EXPECT_TRUE(v.engine.apply(ev(0, Deposit{v.bob, 0, qty("100000", 6)})).ok());
  EXPECT_TRUE(v.engine.apply(ev(0, Deposit{v.alice, 1, qty("10", 9)})).ok());
  EXPECT_TRUE(v.engine.apply(ev(0, Borrow{v.alice, 0, qty("15000", 6)})).ok());
  return v;
}

ResolutionConfig enabled() {
  ResolutionConfig c;
  c.enabled = true;
  return c;
}

// Aave v3.3 (../shared/reference/lending-protocols.md §1.4) at WETH $1,700:
//   HF = 10 * 1,700 * 0.85 / 15,000 = 0.963333333 > 0.95, both legs >= $2,000: close factor 50% of
//   the total debt -> 7,500 USDC.
//   baseCollateral = floor(7,500e6 * 1e9 [debt price] * 1e9 / (1,700e9 * 1e6)) = 4,411,764,705
//   maxColl = floor(4,411,764,705 * 1.05) = 4,632,352,940 (< 10 WETH): the liquidator repays 7,500
//   and receives 4.63235294 WETH. Leftovers 7,500 USDC and 5.36764706 WETH * 1,700 = $9,125 are
//   both >= $1,000 (dust rule). After: 5.36764706 * 1,700 * 0.85 = 7,756.25 >= 7,500: safe.
TEST(Resolution, AaveCloseFactorLiquidation) {
  Lending v = lending_venue();
  Resolver r(v.engine, enabled());
  ASSERT_TRUE(r.apply(ev(10, SetAssetPrice{1, px("1700")})).ok());
  const auto liq = of_kind(r, "liquidation");
  ASSERT_EQ(liq.size(), 1U);
  EXPECT_EQ(liq[0].account, v.alice);
  EXPECT_EQ(field(liq[0], "debt_repaid"), "7500");
  EXPECT_EQ(field(liq[0], "collateral_to_liquidator"), "4.63235294");
  EXPECT_EQ(field(liq[0], "close_factor_cap"), "7500");
  EXPECT_EQ(field(liq[0], "health_factor"), "0.963333333");
  EXPECT_EQ(balance_of(v.engine, v.alice, 0), qty("-7500", 6));
  EXPECT_EQ(balance_of(v.engine, v.alice, 1), qty("5.36764706", 9));
  EXPECT_FALSE(r.monitor().unsafe().contains(v.alice));
  EXPECT_EQ(r.journal().entries().size(), 1U);
  r.journal().check_balanced();
  EXPECT_TRUE(of_kind(r, "bad_debt").empty());
}

// The same account at WETH $1,000: HF = 8,500 / 15,000 = 0.566666666 <= 0.95, close factor 100%.
// 15,000 USDC would need 15 * 1.05 = 15.75 WETH > 10, so all 10 WETH go and
//   debtNeeded = ceil(10,000 / 1.05) = 9,523.809524 USDC (percentDivCeil, v3.4+ rounding).
// No collateral is left: the other 5,476.190476 USDC are written off (deficit) and the waterfall
// covers them: insurance fund 2,000 USDC (minimum 1 quantum: pays 1,999.999999), staked tranche
// 1,000 (max slash 30%: 300), then the USDC suppliers' haircut for the rest, 3,176.190477.
TEST(Resolution, AaveDeficitGoesThroughTheWaterfall) {
  Lending v = lending_venue();
  ResolutionConfig cfg = enabled();
  cfg.insurance[0] = InsuranceFund{qty("2000", 6), Quantity::from_raw(1), {}, std::nullopt, {}};
  cfg.tranche[0] = StakedTranche{qty("1000", 6), rt("0.3"), {}, std::nullopt};
  Resolver r(v.engine, cfg);
  ASSERT_TRUE(r.apply(ev(10, SetAssetPrice{1, px("1000")})).ok());
  const auto liq = of_kind(r, "liquidation");
  ASSERT_EQ(liq.size(), 1U);
  EXPECT_EQ(field(liq[0], "debt_repaid"), "9523.809524");
  EXPECT_EQ(field(liq[0], "collateral_to_liquidator"), "10");
  const auto bad = of_kind(r, "bad_debt");
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_EQ(field(bad[0], "amount"), "5476.190476");
  const auto steps = of_kind(r, "waterfall");
  ASSERT_EQ(steps.size(), 3U);
  EXPECT_EQ(field(steps[0], "layer"), "insurance_fund");
  EXPECT_EQ(field(steps[0], "amount"), "1999.999999");
  EXPECT_EQ(field(steps[1], "layer"), "staked_tranche");
  EXPECT_EQ(field(steps[1], "amount"), "300");
  EXPECT_EQ(field(steps[2], "layer"), "mutualization");
  EXPECT_EQ(field(steps[2], "amount"), "3176.190477");
  EXPECT_EQ(field(steps[2], "outstanding"), "0");
  EXPECT_EQ(balance_of(v.engine, v.alice, 0), Quantity{});
  EXPECT_EQ(balance_of(v.engine, v.alice, 1), Quantity{});
  EXPECT_EQ(r.config().insurance.at(0).balance, Quantity::from_raw(1));
  EXPECT_EQ(r.bad_debt().outstanding(0), Quantity{});
  // bob's 100,000 USDC bore the haircut: the supply index fell by >= 3,176.190477 / 100,000.
  const Quantity bob = balance_of(v.engine, v.bob, 0);
  EXPECT_LE(bob, qty("96823.809523", 6));
  EXPECT_GE(bob, qty("96823.809520", 6));
  r.journal().check_balanced();
  r.bad_debt().check();
}

TEST(Resolution, AbsentOrLateLiquidatorDoesNothing) {
  Lending v = lending_venue();
  ResolutionConfig cfg = enabled();
  cfg.liquidator.latency_s = 60;
  Resolver r(v.engine, cfg);
  ASSERT_TRUE(r.apply(ev(10, SetAssetPrice{1, px("1700")})).ok());
  EXPECT_TRUE(r.records().empty());
  EXPECT_TRUE(r.monitor().unsafe().contains(v.alice));
  ASSERT_TRUE(r.apply(ev(69, Tick{})).ok());  // 59 s later: still waiting
  EXPECT_TRUE(r.records().empty());
  ASSERT_TRUE(r.apply(ev(70, Tick{})).ok());
  EXPECT_EQ(of_kind(r, "liquidation").size(), 1U);

  Lending w = lending_venue();
  ResolutionConfig off = enabled();
  off.liquidator.present = false;
  Resolver none(w.engine, off);
  ASSERT_TRUE(none.apply(ev(10, SetAssetPrice{1, px("1000")})).ok());
  EXPECT_TRUE(none.records().empty());
}

// Toxic-spiral guard (lending-protocols.md (e), issue: LTV >= 1/(1+bonus)): at WETH $1,400 the
// account owes 15,000 against 14,000 of collateral: LTV 1.0714 >= 1/1.05 = 0.952, so a 5%-bonus
// liquidation would raise its LTV. With the guard it is refused and recorded.
TEST(Resolution, ToxicGuardRefusesAWorseningLiquidation) {
  Lending v = lending_venue();
  ResolutionConfig cfg = enabled();
  cfg.toxic_guard = true;
  Resolver r(v.engine, cfg);
  ASSERT_TRUE(r.apply(ev(10, SetAssetPrice{1, px("1400")})).ok());
  EXPECT_TRUE(of_kind(r, "liquidation").empty());
  ASSERT_EQ(of_kind(r, "toxic_guard").size(), 1U);
  EXPECT_EQ(balance_of(v.engine, v.alice, 1), qty("10", 9));
}

// A liquidator selling through a thin constant-product pool declines when the collateral would
// fetch less than the debt it repays.
TEST(Resolution, UnprofitableLiquidationIsDeclined) {
  Lending v = lending_venue();
  ResolutionConfig cfg = enabled();
  // WETH/USD pool with 10 WETH and $17,000: selling 4.63 WETH moves the price ~32%.
  cfg.asset_liquidity.emplace(
      1,
      LiquidityModel(ConstantProduct(PoolParams{Pair{9, 6}, qty("10", 9), qty("17000", 6), {}})));
  Resolver r(v.engine, cfg);
  ASSERT_TRUE(r.apply(ev(10, SetAssetPrice{1, px("1700")})).ok());
  EXPECT_TRUE(of_kind(r, "liquidation").empty());
  ASSERT_EQ(of_kind(r, "liquidation_declined").size(), 1U);
}

// USDC and BTC-PERP (8 decimals, IM 10 %, MM 5 %) at 10,000; alice (1,000 USDC) is long 1 BTC
// at 10,000 against bob (10,000 USDC).
struct PerpBook {
  Engine engine;
  AccountId alice = 0;
  AccountId bob = 0;
};

PerpBook perp_book() {
  State s;
  s.add_asset(asset("USDC", 6, "1", "1", true), priced("1"));
  s.add_market(one_tier_perp("BTC-PERP", 8, 0, "0.1", "0.05"), perp_at("10000"));
  const OwnerId a = s.add_owner("alice");
  const OwnerId b = s.add_owner("bob");
  PerpBook v{Engine(std::move(s)), 0, 0};
  v.alice = v.engine.state().owners[a].accounts[0];
  v.bob = v.engine.state().owners[b].accounts[0];
  EXPECT_TRUE(v.engine.apply(ev(0, Deposit{v.alice, 0, qty("1000", 6)})).ok());
  EXPECT_TRUE(v.engine.apply(ev(0, Deposit{v.bob, 0, qty("10000", 6)})).ok());
  EXPECT_TRUE(v.engine.apply(ev(0, Trade{v.alice, 0, qty("1", 8), px("10000"), v.bob})).ok());
  return v;
}

// Perps: BTC-PERP (8 decimals) quoted in USDC, IM 10%, MM 5%. alice: 1,000 USDC, long 1 BTC at
// 10,000 against bob's short. At mark 9,400: equity 400, MM 470 -> liquidatable. Closing x BTC at
// the mark with a 1% fee and exit buffer 2% of the remaining notional needs, in real numbers,
//   400 - 94 x - 470 (1 - x) >= 188 (1 - x)  <=>  x >= 258 / 564 = 0.457446808...
// With the exact roundings (fee and requirements up, to 10^-6 USDC) 0.45744681 falls short by one
// micro-dollar: fee ceil(43.00000014) = 43.000001, equity 356.999999, remaining notional
// 5,099.999986: MM ceil(254.9999993) = 255, buffer ceil(101.99999972) = 102, 357 > 356.999999.
// 0.45744682 exits: fee 43.000002, equity 356.999998; notional 5,099.999892: MM 254.999995,
// buffer 101.999998, 356.999993 <= 356.999998. The fee splits 50/50 (each half rounded down):
// 21.500001 to the insurance fund and the liquidator.
TEST(Resolution, PerpPartialLiquidationToBuffer) {
  PerpBook v = perp_book();
  Engine& e = v.engine;
  const AccountId alice = v.alice;
  ResolutionConfig cfg = enabled();
  cfg.insurance[0] = InsuranceFund{};
  Resolver r(e, cfg);
  ASSERT_TRUE(r.apply(ev(5, SetMarkPrice{0, px("9400"), std::nullopt})).ok());
  const auto liq = of_kind(r, "liquidation");
  ASSERT_EQ(liq.size(), 1U);
  EXPECT_EQ(field(liq[0], "size"), "0.45744682");
  EXPECT_EQ(field(liq[0], "remaining_size"), "0.54255318");
  EXPECT_EQ(field(liq[0], "fee"), "43.000002");
  EXPECT_EQ(field(liq[0], "fee_insurance"), "21.500001");
  EXPECT_EQ(field(liq[0], "fee_liquidator"), "21.500001");
  EXPECT_EQ(r.config().insurance.at(0).balance, qty("21.500001", 6));
  const AccountRisk after = r.engine().risk(alice);
  EXPECT_EQ(after.equity, usd("356.999998"));
  EXPECT_FALSE(r.monitor().unsafe().contains(alice));
  r.journal().check_balanced();
}

// clear_records drops the records and nothing else: the same events then leave the same state,
// journal and totals as on a resolver that kept its records.
TEST(Resolution, ClearRecordsChangesNothingElse) {
  PerpBook kept_book = perp_book();
  PerpBook cleared_book = perp_book();
  ResolutionConfig cfg = enabled();
  cfg.insurance[0] = InsuranceFund{};
  Resolver kept(kept_book.engine, cfg);
  Resolver cleared(cleared_book.engine, cfg);
  ASSERT_TRUE(kept.apply(ev(5, SetMarkPrice{0, px("9400"), std::nullopt})).ok());
  ASSERT_TRUE(cleared.apply(ev(5, SetMarkPrice{0, px("9400"), std::nullopt})).ok());
  ASSERT_EQ(of_kind(cleared, "liquidation").size(), 1U);
  cleared.clear_records();
  EXPECT_TRUE(cleared.records().empty());
  ASSERT_TRUE(kept.apply(ev(6, SetMarkPrice{0, px("8600"), std::nullopt})).ok());
  ASSERT_TRUE(cleared.apply(ev(6, SetMarkPrice{0, px("8600"), std::nullopt})).ok());
  EXPECT_EQ(kept.records().size(), 1 + cleared.records().size());
  EXPECT_GT(cleared.records().size(), 0U);  // the second drop liquidates again
  // The records written after the clear (into the field lists it kept for reuse) are the kept
  // resolver's, field for field.
  for (std::size_t i = 0; i < cleared.records().size(); ++i) {
    const ResolutionRecord& a = cleared.records()[i];
    const ResolutionRecord& b = kept.records()[1 + i];
    EXPECT_EQ(a.time, b.time);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.fields, b.fields);
  }
  EXPECT_EQ(kept.engine().state_hash(), cleared.engine().state_hash());
  EXPECT_EQ(kept.journal().size(), cleared.journal().size());
  EXPECT_EQ(kept.totals().liquidations, cleared.totals().liquidations);
  EXPECT_EQ(kept.totals().liquidated_value, cleared.totals().liquidated_value);
}

// What the market cannot absorb is auto-deleveraged. alice: 1,000 USDC, long 1 BTC at 10,000; the
// book bids only 0.5 BTC at 7,900. At mark 8,000 (equity -1,000) the whole position goes: 0.5 at
// 7,900 (alice receives 3,950), then 0.5 against bob's short at alice's bankruptcy price
//   equity after the fill = 1,000 - 10,000 + 3,950 + 0.5 * 8,000 = -1,050,
//   P_b = 8,000 - (-1,050 / 0.5) = 10,100,
// so bob buys back 0.5 BTC at 10,100 and alice ends at exactly zero: no bad debt.
TEST(Resolution, UnfilledRemainderIsDeleveragedAtTheBankruptcyPrice) {
  PerpBook v = perp_book();
  Engine& e = v.engine;
  const AccountId alice = v.alice;
  const AccountId bob = v.bob;
  ResolutionConfig cfg = enabled();
  cfg.perp = PerpLiquidation::Full;
  cfg.market_liquidity.emplace(
      0, LiquidityModel(DepthLadder(LadderParams{Pair{8, 6}, {{px("7900"), qty("0.5", 8)}}, {}})));
  Resolver r(e, cfg);
  ASSERT_TRUE(r.apply(ev(5, SetMarkPrice{0, px("8000"), std::nullopt})).ok());
  const auto liq = of_kind(r, "liquidation");
  ASSERT_EQ(liq.size(), 1U);
  EXPECT_EQ(field(liq[0], "size"), "0.5");
  EXPECT_EQ(field(liq[0], "price"), "7900");
  EXPECT_EQ(field(liq[0], "fee"), "0");
  const auto adl = of_kind(r, "adl_fill");
  ASSERT_EQ(adl.size(), 1U);
  EXPECT_EQ(adl[0].account, bob);
  EXPECT_EQ(field(adl[0], "size"), "0.5");
  EXPECT_EQ(field(adl[0], "price"), "10100");
  EXPECT_TRUE(e.state().accounts[alice].positions.empty());
  EXPECT_EQ(balance_of(e, alice, 0), Quantity{});
  EXPECT_TRUE(of_kind(r, "bad_debt").empty());
  EXPECT_EQ(e.state().accounts[bob].position(0)->size, qty("-0.5", 8));
  r.journal().check_balanced();
}

// The ADL bankruptcy price uses the position's share of the equity, pro rata to its maintenance
// margin (dYdX GetBankruptcyPriceInQuoteQuantums, perp-venues.md a.1), not equity that backs the
// account's other positions. alice: 2,300 USDC, long 1 BTC at 10,000 and long 5 ETH at 1,000
// (MM 5 % each), both against bob. BTC mark 8,000: equity 300 < MM 400 + 250 = 650. Full
// liquidation, largest notional first: the BTC book has no bids, so 1 BTC is deleveraged while
// the ETH position is still open. BTC's share of the margin is 400 / 650, so its equity share is
// floor(300 x 400 / 650) = 184.615384 and P_b = 8,000 - 184.615384 = 7,815.384616 (with the
// whole equity it would be 7,700). Then ETH closes at the mark with a 1 % fee of 50.
TEST(Resolution, AdlUsesThePositionsShareOfEquity) {
  State s;
  s.add_asset(asset("USDC", 6, "1", "1", true), priced("1"));
  s.add_market(one_tier_perp("BTC-PERP", 8, 0, "0.1", "0.05"), perp_at("10000"));
  s.add_market(one_tier_perp("ETH-PERP", 8, 0, "0.1", "0.05"), perp_at("1000"));
  const OwnerId a = s.add_owner("alice");
  const OwnerId b = s.add_owner("bob");
  Engine e(std::move(s));
  const AccountId alice = e.state().owners[a].accounts[0];
  const AccountId bob = e.state().owners[b].accounts[0];
  ASSERT_TRUE(e.apply(ev(0, Deposit{alice, 0, qty("2300", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Deposit{bob, 0, qty("100000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Trade{alice, 0, qty("1", 8), px("10000"), bob})).ok());
  ASSERT_TRUE(e.apply(ev(0, Trade{alice, 1, qty("5", 8), px("1000"), bob})).ok());
  ResolutionConfig cfg = enabled();
  cfg.perp = PerpLiquidation::Full;
  cfg.market_liquidity.emplace(0, LiquidityModel(DepthLadder(LadderParams{Pair{8, 6}, {}, {}})));
  Resolver r(e, cfg);
  ASSERT_TRUE(r.apply(ev(5, SetMarkPrice{0, px("8000"), std::nullopt})).ok());
  const auto adl = of_kind(r, "adl_fill");
  ASSERT_EQ(adl.size(), 1U);
  EXPECT_EQ(adl[0].account, bob);
  EXPECT_EQ(field(adl[0], "size"), "1");
  EXPECT_EQ(field(adl[0], "price"), "7815.384616");
  const auto liq = of_kind(r, "liquidation");
  ASSERT_EQ(liq.size(), 1U);
  EXPECT_EQ(field(liq[0], "market"), "ETH-PERP");
  EXPECT_EQ(field(liq[0], "fee"), "50");
  EXPECT_TRUE(e.state().accounts[alice].positions.empty());
  EXPECT_TRUE(of_kind(r, "bad_debt").empty());
  // 300 - 184.615384 (BTC closed below the mark) - 50 (fee) = 65.384616
  EXPECT_EQ(r.engine().risk(alice).equity, usd("65.384616"));
  r.journal().check_balanced();
}

}  // namespace
}  // namespace backstop
