// Property test: compute_risk / maint_excess against an independent reference valuation written
// straight from docs/metrics.md in 256-bit integers, on random books that cover the unchecked,
// checked and 256-bit perp paths (sizes from dust to beyond the safe bounds).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "backstop/margin/risk.h"
#include "backstop/money/wide.h"
#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

Int256 pow10w(int n) {
  Int256 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

Int256 floor_div(const Int256& a, const Int256& b) {
  Int256 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
  return q;
}
Int256 ceil_div(const Int256& a, const Int256& b) {
  return -floor_div(-a, b);
}

// Reference maintenance excess (docs/metrics.md), perps only plus one quote deposit at price 1.
Int256 reference_excess(const State& s, const MarginAccount& a) {
  const int dq = s.asset_params[0].decimals;
  // PnL and MM per position as exact rationals over 10^(db + 9) (quote quanta); one quote group.
  const Int256 den = pow10w(30);
  Int256 pnl = 0;  // quote quanta * 10^30
  Int256 mm = 0;   // quote quanta * 10^30 * 10^9
  for (const PerpPosition& p : a.positions) {
    const PerpParams& pp = s.perp_params[p.market];
    const PerpState& st = s.perps[p.market];
    const Int256 to30 = pow10w(30 - (pp.base_decimals + 9 - dq));
    const Int256 value = to256(p.size.raw()) * to256(st.mark.raw()) * to30;
    const Int256 owed = to256(p.size.raw()) *
                        (to256(st.funding_index.raw()) - to256(p.funding_snapshot.raw())) * to30;
    pnl += value + to256(p.quote.raw()) * den - owed;
    const Int256 n = value < 0 ? Int256(-value) : value;
    std::size_t t = 0;
    for (std::size_t i = 1; i < pp.tiers.size(); ++i) {
      if (n >= to256(pp.tiers[i].notional_floor.raw()) * den) t = i;
    }
    Int256 ded = 0;  // quote quanta * 10^9
    for (std::size_t i = 1; i <= t; ++i) {
      ded += to256(pp.tiers[i].notional_floor.raw()) *
             (to256(pp.tiers[i].maint_rate.raw()) - to256(pp.tiers[i - 1].maint_rate.raw()));
    }
    mm += n * to256(pp.tiers[t].maint_rate.raw()) - ded * den;
  }
  const Int256 pnl_q = floor_div(pnl, den);  // quote quanta = micro-USD at $1
  const Int256 mm_q = ceil_div(mm, den * pow10w(9));
  const Int256 deposit = to256(a.balances.empty() ? 0 : a.balances[0].scaled);
  // quote at $1 with 6 decimals: quanta are micro-dollars; deposit weight 1; upnl weight 1.
  return deposit + pnl_q - mm_q;
}

TEST(MarginProperty, MatchesReferenceOnRandomBooks) {
  std::mt19937_64 rng(20261124);
  State s;
  s.add_asset(asset("USDC", 6, "1", "1"), priced("1"));
  for (int m = 0; m < 4; ++m) {
    PerpParams p;
    p.symbol = fmt::format("P{}", m);
    p.base_decimals = 4 + 4 * m;  // 4, 8, 12, 16: K = 19 for every market
    p.quote = 0;
    p.tiers = {{Quantity{}, rt("0.02"), rt("0.01")},
               {qty("100000", 6), rt("0.05"), rt("0.025")},
               {qty("5000000", 6), rt("0.2"), rt("0.1")}};
    PerpState st;
    st.mark = st.oracle = Price::from_raw(static_cast<int64_t>(rng() % 100'000'000'000'000) + 1);
    st.funding_index = Price::from_raw(static_cast<int64_t>(rng() % 2'000'000'000) - 1'000'000'000);
    s.add_market(p, st);
  }
  int checked = 0;
  for (int i = 0; i < 4000; ++i) {
    MarginAccount a;
    a.balances.push_back({0, static_cast<int64_t>(rng() % 1'000'000'000'000)});
    const int npos = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < npos; ++k) {
      PerpPosition p;
      p.market = static_cast<MarketId>(k);
      // magnitudes from dust to ~2^62 so every arithmetic path is taken
      const int shift = static_cast<int>(rng() % 62);
      const auto mag = static_cast<int64_t>(rng() >> (2 + shift));
      p.size = Quantity::from_raw((rng() & 1) != 0 ? mag : -mag);
      p.quote = Quantity::from_raw(static_cast<int64_t>(rng() >> (2 + rng() % 60)) *
                                   ((rng() & 1) != 0 ? 1 : -1));
      p.funding_snapshot =
          Price::from_raw(static_cast<int64_t>(rng() % 2'000'000'000) - 1'000'000'000);
      a.positions.push_back(p);
    }
    const MarginCache c = build_margin_cache(s);
    const Int256 want = reference_excess(s, a);
    Value got{};
    try {
      got = maint_excess(c, a);
    } catch (const OverflowError&) {
      // allowed only when the true result (or a part of it) does not fit a Value
      continue;
    }
    ASSERT_EQ(to256(got.raw()), want) << "account " << i;
    try {
      const AccountRisk r = compute_risk(c, a);
      ASSERT_EQ(r.excess_maint, got) << "account " << i;
      ASSERT_EQ(account_equity(c, a), r.equity) << "account " << i;
      ASSERT_LE(got, r.equity) << "account " << i;
    } catch (const OverflowError&) {
      // the full metric set has more fields (notional, equity) that may not fit a Value
    }
    ++checked;
  }
  EXPECT_GT(checked, 2000);
}

// account_equity is compute_risk's equity, and the maintenance excess never exceeds it (so an
// account with negative equity is below maintenance): random lending and perp accounts with
// weights below 1 on collateral and unrealised PnL, above 1 on debt, indexes away from 1. The
// other partial valuations (collateral_and_debt, liquidatable) agree with compute_risk too.
TEST(MarginProperty, EquityOnlyMatchesComputeRiskAndBoundsTheExcess) {
  std::mt19937_64 rng(20261125);
  State s;
  s.params.upnl_weight_initial = rt("0.5");
  s.params.upnl_weight_maint = rt("0.8");
  AssetParams usdc = asset("USDC", 6, "0.85", "0.9", true);
  usdc.borrow_weight_initial = rt("1.2");
  usdc.borrow_weight_maint = rt("1.1");
  AssetParams weth = asset("WETH", 18, "0.7", "0.8", true);
  weth.borrow_weight_initial = rt("1.5");
  weth.borrow_weight_maint = rt("1.25");
  AssetState us = priced("0.9987");
  us.supply_index = Index::from_raw(1'040'000'000'017);
  us.borrow_index = Index::from_raw(1'090'000'000'013);
  AssetState ws = priced("1811.37");
  ws.supply_index = Index::from_raw(1'010'000'000'003);
  ws.borrow_index = Index::from_raw(1'030'000'000'007);
  s.add_asset(usdc, us);
  s.add_asset(weth, ws);
  add_btc_eth_perps(s, 0);
  const MarginCache c = build_margin_cache(s);
  int negative = 0;
  int liquidatable_seen = 0;
  int unusable_seen = 0;
  for (int i = 0; i < 4000; ++i) {
    MarginAccount a;
    auto amount = [&] { return static_cast<int64_t>(rng() >> (4 + rng() % 56)); };
    for (AssetId id = 0; id < 2; ++id) {
      if (rng() % 3 == 0) continue;
      a.balances.push_back({id, rng() % 2 == 0 ? amount() : -amount()});
    }
    for (MarketId m = 0; m < 2; ++m) {
      if (rng() % 2 == 0) continue;
      PerpPosition p;
      p.market = m;
      p.size = Quantity::from_raw(rng() % 2 == 0 ? amount() >> 20 : -(amount() >> 20));
      p.quote = Quantity::from_raw(rng() % 2 == 0 ? amount() >> 16 : -(amount() >> 16));
      a.positions.push_back(p);
    }
    AccountRisk r;
    try {
      r = compute_risk(c, a);
    } catch (const OverflowError&) {
      continue;
    }
    ASSERT_EQ(account_equity(c, a), r.equity) << "account " << i;
    ASSERT_LE(r.excess_maint, r.equity) << "account " << i;
    negative += r.equity.is_negative() ? 1 : 0;
    // The partial valuations the resolver uses agree with compute_risk, with WETH's or the BTC
    // mark's price usable or not.
    const CollateralAndDebt cd = collateral_and_debt(c, a);
    ASSERT_EQ(cd.collateral, r.collateral_value) << "account " << i;
    ASSERT_EQ(cd.debt, r.total_debt) << "account " << i;
    ASSERT_EQ(liquidatable(c, a), r.liquidatable) << "account " << i;
    liquidatable_seen += r.liquidatable ? 1 : 0;
    for (const bool asset_price : {true, false}) {
      MarginCache bad = c;
      (asset_price ? bad.assets[1].price_usable : bad.markets[0].price_usable) = false;
      const AccountRisk rb = compute_risk(bad, a);
      ASSERT_EQ(liquidatable(bad, a), rb.liquidatable) << "account " << i;
      unusable_seen += r.liquidatable && !rb.liquidatable ? 1 : 0;
    }
  }
  EXPECT_GT(negative, 100);  // the bound is exercised where it matters
  EXPECT_GT(liquidatable_seen, 100);
  EXPECT_GT(unusable_seen, 100);
}

}  // namespace
}  // namespace backstop
