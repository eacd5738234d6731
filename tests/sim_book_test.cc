// Generated populations (sim/book.h): the USD <-> quanta boundary by hand, lending accounts at
// their drawn health factor, perp accounts at their drawn notional and leverage, the supplier,
// open interest, and determinism from the seed.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "backstop/engine/engine.h"
#include "backstop/margin/risk.h"
#include "backstop/sim/book.h"

namespace backstop::sim {
namespace {

// USDC (6 decimals, $1), ETH (9 decimals, $2,000, maintenance weight 0.825), BTC-PERP (8 base
// decimals, mark 60,000, quote USDC, maintenance 5 %).
State venue() {
  State s;
  AssetParams usdc;
  usdc.symbol = "USDC";
  usdc.decimals = 6;
  usdc.weight_initial = Ratio::from_raw(1'000'000'000);
  usdc.weight_maint = Ratio::from_raw(1'000'000'000);
  usdc.borrowable = true;
  AssetState us;
  us.price = Price::from_raw(1'000'000'000);
  s.add_asset(usdc, us);
  AssetParams eth;
  eth.symbol = "ETH";
  eth.decimals = 9;
  eth.weight_initial = Ratio::from_raw(800'000'000);
  eth.weight_maint = Ratio::from_raw(825'000'000);
  AssetState es;
  es.price = Price::from_raw(2'000'000'000'000);
  s.add_asset(eth, es);
  PerpParams btc;
  btc.symbol = "BTC-PERP";
  btc.base_decimals = 8;
  btc.quote = 0;
  btc.tiers = {MarginTier{Quantity{}, Ratio::from_raw(100'000'000), Ratio::from_raw(50'000'000)}};
  PerpState bs;
  bs.mark = Price::from_raw(60'000'000'000'000);
  bs.oracle = bs.mark;
  s.add_market(btc, bs);
  return s;
}

Distribution fixed(double v) {
  Distribution d;
  d.kind = Distribution::Kind::Fixed;
  d.a = v;
  return d;
}

// The boundary the generator uses (money/fixed.h quantity_of / value_of):
// quanta = usd_raw * 10^(decimals + 3) / price_raw, rounded down; back to USD rounded as asked.
TEST(SimBook, UsdQuantaBoundaryByHand) {
  // $1,000 of ETH at $2,000: 0.5 ETH = 500,000,000 quanta (9 decimals).
  EXPECT_EQ(quantity_of(Value::from_raw(1'000'000'000), 9, Price::from_raw(2'000'000'000'000),
                        Rounding::Down)
                .raw(),
            500'000'000);
  // $1 of ETH at $3,000: 1/3000 ETH = 333,333.33... quanta -> 333,333 (down).
  EXPECT_EQ(
      quantity_of(Value::from_raw(1'000'000), 9, Price::from_raw(3'000'000'000'000), Rounding::Down)
          .raw(),
      333'333);
  // 333,333 quanta at $3,000 = $0.999999: down 999,999 micro-dollars, up the same (exact).
  EXPECT_EQ(
      value_of(Quantity::from_raw(333'333), 9, Price::from_raw(3'000'000'000'000), Rounding::Down)
          .raw(),
      999'999);
  // 1 quantum of ETH at $2,000 = $0.000002: exact.
  EXPECT_EQ(
      value_of(Quantity::from_raw(1), 9, Price::from_raw(2'000'000'000'000), Rounding::Up).raw(),
      2);
  // 1 quantum at $1,500 = $0.0000015: down 1, up 2.
  EXPECT_EQ(
      value_of(Quantity::from_raw(1), 9, Price::from_raw(1'500'000'000'000), Rounding::Down).raw(),
      1);
  EXPECT_EQ(
      value_of(Quantity::from_raw(1), 9, Price::from_raw(1'500'000'000'000), Rounding::Up).raw(),
      2);
  EXPECT_EQ(usd_from_model(1234.5678906).raw(), 1'234'567'891);  // nearest micro-dollar
  EXPECT_EQ(usd_from_model(-5).raw(), 0);
}

TEST(SimBook, LendingAccountsAtTheirHealthFactor) {
  State s = venue();
  Population p;
  p.kind = Population::Kind::Lending;
  p.prefix = "b";
  p.count = 20;
  p.collateral = 1;
  p.debt = 0;
  p.collateral_usd = fixed(10'000);
  p.health = fixed(1.5);
  p.utilization = Ratio::from_raw(800'000'000);
  const GeneratedBook g = add_populations(s, {p}, 1);
  EXPECT_EQ(g.accounts, 21);  // 20 borrowers + the supplier
  // Collateral 5 ETH each; debt 10,000 x 0.825 / 1.5 = 5,500 USDC each.
  EXPECT_EQ(g.collateral.raw(), 200'000'000'000);
  EXPECT_EQ(g.debt.raw(), 110'000'000'000);
  ASSERT_EQ(g.population_total.size(), 1U);
  EXPECT_EQ(g.population_total[0], g.debt);
  const Engine e(s);
  for (int i = 0; i < 20; ++i) {
    const auto owner = s.find_owner(fmt::format("b-{:06d}", i + 1));
    ASSERT_TRUE(owner.has_value());
    const AccountRisk r = e.risk(s.owners[*owner].accounts[0]);
    ASSERT_TRUE(r.health_factor.has_value());
    EXPECT_EQ(r.health_factor->raw(), 1'500'000'000);
    EXPECT_FALSE(r.liquidatable);
  }
  // The supplier deposits total debt / utilization = 110,000 / 0.8 = 137,500 USDC.
  const auto sup = s.find_owner("b-supplier");
  ASSERT_TRUE(sup.has_value());
  const TokenBalance* b = s.accounts[s.owners[*sup].accounts[0]].balance(0);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->scaled, 137'500'000'000);
  // Pool totals match the balances.
  EXPECT_EQ(s.assets[0].total_supply_scaled, 137'500'000'000);
  EXPECT_EQ(s.assets[0].total_borrow_scaled, 110'000'000'000);
  EXPECT_EQ(s.assets[1].total_supply_scaled, 100'000'000'000);  // 20 x 5 ETH
}

TEST(SimBook, PerpAccountsAtTheirNotionalAndLeverage) {
  State s = venue();
  Population p;
  p.kind = Population::Kind::Perp;
  p.prefix = "t";
  p.count = 10;
  p.market = 0;
  p.notional_usd = fixed(60'000);  // exactly 1 BTC at 60,000
  p.leverage = fixed(10);
  p.long_share = 1.0;
  const GeneratedBook g = add_populations(s, {p}, 7);
  EXPECT_EQ(g.accounts, 10);  // no supplier for perps
  EXPECT_EQ(g.notional.raw(), 600'000'000'000);
  EXPECT_EQ(g.collateral.raw(), 60'000'000'000);  // 6,000 USDC margin each
  EXPECT_EQ(s.perps[0].long_oi.raw(), 10 * 100'000'000);
  EXPECT_EQ(s.perps[0].short_oi.raw(), 0);
  const Engine e(s);
  for (int i = 0; i < 10; ++i) {
    const AccountId id = s.owners[*s.find_owner(fmt::format("t-{:06d}", i + 1))].accounts[0];
    const PerpPosition* pos = s.accounts[id].position(0);
    ASSERT_NE(pos, nullptr);
    EXPECT_EQ(pos->size.raw(), 100'000'000);
    EXPECT_EQ(pos->quote.raw(), -60'000'000'000);  // cost 60,000 USDC
    const AccountRisk r = e.risk(id);
    EXPECT_EQ(r.equity.raw(), 6'000'000'000);
    EXPECT_EQ(r.maint_requirement.raw(), 3'000'000'000);  // 5 % of 60,000
  }
}

TEST(SimBook, DeterministicFromTheSeedAndNamesChecked) {
  Population p;
  p.kind = Population::Kind::Perp;
  p.prefix = "t";
  p.count = 50;
  p.market = 0;
  p.notional_usd.kind = Distribution::Kind::LogNormal;
  p.notional_usd.a = 20'000;
  p.notional_usd.b = 1.0;
  p.notional_usd.lo = 1;
  p.leverage.kind = Distribution::Kind::Uniform;
  p.leverage.a = 2;
  p.leverage.b = 10;
  State a = venue();
  State b = venue();
  State c = venue();
  (void)add_populations(a, {p}, 5);
  (void)add_populations(b, {p}, 5);
  (void)add_populations(c, {p}, 6);
  EXPECT_EQ(Engine(a).state_hash(), Engine(b).state_hash());
  EXPECT_NE(Engine(a).state_hash(), Engine(c).state_hash());
  // Uniform leverage stays within [2, 10]: margin / notional within [1/10, 1/2] (rounding aside).
  const Engine e(a);
  for (AccountId id = 0; id < a.accounts.size(); ++id) {
    const AccountRisk r = e.risk(id);
    if (!r.perp_notional.is_positive()) continue;
    EXPECT_GE(r.equity.raw() * 10 + 10, r.perp_notional.raw());
    EXPECT_LE(r.equity.raw() * 2, r.perp_notional.raw() + 10);
  }
  // A name that exists is an input error naming the population.
  State d = venue();
  d.add_owner("t-000003");
  try {
    (void)add_populations(d, {p}, 5);
    FAIL() << "expected a clash";
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("'t-000003' already exists"), std::string::npos);
  }
}

}  // namespace
}  // namespace backstop::sim
