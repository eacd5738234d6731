// Compact valuation kernel (margin/compact.h): results must equal maint_excess (margin/risk.h)
// exactly, on hand-derived vectors (docs/metrics.md; the bracket formula of
// ../shared/reference/perp-venues.md) and on random books that cover the kernel, every fallback
// reason, tier boundaries, funding deltas of every sign, price and funding changes between ticks
// and per-account updates.
#include "backstop/margin/compact.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "backstop/margin/compact_div.h"
#include "backstop/margin/risk.h"
#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

// ------------------------------------------------------------------------------------------------
// InvariantDivisor against div_round (the hardware / 256-bit reference).

TEST(CompactDivisor, MatchesDivRound) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> divisors = {1, 3, 7, 1'000'000'000, 1'000'000'000'000};
  for (int k = 0; k <= 18; ++k) divisors.push_back(static_cast<uint64_t>(pow10_128(k)));
  for (int i = 0; i < 20; ++i) divisors.push_back((rng() >> 2) | 1);
  int fits = 0;
  for (const uint64_t d : divisors) {
    const InvariantDivisor div(d);
    for (int i = 0; i < 3000; ++i) {
      // magnitudes spread over 0 .. 2^127, plus exact multiples and off-by-one neighbours
      const int bits = static_cast<int>(rng() % 127);
      int128 n = static_cast<int128>((static_cast<uint128>(rng()) << 64 | rng()) >> (127 - bits));
      if (i % 5 == 0) n = static_cast<int128>(static_cast<int64_t>(rng() >> 3)) * d + (i % 3) - 1;
      if ((rng() & 1) != 0) n = -n;
      for (const Rounding r : {Rounding::Down, Rounding::Up}) {
        const int128 want = div_round(n, static_cast<int128>(d), r);
        bool ok = true;
        const int64_t got = r == Rounding::Down ? div.floor_div(n, ok) : div.ceil_div(n, ok);
        const bool want_fits = want >= INT64_MIN && want <= INT64_MAX;
        ASSERT_EQ(ok, want_fits) << to_string(n) << " / " << d;
        if (ok) {
          ASSERT_EQ(got, want) << to_string(n) << " / " << d;
          ++fits;
        }
      }
    }
  }
  EXPECT_GT(fits, 100000);
}

TEST(CompactDivisor, Edges) {
  const InvariantDivisor d(1'000'000'000'000);
  bool ok = true;
  // floor(-1 / 10^12) = -1, ceil(-1 / 10^12) = 0, ceil(1 / 10^12) = 1
  EXPECT_EQ(d.floor_div(-1, ok), -1);
  EXPECT_EQ(d.ceil_div(-1, ok), 0);
  EXPECT_EQ(d.ceil_div(1, ok), 1);
  EXPECT_EQ(d.floor_div(0, ok), 0);
  EXPECT_TRUE(ok);
  // INT64_MIN * 10^12 is the lowest numerator whose floor fits; one below does not.
  const int128 lo = static_cast<int128>(INT64_MIN) * 1'000'000'000'000;
  EXPECT_EQ(d.floor_div(lo, ok), INT64_MIN);
  EXPECT_TRUE(ok);
  (void)d.floor_div(lo - 1, ok);
  EXPECT_FALSE(ok);
  ok = true;
  const int128 hi = static_cast<int128>(INT64_MAX) * 1'000'000'000'000;
  EXPECT_EQ(d.ceil_div(hi, ok), INT64_MAX);
  EXPECT_TRUE(ok);
  (void)d.ceil_div(hi + 1, ok);
  EXPECT_FALSE(ok);
  ok = true;
  (void)d.floor_div(kInt128Min, ok);
  EXPECT_FALSE(ok);
  EXPECT_THROW(InvariantDivisor(0), OverflowError);
}

// ------------------------------------------------------------------------------------------------
// Helpers

std::vector<Value> kernel(const MarginCache& c, const CompactBook& b, const State& s,
                          RevalueStats* stats = nullptr) {
  std::vector<Value> out(b.size());
  RevalueStats st = revalue(c, b, s.accounts, out);
  if (stats != nullptr) *stats = std::move(st);
  return out;
}

// Compares the kernel with maint_excess on every account; a throwing account must be reported in
// `overflowed`. Returns the stats.
RevalueStats expect_same(const MarginCache& c, const CompactBook& b, const State& s,
                         const char* phase) {
  RevalueStats st;
  const std::vector<Value> got = kernel(c, b, s, &st);
  std::size_t next_over = 0;
  for (std::size_t i = 0; i < s.accounts.size(); ++i) {
    try {
      const Value want = maint_excess(c, s.accounts[i]);
      EXPECT_EQ(got[i], want) << phase << " account " << i;
    } catch (const OverflowError&) {
      EXPECT_LT(next_over, st.overflowed.size()) << phase << " account " << i;
      if (next_over < st.overflowed.size()) {
        EXPECT_EQ(st.overflowed[next_over], i) << phase;
        ++next_over;
      }
    }
  }
  EXPECT_EQ(next_over, st.overflowed.size()) << phase;
  EXPECT_EQ(st.kernel + st.fallback, s.accounts.size()) << phase;
  return st;
}

PerpParams market(const std::string& sym, int base_decimals, AssetId quote,
                  std::vector<MarginTier> tiers) {
  PerpParams p;
  p.symbol = sym;
  p.base_decimals = base_decimals;
  p.quote = quote;
  p.tiers = std::move(tiers);
  return p;
}

PerpState marked(const std::string& mark, const std::string& funding) {
  PerpState st;
  st.mark = st.oracle = px(mark);
  st.funding_index = px(funding);
  return st;
}

// ------------------------------------------------------------------------------------------------
// Hand-derived vectors

// 1,000 USDC deposit (maint weight 0.9), long 10 X at entry $100 (quote -1,000 USDC), mark $110,
// funding index 0.5 vs snapshot 0.2 (the long owes 10 * 0.3 = $3); upnl maint weight 0.5.
// Tiers: MM 5 % from $0, 10 % from $1,000, so the bracket deduction is 1,000 * (0.10 - 0.05) = $50.
//   PnL    = 10 * 110 - 1,000 - 3                     = $97
//   MM     = 1,100 * 0.10 - 50                        = $60
//   excess = 1,000 * 0.9 + 97 * 0.5 - 60 = 900 + 48.5 - 60 = $888.5
TEST(CompactKernel, HandDerivedLong) {
  State s;
  s.add_asset(asset("USDC", 6, "0.8", "0.9"), priced("1"));
  s.params.upnl_weight_maint = rt("0.5");
  s.add_market(
      market("X", 8, 0,
             {{Quantity{}, rt("0.10"), rt("0.05")}, {qty("1000", 6), rt("0.20"), rt("0.10")}}),
      marked("110", "0.5"));
  s.add_owner("alice");
  s.accounts[0].balances.push_back({0, dec("1000", 6)});
  s.accounts[0].positions.push_back({0, qty("10", 8), qty("-1000", 6), px("0.2")});
  const MarginCache c = build_margin_cache(s);
  const CompactBook b(c, s.accounts);
  RevalueStats st;
  const std::vector<Value> got = kernel(c, b, s, &st);
  EXPECT_EQ(got[0], usd("888.5"));
  EXPECT_EQ(maint_excess(c, s.accounts[0]), usd("888.5"));
  EXPECT_EQ(st.kernel, 1U);
}

// Short 3 X (8 decimals) at mark $33.333333333, quote +100 USDC, no funding delta, MM 5 %:
//   PnL      = 100 - 99.999999999 = 0.000000001 USDC -> floor to micro-USDC = 0
//   notional = $99.999999999,  MM = 4.99999999995 -> ceil to micro-USDC = $5.000000
//   excess   = 0 - 5 = -$5 (rounding favours solvency on both sides)
TEST(CompactKernel, HandDerivedRounding) {
  State s;
  s.add_asset(asset("USDC", 6, "1", "1"), priced("1"));
  s.add_market(market("X", 8, 0, {{Quantity{}, rt("0.1"), rt("0.05")}}),
               marked("33.333333333", "1.5"));
  s.add_owner("bob");
  s.accounts[0].positions.push_back({0, qty("-3", 8), qty("100", 6), px("1.5")});
  const MarginCache c = build_margin_cache(s);
  const CompactBook b(c, s.accounts);
  RevalueStats st;
  EXPECT_EQ(kernel(c, b, s, &st)[0], usd("-5"));
  EXPECT_EQ(maint_excess(c, s.accounts[0]), usd("-5"));
  EXPECT_EQ(st.kernel, 1U);
}

// Mark exactly $2, 6 base decimals, MM 2.5 % below $1,000, 5 % from $1,000 (deduction
// 1,000 * 0.025 = $25). 500 X = $1,000 exactly is in the second bracket: 1,000 * 0.05 - 25 = $25,
// the same as 1,000 * 0.025 (continuity). One quantum below / above: 999.999998 * 0.025 =
// 24.99999995 -> $25.000000 (ceil) and 1,000.000002 * 0.05 - 25 = 25.0000001 -> $25.000001.
TEST(CompactKernel, TierBoundaryExactly) {
  State s;
  s.add_asset(asset("USDC", 6, "1", "1"), priced("1"));
  s.add_market(
      market("X", 6, 0,
             {{Quantity{}, rt("0.05"), rt("0.025")}, {qty("1000", 6), rt("0.1"), rt("0.05")}}),
      marked("2", "0"));
  for (const int64_t size : {500'000'000 - 1, 500'000'000, 500'000'000 + 1}) {
    const OwnerId o = s.add_owner(fmt::format("u{}", size));
    MarginAccount& a = s.accounts[s.owners[o].accounts[0]];
    a.positions.push_back({0, Quantity::from_raw(size), Quantity::from_raw(-2 * size), Price{}});
  }
  const MarginCache c = build_margin_cache(s);
  const CompactBook b(c, s.accounts);
  RevalueStats st;
  const std::vector<Value> got = kernel(c, b, s, &st);
  EXPECT_EQ(got[0], usd("-25"));
  EXPECT_EQ(got[1], usd("-25"));
  EXPECT_EQ(got[2], usd("-25.000001"));
  EXPECT_EQ(st.kernel, 3U);
  expect_same(c, b, s, "boundary");
}

// ------------------------------------------------------------------------------------------------
// Random books

struct Venue {
  State s;
  std::vector<int> quote_decimals;
};

// 4 assets: USDC (par, accrued supply index), USDT (6 decimals, not at par), WETH (9) and an
// 18-decimal token (value_den 10^21: not representable by the kernel's divisors, fallback).
// 7 markets: base decimals 4..9 (K = 12), 0 to 5 tiers, quoted in USDC except one in USDT.
State random_venue(std::mt19937_64& rng) {
  State s;
  auto st = [&](const std::string& price, int64_t supply_index) {
    AssetState a = priced(price);
    a.supply_index = Index::from_raw(supply_index);
    return a;
  };
  const int64_t idx =
      (rng() & 1) != 0 ? kIndexOne : kIndexOne + static_cast<int64_t>(rng() % 1'000'000'000'000);
  s.add_asset(asset("USDC", 6, "0.9", (rng() & 1) != 0 ? "1" : "0.95"), st("1", idx));
  s.add_asset(asset("USDT", 6, "0.9", "0.93"), st("0.999713", kIndexOne + 12'345));
  s.add_asset(asset("WETH", 9, "0.8", "0.85"), st("3012.5", kIndexOne));
  s.add_asset(asset("BIG", 18, "0.5", "0.6"), st("0.000002", kIndexOne));
  const char* upnl[] = {"1", "0.5", "0.8", "0.333333333"};
  s.params.upnl_weight_maint = rt(upnl[rng() % 4]);
  const int base_dec[] = {4, 6, 8, 9, 9, 8, 6};  // K = 12
  for (int m = 0; m < 7; ++m) {
    std::vector<MarginTier> tiers;
    const int nt = m == 3 ? 0 : m == 4 ? 5 : 1 + static_cast<int>(rng() % 4);
    int64_t floor = 0;
    int64_t rate = 10'000'000 + static_cast<int64_t>(rng() % 50'000'000);
    for (int t = 0; t < nt; ++t) {
      tiers.push_back(
          {Quantity::from_raw(floor), Ratio::from_raw(2 * rate), Ratio::from_raw(rate)});
      floor += 1'000'000 * (1 + static_cast<int64_t>(rng() % 100'000));
      rate += static_cast<int64_t>(rng() % 100'000'000);
    }
    const int64_t mark = 1 + static_cast<int64_t>(rng() >> (4 + rng() % 40));
    PerpState ps;
    ps.mark = ps.oracle = Price::from_raw(mark);
    ps.funding_index = Price::from_raw(static_cast<int64_t>(rng() % 2'000'000'000) - 1'000'000'000);
    s.add_market(market(fmt::format("M{}", m), base_dec[m], m == 6 ? 1 : 0, tiers), ps);
  }
  return s;
}

int64_t signed_mag(std::mt19937_64& rng, int max_bits) {
  const int bits = static_cast<int>(rng() % static_cast<uint64_t>(max_bits + 1));
  const auto mag = static_cast<int64_t>(bits == 0 ? 0 : rng() >> (64 - bits));
  return (rng() & 1) != 0 ? mag : -mag;
}

void random_account(std::mt19937_64& rng, const State& s, MarginAccount& a) {
  a.balances.clear();
  a.positions.clear();
  const uint64_t kind = rng() % 16;
  const int nbal = kind == 0 ? 0 : kind == 1 ? 2 : 1;
  for (int i = 0; i < nbal; ++i) {
    const auto asset = static_cast<AssetId>(kind == 2 ? rng() % 4 : static_cast<uint64_t>(i));
    int64_t scaled =
        rng() % 8 == 0 ? signed_mag(rng, 63) : static_cast<int64_t>(rng() % 10'000'000'000'000);
    if (kind == 3) scaled = -static_cast<int64_t>(rng() % 1'000'000'000);  // a borrow
    a.balances.push_back({asset, scaled});
  }
  const int npos = static_cast<int>(rng() % (kind == 4 ? 7 : 5));  // 0..4, sometimes up to 6
  for (int i = 0; i < npos; ++i) {
    PerpPosition p;
    // markets 0..5 are USDC quoted; market 6 (USDT) only for some accounts (mixed quotes)
    p.market = static_cast<MarketId>(kind == 5 ? rng() % 7 : rng() % 6);
    const uint64_t shape = rng() % 10;
    p.size = Quantity::from_raw(shape == 0 ? signed_mag(rng, 63) : signed_mag(rng, 36));
    if (shape == 1) p.size = Quantity::from_raw(INT64_MIN);
    p.quote = Quantity::from_raw(shape == 2 ? signed_mag(rng, 63) : signed_mag(rng, 44));
    const int64_t fidx = s.perps[p.market].funding_index.raw();
    const uint64_t fshape = rng() % 6;
    p.funding_snapshot =
        Price::from_raw(fshape == 0   ? fidx                          // zero delta
                        : fshape == 1 ? signed_mag(rng, 63)           // anything, may overflow
                                      : fidx + signed_mag(rng, 30));  // small delta, either sign
    a.positions.push_back(p);
  }
}

void randomize_ticks(std::mt19937_64& rng, MarginCache& c) {
  for (MarketId m = 0; m < c.markets.size(); ++m) {
    MarketCache& mc = c.markets[m];
    const uint64_t shape = rng() % 8;
    const int64_t mark = shape == 0   ? static_cast<int64_t>(rng() >> 1)  // huge mark
                         : shape == 1 ? 0                                 // no price
                                      : 1 + static_cast<int64_t>(rng() >> (4 + rng() % 40));
    try {
      override_mark_price(c, m, Price::from_raw(mark));
    } catch (const OverflowError&) {
      override_mark_price(c, m, Price::from_raw(1'000'000'000));
    }
    mc.funding_index = Price::from_raw(
        rng() % 4 == 0 ? signed_mag(rng, 63) : mc.funding_index.raw() + signed_mag(rng, 28));
  }
  override_asset_price(c, 1,
                       Price::from_raw(999'000'000 + static_cast<int64_t>(rng() % 2'000'000)));
  c.assets[0].supply_index =
      Index::from_raw(c.assets[0].supply_index.raw() + static_cast<int64_t>(rng() % 1000));
}

TEST(CompactKernel, EqualsMaintExcessOnRandomBooks) {
  std::mt19937_64 rng(20261125);
  std::size_t kernel_total = 0;
  std::size_t fallback_total = 0;
  std::size_t overflow_total = 0;
  for (int book = 0; book < 12; ++book) {
    State s = random_venue(rng);
    for (int i = 0; i < 600; ++i) {
      const OwnerId o = s.add_owner(fmt::format("u{}", i));
      random_account(rng, s, s.accounts[s.owners[o].accounts[0]]);
    }
    MarginCache c = build_margin_cache(s);
    CompactBook b(c, s.accounts);
    auto tally = [&](const RevalueStats& st) {
      kernel_total += st.kernel;
      fallback_total += st.fallback;
      overflow_total += st.overflowed.size();
    };
    tally(expect_same(c, b, s, "built"));
    for (int tick = 0; tick < 3; ++tick) {  // prices and funding move; the book stays
      randomize_ticks(rng, c);
      tally(expect_same(c, b, s, "tick"));
    }
    for (int ev = 0; ev < 300; ++ev) {  // per-account events, then a fresh tick
      const auto id = static_cast<AccountId>(rng() % s.accounts.size());
      random_account(rng, s, s.accounts[id]);
      b.update(id, s.accounts[id], c);
    }
    tally(expect_same(c, b, s, "updated"));
    // a new account appended through update()
    const OwnerId o = s.add_owner("late");
    random_account(rng, s, s.accounts[s.owners[o].accounts[0]]);
    b.update(static_cast<AccountId>(s.accounts.size() - 1), s.accounts.back(), c);
    tally(expect_same(c, b, s, "appended"));
    // the updated book equals a freshly built one
    const CompactBook fresh(c, s.accounts);
    EXPECT_EQ(kernel(c, b, s), kernel(c, fresh, s));
    EXPECT_EQ(b.slow_accounts(), fresh.slow_accounts());
  }
  // every path is exercised
  EXPECT_GT(kernel_total, 10000U);
  EXPECT_GT(fallback_total, 2000U);
  EXPECT_GT(overflow_total, 0U);
}

// The perp-only shape of the issue (1 USDC deposit, 1-4 positions, ordinary magnitudes): every
// account must take the kernel, not the fallback.
TEST(CompactKernel, PerpOnlyAccountsTakeTheKernel) {
  std::mt19937_64 rng(99);
  State s = random_venue(rng);
  for (MarketId m = 0; m < s.perps.size(); ++m) s.perps[m].mark = px("1234.5");
  for (int i = 0; i < 2000; ++i) {
    const OwnerId o = s.add_owner(fmt::format("u{}", i));
    MarginAccount& a = s.accounts[s.owners[o].accounts[0]];
    a.balances.push_back({0, static_cast<int64_t>(rng() % 10'000'000'000'000)});
    const int npos = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < npos; ++k) {
      const auto m = static_cast<MarketId>(k == 3 ? 5 : k);  // USDC quoted, 0 to 4 tiers
      a.positions.push_back(
          {m, Quantity::from_raw(signed_mag(rng, 36)), Quantity::from_raw(signed_mag(rng, 44)),
           Price::from_raw(s.perps[m].funding_index.raw() + signed_mag(rng, 20))});
    }
  }
  MarginCache c = build_margin_cache(s);
  const CompactBook b(c, s.accounts);
  EXPECT_EQ(b.slow_accounts(), 0U);
  for (int tick = 0; tick < 5; ++tick) {
    const RevalueStats st = expect_same(c, b, s, "perp-only");
    EXPECT_EQ(st.kernel, s.accounts.size());
    EXPECT_EQ(st.fallback, 0U);
    // marks move by up to +-50 %, funding indexes by up to +-2^24 either way (deltas of both signs)
    for (MarketId m = 0; m < c.markets.size(); ++m) {
      const int64_t mark = c.markets[m].mark.raw();
      override_mark_price(
          c, m,
          Price::from_raw(mark / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(mark))));
      c.markets[m].funding_index =
          Price::from_raw(c.markets[m].funding_index.raw() + signed_mag(rng, 24));
    }
  }
}

// The kernel is instantiated per K (0..18) with compile-time divisors 10^K, 10^min(K+9, 18) and
// 10^(K+9-min(K+9, 18)); K = 19 (10^19 >= 2^62) is valued by maint_excess. One market with
// base decimals b and a 6-decimal quote gives K = b + 3.
TEST(CompactKernel, EveryExponent) {
  for (const int base : {0, 2, 6, 9, 12, 15, 16}) {
    std::mt19937_64 rng(static_cast<uint64_t>(base));
    State s;
    s.add_asset(asset("USDC", 6, "0.9", "0.95"), priced("1"));
    s.params.upnl_weight_maint = rt("0.8");
    s.add_market(
        market("X", base, 0,
               {{Quantity{}, rt("0.1"), rt("0.05")}, {qty("10000", 6), rt("0.2"), rt("0.1")}}),
        marked("25.123456789", "3.5"));
    for (int i = 0; i < 500; ++i) {
      const OwnerId o = s.add_owner(fmt::format("u{}", i));
      MarginAccount& a = s.accounts[s.owners[o].accounts[0]];
      a.balances.push_back({0, static_cast<int64_t>(rng() % 100'000'000'000)});
      // up to 64 whole units (~$220 of notional), entries around the mark, funding deltas of
      // both signs; computed in int128 (10^16 quanta per unit would overflow int64 products)
      const auto size =
          static_cast<int64_t>(static_cast<int128>(signed_mag(rng, 16)) * pow10_128(base) / 1024);
      a.positions.push_back({0, Quantity::from_raw(size), Quantity::from_raw(signed_mag(rng, 40)),
                             Price::from_raw(px("3.5").raw() + signed_mag(rng, 30))});
    }
    const MarginCache c = build_margin_cache(s);
    ASSERT_EQ(c.k, base + 3);
    const CompactBook b(c, s.accounts);
    const RevalueStats st = expect_same(c, b, s, "exponent");
    if (c.k <= 18) {
      EXPECT_EQ(st.kernel, s.accounts.size()) << "K = " << c.k;
    } else {
      EXPECT_EQ(st.kernel, 0U) << "K = " << c.k;
    }
  }
}

// A cache with another K (a market with more decimals was listed) invalidates the carries: revalue
// falls back to maint_excess for every account (still exact); update() refuses it.
TEST(CompactKernel, LayoutChangeFallsBackAndUpdateRefuses) {
  std::mt19937_64 rng(5);
  State s = random_venue(rng);
  for (int i = 0; i < 200; ++i) {
    const OwnerId o = s.add_owner(fmt::format("u{}", i));
    random_account(rng, s, s.accounts[s.owners[o].accounts[0]]);
  }
  const MarginCache c = build_margin_cache(s);
  const CompactBook b(c, s.accounts);
  s.add_market(market("DEEP", 18, 0, {{Quantity{}, rt("0.1"), rt("0.05")}}), marked("1", "0"));
  const MarginCache c2 = build_margin_cache(s);
  ASSERT_NE(c2.k, c.k);
  EXPECT_FALSE(b.matches(c2));
  const RevalueStats st = expect_same(c2, b, s, "new K");
  EXPECT_EQ(st.kernel, 0U);
  CompactBook b2 = b;
  EXPECT_THROW(b2.update(0, s.accounts[0], c2), std::invalid_argument);
  EXPECT_THROW(b2.update(static_cast<AccountId>(s.accounts.size() + 1), s.accounts[0], c),
               std::out_of_range);
}

}  // namespace
}  // namespace backstop
