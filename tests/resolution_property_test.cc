// Resolution layer (resolution/resolver.h) on random books and random price paths: lending and
// perp accounts built through the Engine, random insurance funds, tranches, liquidity models,
// waterfall orders (with and without RecapDebt), perp policies, toxic guard and liquidator
// behaviour, and price paths with crash-size moves. After every event the invariants of
// fuzz/resolution_invariants.h must hold (conservation, balanced journal, bad-debt ledger, fund
// minimum, waterfall layer order against the replayed fund/tranche state, ADL fills within the
// remaining size, monitor == full rescan, no liquidatable account left behind without a reason).
// Across the seeds every path must actually be exercised (liquidations, bad debt, waterfall
// steps past an exhausted layer, ADL fills, declines): a property that is never reached is a
// defect of the test.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "backstop/resolution/resolver.h"
#include "resolution_invariants.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;
using fuzz::ResolutionChecker;
using fuzz::ResolutionCounts;

constexpr AssetId kUsdc = 0;
constexpr AssetId kWeth = 1;
constexpr AssetId kWbtc = 2;

int64_t uniform(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
}
bool chance(std::mt19937_64& rng, int percent) {
  return uniform(rng, 0, 99) < percent;
}

// p * (10,000 + bp) / 10,000, at least one raw unit (prices stay positive).
Price moved_bp(Price p, int64_t bp) {
  const int128 next = mul_div(p.raw(), 10'000 + bp, 10'000, Rounding::Down);
  return Price::from_raw(std::max<int64_t>(static_cast<int64_t>(next), 1));
}

Value scaled(Value v, int64_t percent) {
  return Value::from_raw(static_cast<int64_t>(mul_div(v.raw(), percent, 100, Rounding::Down)));
}

struct Book {
  Engine engine;
  std::vector<AccountId> makers;     // large USDC suppliers, perp counterparties
  std::vector<AccountId> borrowers;  // lending accounts
  std::vector<AccountId> traders;    // perp accounts (some also borrow)
};

// USDC / WETH / WBTC (all borrowable, kinked rates), BTC-PERP and ETH-PERP quoted in USDC with
// two tiers (IM 5% / MM 2.5%, above $100k 10% / 5%). Accounts are opened through the engine, each
// near its limit (a random 30-100% of its free collateral), retrying smaller when rejected.
Book make_book(std::mt19937_64& rng, int owners) {
  State s;
  const RateModel rates{rt("0.02"), rt("0.08"), rt("1.5"), rt("0.8")};
  AssetParams usdc = asset("USDC", 6, "0.85", "0.9", true);
  usdc.rates = rates;
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  weth.rates = rates;
  weth.liquidation_bonus = rt("0.05");
  AssetParams wbtc = asset("WBTC", 8, "0.7", "0.78", true);
  wbtc.rates = rates;
  wbtc.liquidation_bonus = rt("0.075");
  if (chance(rng, 20)) wbtc.max_price_age_s = 3600;  // stale prices block liquidations
  s.add_asset(usdc, priced("1"));
  s.add_asset(weth, priced("2000"));
  s.add_asset(wbtc, priced("60000"));
  add_btc_eth_perps(s, kUsdc);
  std::vector<AccountId> ids;
  for (int i = 0; i < owners; ++i) {
    std::string name = "u";  // (not "u" + ...: GCC 12 -O3 -Wrestrict false positive)
    name += std::to_string(i);
    ids.push_back(s.owners[s.add_owner(name)].accounts[0]);
  }
  Book b{Engine(std::move(s)), {}, {}, {}};
  Engine& e = b.engine;
  auto ok = [&](EventBody body) { return e.apply(ev(0, std::move(body))).ok(); };
  for (AccountId a : ids) {
    const int64_t kind = uniform(rng, 0, 9);
    if (kind < 2) {
      (void)ok(Deposit{a, kUsdc, Quantity::from_raw(uniform(rng, 200'000, 2'000'000) * 1'000'000)});
      if (chance(rng, 50))
        (void)ok(Deposit{a, kWeth, Quantity::from_raw(uniform(rng, 10, 500) * 1'000'000'000)});
      b.makers.push_back(a);
    } else if (kind < 6) {
      if (chance(rng, 60))
        (void)ok(Deposit{a, kWeth, Quantity::from_raw(uniform(rng, 1'000, 100'000) * 1'000'000)});
      if (chance(rng, 40))
        (void)ok(Deposit{a, kWbtc, Quantity::from_raw(uniform(rng, 1'000, 300'000) * 1'000)});
      if (chance(rng, 20))
        (void)ok(Deposit{a, kUsdc, Quantity::from_raw(uniform(rng, 1'000, 100'000) * 1'000'000)});
      b.borrowers.push_back(a);
    } else {
      (void)ok(Deposit{a, kUsdc, Quantity::from_raw(uniform(rng, 500, 50'000) * 1'000'000)});
      if (chance(rng, 25))
        (void)ok(Deposit{a, kWeth, Quantity::from_raw(uniform(rng, 100, 10'000) * 1'000'000)});
      b.traders.push_back(a);
    }
  }
  // Borrow near the limit: USDC against WETH/WBTC, or WETH/WBTC against USDC (a short).
  auto borrow = [&](AccountId a) {
    const AssetId debt = chance(rng, 75) ? kUsdc : (chance(rng, 60) ? kWeth : kWbtc);
    int64_t pct = uniform(rng, 30, 100);
    for (int tries = 0; tries < 6 && pct > 0; ++tries, pct = pct * 7 / 10) {
      const Value free = e.risk(a).free_collateral;
      if (!free.is_positive()) return;
      const Quantity q = quantity_of(scaled(free, pct), e.state().asset_params[debt].decimals,
                                     e.state().assets[debt].price, Rounding::Down);
      if (q.is_positive() && ok(Borrow{a, debt, q})) return;
    }
  };
  for (AccountId a : b.borrowers) borrow(a);
  // Perp positions at up to ~20x against a maker or another trader.
  for (AccountId a : b.traders) {
    const int positions = static_cast<int>(uniform(rng, 1, 2));
    for (int k = 0; k < positions; ++k) {
      const auto m = static_cast<MarketId>(uniform(rng, 0, 1));
      const bool with_maker = !b.makers.empty() && (b.traders.size() < 2 || chance(rng, 60));
      AccountId cp =
          with_maker ? b.makers[rng() % b.makers.size()] : b.traders[rng() % b.traders.size()];
      if (cp == a) continue;
      const bool longs = chance(rng, 50);
      int64_t pct = uniform(rng, 30, 100);
      for (int tries = 0; tries < 6 && pct > 0; ++tries, pct = pct * 7 / 10) {
        const Value free = e.risk(a).free_collateral;
        if (!free.is_positive()) break;
        const Quantity q =
            quantity_of(scaled(free, pct * 19), e.state().perp_params[m].base_decimals,
                        e.state().perps[m].mark, Rounding::Down);
        if (!q.is_positive()) break;
        const Price p = e.state().perps[m].mark;
        if (ok(Trade{a, m, longs ? q : -q, p, cp})) break;
      }
    }
    if (chance(rng, 20)) borrow(a);
  }
  return b;
}

LiquidityModel random_model(std::mt19937_64& rng, Pair pair, Price ref, int64_t usd_depth) {
  // usd_depth: rough dollars of liquidity near the price.
  const int64_t base_one = static_cast<int64_t>(pow10_128(pair.base_decimals));
  switch (uniform(rng, 0, 2)) {
    case 0:
      return SlippageCurve(
          SlippageParams{pair, ref, Quantity::from_raw(usd_depth * 1'000'000),
                         Ratio::from_raw(uniform(rng, 200, 1'000) * 1'000'000),
                         chance(rng, 50) ? ImpactShape::Linear : ImpactShape::Sqrt});
    case 1: {
      // base reserve worth usd_depth at ref
      const Quantity base = quantity_of(Value::from_raw(usd_depth * 1'000'000), pair.base_decimals,
                                        ref, Rounding::Down);
      return ConstantProduct(PoolParams{pair, base, Quantity::from_raw(usd_depth * 1'000'000),
                                        Ratio::from_raw(3'000'000)});
    }
    default: {
      LadderParams lp{pair, {}, {}};
      const int levels = static_cast<int>(uniform(rng, 1, 6));
      for (int i = 0; i < levels; ++i) {
        const Quantity q = quantity_of(Value::from_raw(usd_depth * 1'000'000 / levels),
                                       pair.base_decimals, ref, Rounding::Down);
        const Quantity lvl = Quantity::from_raw(std::max<int64_t>(q.raw(), base_one / 1000 + 1));
        lp.bids.push_back(Level{moved_bp(ref, -50 - 100 * i), lvl});
        lp.asks.push_back(Level{moved_bp(ref, 50 + 100 * i), lvl});
      }
      return DepthLadder(lp);
    }
  }
}

ResolutionConfig random_config(std::mt19937_64& rng, const Engine& e) {
  ResolutionConfig c;
  c.enabled = true;
  c.protocol_fee = chance(rng, 50) ? Ratio{} : rt("0.1");
  c.toxic_guard = chance(rng, 40);
  c.perp = chance(rng, 50) ? PerpLiquidation::PartialToBuffer : PerpLiquidation::Full;
  c.perp_fee = Ratio::from_raw(uniform(rng, 0, 20) * 1'000'000);
  c.perp_fee_to_insurance = Ratio::from_raw(uniform(rng, 0, 10) * 100'000'000);
  c.buffer = Ratio::from_raw(uniform(rng, 0, 30) * 1'000'000);
  std::vector<Layer> layers = {Layer::InsuranceFund, Layer::StakedTranche, Layer::Mutualization};
  if (chance(rng, 50)) layers.push_back(Layer::RecapDebt);
  if (chance(rng, 20)) layers.push_back(Layer::Adl);
  std::shuffle(layers.begin(), layers.end(), rng);
  // A prefix-heavy order: usually the fund first, sometimes layers dropped.
  if (chance(rng, 60)) {
    std::stable_partition(layers.begin(), layers.end(),
                          [](Layer l) { return l == Layer::InsuranceFund; });
  }
  while (!layers.empty() && chance(rng, 25))
    layers.erase(layers.begin() + static_cast<std::ptrdiff_t>(rng() % layers.size()));
  c.waterfall = layers;
  if (chance(rng, 85)) {
    InsuranceFund f;
    f.balance = Quantity::from_raw(uniform(rng, 0, 100'000) * 1'000'000);
    f.min_balance =
        Quantity::from_raw(uniform(rng, 0, 3) == 0 ? 0 : uniform(rng, 1, 5'000'000'000));
    f.min_balance = std::min(f.min_balance, f.balance);
    if (chance(rng, 25)) f.step_cap = Quantity::from_raw(uniform(rng, 1, 20'000) * 1'000'000);
    c.insurance[kUsdc] = f;
  }
  if (chance(rng, 30))
    c.insurance[kWeth] = InsuranceFund{
        Quantity::from_raw(uniform(rng, 0, 20) * 1'000'000'000), {}, {}, std::nullopt, {}};
  if (chance(rng, 60)) {
    c.tranche[kUsdc] = StakedTranche{Quantity::from_raw(uniform(rng, 0, 200'000) * 1'000'000),
                                     Ratio::from_raw(uniform(rng, 1, 10) * 50'000'000),
                                     {},
                                     std::nullopt};
  }
  c.adl = static_cast<AdlRanking>(uniform(rng, 0, 3));
  const State& s = e.state();
  if (chance(rng, 60)) {
    for (AssetId a : {kWeth, kWbtc}) {
      if (chance(rng, 70)) {
        c.asset_liquidity.emplace(
            a, random_model(rng, Pair{s.asset_params[a].decimals, 6}, s.assets[a].price,
                            uniform(rng, 20'000, 5'000'000)));
      }
    }
  }
  if (chance(rng, 70)) {
    for (MarketId m = 0; m < s.perps.size(); ++m) {
      if (chance(rng, 70)) {
        c.market_liquidity.emplace(
            m, random_model(rng, Pair{s.perp_params[m].base_decimals, 6}, s.perps[m].mark,
                            uniform(rng, 50'000, 5'000'000)));
      }
    }
  }
  if (chance(rng, 30)) c.impact_half_life_s = uniform(rng, 30, 1800);
  if (chance(rng, 10)) c.caps.max_liquidations = uniform(rng, 1, 5);
  c.liquidator.present = chance(rng, 92);
  c.liquidator.latency_s = chance(rng, 60) ? 0 : uniform(rng, 1, 900);
  c.liquidator.require_profit = chance(rng, 60);
  if (chance(rng, 30))
    c.liquidator.capital[kUsdc] = Quantity::from_raw(uniform(rng, 0, 300'000) * 1'000'000);
  if (chance(rng, 15))
    c.liquidator.capital[kWeth] = Quantity::from_raw(uniform(rng, 0, 50) * 1'000'000'000);
  return c;
}

// A random event: mostly price moves (with crashes and pumps), some ticks, funding and user
// actions that the engine may reject.
Event random_event(std::mt19937_64& rng, const Book& b, Timestamp t) {
  const State& s = b.engine.state();
  const int64_t kind = uniform(rng, 0, 99);
  auto step_bp = [&]() -> int64_t {
    const int64_t r = uniform(rng, 0, 99);
    if (r < 8) return -uniform(rng, 2'000, 7'000);  // crash
    if (r < 13) return uniform(rng, 2'000, 8'000);  // pump
    return uniform(rng, -500, 500);
  };
  if (kind < 30) {
    const AssetId a = chance(rng, 55) ? kWeth : kWbtc;
    return ev(t, SetAssetPrice{a, moved_bp(s.assets[a].price, step_bp())});
  }
  if (kind < 33)
    return ev(t, SetAssetPrice{kUsdc, moved_bp(s.assets[kUsdc].price, uniform(rng, -300, 100))});
  if (kind < 70) {
    const auto m = static_cast<MarketId>(uniform(rng, 0, 1));
    return ev(t, SetMarkPrice{m, moved_bp(s.perps[m].mark, step_bp()), std::nullopt});
  }
  if (kind < 78) return ev(t, Tick{});
  if (kind < 83) {
    return ev(t, Funding{static_cast<MarketId>(uniform(rng, 0, 1)), std::nullopt,
                         Ratio::from_raw(uniform(rng, -2'000'000, 2'000'000))});
  }
  const AccountId a = static_cast<AccountId>(rng() % s.accounts.size());
  if (kind < 88)
    return ev(t, Deposit{a, kUsdc, Quantity::from_raw(uniform(rng, 1, 20'000) * 1'000'000)});
  if (kind < 92)
    return ev(t, Borrow{a, kUsdc, Quantity::from_raw(uniform(rng, 1, 20'000) * 1'000'000)});
  const auto m = static_cast<MarketId>(uniform(rng, 0, 1));
  const AccountId cp = b.makers.empty() ? a : b.makers[rng() % b.makers.size()];
  const Quantity q = quantity_of(Value::from_raw(uniform(rng, -50'000, 50'000) * 1'000'000),
                                 s.perp_params[m].base_decimals, s.perps[m].mark, Rounding::Down);
  return ev(t, Trade{a, m, q, s.perps[m].mark, cp == a ? std::nullopt : std::optional(cp)});
}

std::vector<ResolutionRecord> of_kind(const Resolver& r, const std::string& kind) {
  std::vector<ResolutionRecord> out;
  for (const auto& x : r.records()) {
    if (x.kind == kind) out.push_back(x);
  }
  return out;
}

std::string field(const ResolutionRecord& r, const std::string& name) {
  for (const auto& [k, v] : r.fields) {
    if (k == name) return v;
  }
  return "<missing " + name + ">";
}

// Regression (found by the property test, seed 19): a perp account that also borrowed a token
// other than the market's quote asset is written off with the market attached to every loss, so
// the WBTC loss was "socialized over BTC-PERP positions" by taking WBTC quanta out of their USDC
// quote (ConservationError). A loss is a market's loss only in its quote asset.
//   alice: 1,000 USDC, borrows 0.004 WBTC ($240), long 0.1 BTC at 60,000 against bob
//   (initial: 0.9 x 1,000 = 900 >= 240 + 10% x 6,000 = 840). Mark 45,000: PnL -1,500. Full
//   liquidation closes at the mark: USDC 1,000 - 1,500 = -500, equity -740 (no fee), nothing left:
//   written off 500 USDC (-> bob's short, the only open interest) and 0.004 WBTC (-> carol, the
//   WBTC supplier: index 1 - ceil(400,000 / 1e8) = 0.996, so 0.996 WBTC).
TEST(ResolutionProperty, NonQuoteLossOfAPerpAccountGoesToSuppliers) {
  State s;
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  s.add_asset(asset("WBTC", 8, "0.7", "0.78", true), priced("60000"));
  s.add_market(one_tier_perp("BTC-PERP", 8, 0, "0.1", "0.05"), perp_at("60000"));
  const AccountId alice = s.owners[s.add_owner("alice")].accounts[0];
  const AccountId bob = s.owners[s.add_owner("bob")].accounts[0];
  const AccountId carol = s.owners[s.add_owner("carol")].accounts[0];
  Engine e(std::move(s));
  ASSERT_TRUE(e.apply(ev(0, Deposit{bob, 0, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Deposit{carol, 1, qty("1", 8)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Deposit{alice, 0, qty("1000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Borrow{alice, 1, qty("0.004", 8)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Trade{alice, 0, qty("0.1", 8), px("60000"), bob})).ok());
  ResolutionConfig cfg;
  cfg.enabled = true;
  cfg.perp = PerpLiquidation::Full;
  cfg.waterfall = {Layer::Mutualization};
  Resolver r(e, cfg);
  ResolutionChecker check(r);
  ASSERT_EQ(check.apply(ev(5, SetMarkPrice{0, px("45000"), std::nullopt})), "");
  const auto bad = of_kind(r, "bad_debt");
  ASSERT_EQ(bad.size(), 2U);
  EXPECT_EQ(field(bad[0], "amount"), "500");
  EXPECT_EQ(field(bad[1], "amount"), "0.004");
  const auto steps = of_kind(r, "waterfall");
  ASSERT_EQ(steps.size(), 2U);
  EXPECT_EQ(field(steps[0], "asset"), "USDC");  // over the open interest
  EXPECT_EQ(field(steps[1], "asset"), "WBTC");  // off the WBTC suppliers
  EXPECT_EQ(field(steps[1], "layer"), "mutualization");
  EXPECT_EQ(e.state().assets[1].supply_index, Index::from_raw(996'000'000'000));
  EXPECT_EQ(e.state().accounts[bob].position(0)->quote, qty("5500", 6));  // 6,000 - 500
  EXPECT_EQ(r.bad_debt().outstanding(0), Quantity{});
  EXPECT_EQ(r.bad_debt().outstanding(1), Quantity{});
}

// Regression (found by the property test, seed 30, and the fuzz target): a supplier haircut could
// take the whole supply, leaving the supply index at 0 (every later balance operation on the
// asset divided by zero) or at a few raw units (later scaled balances overflowed). The haircut
// now stops at an index of 10^-3. A perp loss realised into a USDC balance is a debt no pool
// liquidity limited, so a lending write-off can exceed the supply:
//   alice: 1 WETH ($2,000, initial 1,600), long 0.25 BTC at 60,000 (IM 1,500) against bob
//   (10,000 USDC, the only USDC supplier). Mark 12,000: the full liquidation closes at the mark,
//   USDC -12,000; the WETH is left, so the next round liquidates the loan: HF = 1,700 / 12,000
//   -> 100%, all 1 WETH for ceil(2,000 / 1.05) = 1,904.761905 USDC; deficit 10,095.238095.
//   Suppliers absorb at most floor((1e12 - 1e9) x 1e10 / 1e12) = 9,990 USDC (index 10^-3 left,
//   bob keeps 10 USDC); the other 105.238095 go to RecapDebt; a later USDC deposit is accepted.
TEST(ResolutionProperty, SupplierHaircutLeavesAPositiveIndex) {
  State s;
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  weth.liquidation_bonus = rt("0.05");
  s.add_asset(weth, priced("2000"));
  s.add_market(one_tier_perp("BTC-PERP", 8, 0, "0.1", "0.05"), perp_at("60000"));
  const AccountId alice = s.owners[s.add_owner("alice")].accounts[0];
  const AccountId bob = s.owners[s.add_owner("bob")].accounts[0];
  const AccountId carol = s.owners[s.add_owner("carol")].accounts[0];
  Engine e(std::move(s));
  ASSERT_TRUE(e.apply(ev(0, Deposit{bob, 0, qty("10000", 6)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Deposit{alice, 1, qty("1", 9)})).ok());
  ASSERT_TRUE(e.apply(ev(0, Trade{alice, 0, qty("0.25", 8), px("60000"), bob})).ok());
  ResolutionConfig cfg;
  cfg.enabled = true;
  cfg.perp = PerpLiquidation::Full;
  cfg.waterfall = {Layer::Mutualization, Layer::RecapDebt};
  Resolver r(e, cfg);
  ResolutionChecker check(r);
  ASSERT_EQ(check.apply(ev(5, SetMarkPrice{0, px("12000"), std::nullopt})), "");
  const auto bad = of_kind(r, "bad_debt");
  ASSERT_EQ(bad.size(), 1U);
  EXPECT_EQ(field(bad[0], "amount"), "10095.238095");
  const auto steps = of_kind(r, "waterfall");
  ASSERT_EQ(steps.size(), 2U);
  EXPECT_EQ(field(steps[0], "layer"), "mutualization");
  EXPECT_EQ(field(steps[0], "amount"), "9990");
  EXPECT_EQ(field(steps[1], "layer"), "recap_debt");
  EXPECT_EQ(field(steps[1], "amount"), "105.238095");
  EXPECT_EQ(e.state().assets[0].supply_index, Index::from_raw(1'000'000'000));
  ASSERT_EQ(check.apply(ev(6, Deposit{carol, 0, qty("1", 6)})), "");
  EXPECT_EQ(r.bad_debt().outstanding(0), Quantity{});
}

void add(ResolutionCounts& sum, const ResolutionCounts& c) {
  sum.events += c.events;
  sum.accepted += c.accepted;
  sum.liquidations += c.liquidations;
  sum.perp_liquidations += c.perp_liquidations;
  sum.declined += c.declined;
  sum.bad_debts += c.bad_debts;
  sum.waterfall_steps += c.waterfall_steps;
  sum.recap_steps += c.recap_steps;
  sum.uncovered += c.uncovered;
  sum.adl_fills += c.adl_fills;
  sum.adl_unfilled += c.adl_unfilled;
  sum.socializations += c.socializations;
  sum.later_layer_steps += c.later_layer_steps;
  sum.left_unsafe_checked += c.left_unsafe_checked;
}

TEST(ResolutionProperty, InvariantsHoldOnRandomBooksAndPricePaths) {
  ResolutionCounts sum;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    Book b = make_book(rng, static_cast<int>(uniform(rng, 20, 80)));
    const ResolutionConfig cfg = random_config(rng, b.engine);
    Resolver r(b.engine, cfg);
    ResolutionChecker check(r);
    Timestamp t = 0;
    const int events = 150;
    for (int i = 0; i < events; ++i) {
      t += chance(rng, 10) ? 0 : uniform(rng, 1, 900);
      const Event e = random_event(rng, b, t);
      const std::size_t mark = r.records().size();
      const std::size_t jmark = r.journal().size();
      const std::string err = check.apply(e);
      if (!err.empty() && std::getenv("RESPROP_DEBUG") != nullptr) {
        for (std::size_t k = mark; k < r.records().size(); ++k) {
          const auto& rec = r.records()[k];
          std::string f;
          for (const auto& [a, v] : rec.fields) f += fmt::format(" {}={}", a, v.str());
          std::printf("REC %s acct=%d%s\n", std::string(rec.kind).c_str(),
                      rec.account ? static_cast<int>(*rec.account) : -1, f.c_str());
        }
        for (std::size_t k = jmark; k < r.journal().size(); ++k) {
          const auto& je = r.journal().entries()[k];
          std::printf("JE kind=%d subject=%d legs=%zu\n", static_cast<int>(je.kind),
                      je.subject ? static_cast<int>(*je.subject) : -1, je.legs.size());
        }
      }
      ASSERT_EQ(err, "") << "seed " << seed << " event " << i << " at t=" << t << " ("
                         << e.body.index() << ")";
    }
    add(sum, check.counts());
  }
  // Every path was exercised somewhere.
  EXPECT_GT(sum.accepted, sum.events / 2);
  EXPECT_GT(sum.liquidations, 0);
  EXPECT_GT(sum.perp_liquidations, 0);
  EXPECT_GT(sum.liquidations - sum.perp_liquidations, 0);
  EXPECT_GT(sum.declined, 0);
  EXPECT_GT(sum.bad_debts, 0);
  EXPECT_GT(sum.waterfall_steps, 0);
  EXPECT_GT(sum.later_layer_steps, 0);
  EXPECT_GT(sum.recap_steps, 0);
  EXPECT_GT(sum.uncovered, 0);
  EXPECT_GT(sum.socializations, 0);
  EXPECT_GT(sum.adl_fills, 0);
  EXPECT_GT(sum.left_unsafe_checked, 0);
  std::printf(
      "events %lld accepted %lld liquidations %lld (perp %lld) declined %lld bad_debt %lld "
      "waterfall %lld (past an exhausted layer %lld, recap %lld) uncovered %lld "
      "socialization %lld adl %lld unfilled %lld left-unsafe checked %lld\n",
      static_cast<long long>(sum.events), static_cast<long long>(sum.accepted),
      static_cast<long long>(sum.liquidations), static_cast<long long>(sum.perp_liquidations),
      static_cast<long long>(sum.declined), static_cast<long long>(sum.bad_debts),
      static_cast<long long>(sum.waterfall_steps), static_cast<long long>(sum.later_layer_steps),
      static_cast<long long>(sum.recap_steps), static_cast<long long>(sum.uncovered),
      static_cast<long long>(sum.socializations), static_cast<long long>(sum.adl_fills),
      static_cast<long long>(sum.adl_unfilled), static_cast<long long>(sum.left_unsafe_checked));
}

}  // namespace
}  // namespace backstop
