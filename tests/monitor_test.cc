// Incremental monitor (monitor/monitor.h): on random books and random price paths it must report
// exactly the accounts a full rescan finds, and its bands must be sound on their own.
#include "backstop/monitor/monitor.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "backstop/margin/risk.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;

struct RandomVenue {
  Engine engine;
  std::vector<AccountId> accounts;
};

// Three assets (USDC, WETH, WBTC; all borrowable with a kinked rate model so that indexes move),
// two USDC-quoted perps with two tiers, `owners` cross accounts with random deposits, borrows and
// positions opened through the engine (so every limit holds when the book is built). `upnl` is the
// venue's weight of unrealised profit: below a market's maintenance rate it makes a long's rise
// adverse (the margin grows faster than the counted profit).
RandomVenue make_venue(std::mt19937_64& rng, int owners, const char* upnl = "1") {
  State s;
  s.params.upnl_weight_maint = rt(upnl);
  s.params.upnl_weight_initial = rt(upnl);
  RateModel rates{rt("0.02"), rt("0.08"), rt("1.5"), rt("0.8")};
  AssetParams usdc = asset("USDC", 6, "0.85", "0.9", true);
  usdc.rates = rates;
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  weth.rates = rates;
  weth.borrow_weight_maint = rt("1.05");
  AssetParams wbtc = asset("WBTC", 8, "0.7", "0.78", true);
  wbtc.rates = rates;
  s.add_asset(usdc, priced("1"));
  s.add_asset(weth, priced("2000"));
  s.add_asset(wbtc, priced("60000"));
  for (const auto& [sym, dec, mark] :
       {std::tuple{"BTC-PERP", 8, "60000"}, {"ETH-PERP", 9, "2000"}}) {
    PerpParams p;
    p.symbol = sym;
    p.base_decimals = dec;
    p.quote = 0;
    p.tiers = {MarginTier{Quantity{}, rt("0.05"), rt("0.025")},
               MarginTier{qty("100000", 6), rt("0.1"), rt("0.05")}};
    PerpState st;
    st.mark = px(mark);
    st.oracle = px(mark);
    s.add_market(p, st);
  }
  std::vector<AccountId> ids;
  for (int i = 0; i < owners; ++i) {
    const OwnerId o = s.add_owner("u" + std::to_string(i));
    ids.push_back(s.owners[o].accounts[0]);
  }
  RandomVenue v{Engine(std::move(s)), ids};
  auto apply = [&](EventBody b) { (void)v.engine.apply(ev(0, std::move(b))); };
  std::uniform_int_distribution<int> pick(0, 9);
  for (AccountId a : ids) {
    apply(Deposit{a, 0, Quantity::from_raw(static_cast<int64_t>(rng() % 50'000'000'000))});
    if (pick(rng) < 5)
      apply(Deposit{a, 1, Quantity::from_raw(static_cast<int64_t>(rng() % 20'000'000'000))});
    if (pick(rng) < 3)
      apply(Deposit{a, 2, Quantity::from_raw(static_cast<int64_t>(rng() % 50'000'000))});
  }
  for (AccountId a : ids) {
    const int kind = pick(rng);
    if (kind < 4) {
      const auto asset_id = static_cast<AssetId>(rng() % 3);
      const int64_t unit = asset_id == 0 ? 1'000'000 : asset_id == 1 ? 1'000'000'000 : 100'000'000;
      const int64_t whole = asset_id == 0 ? 40'000 : asset_id == 1 ? 20 : 1;
      apply(Borrow{a, asset_id,
                   Quantity::from_raw(
                       static_cast<int64_t>(rng() % static_cast<uint64_t>(whole * unit)) + 1)});
    }
    if (kind >= 3) {
      const auto m = static_cast<MarketId>(rng() % 2);
      const int64_t max_size = m == 0 ? 100'000'000 : 10'000'000'000;  // 1 BTC, 10 ETH
      int64_t size = static_cast<int64_t>(rng() % static_cast<uint64_t>(max_size)) + 1;
      if (rng() % 2 == 0) size = -size;
      const Price p = v.engine.state().perps[m].mark;
      apply(Trade{a, m, Quantity::from_raw(size), p, std::nullopt});
    }
  }
  return v;
}

std::set<AccountId> rescan(const Engine& e) {
  std::set<AccountId> out;
  for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
    if (maint_excess(e.cache(), e.state().accounts[id]).is_negative()) out.insert(id);
  }
  return out;
}

// Moves a price by a random relative step in [-max_bp, +max_bp] basis points.
Price moved(std::mt19937_64& rng, Price p, int max_bp) {
  const int64_t bp = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * max_bp + 1)) - max_bp;
  const int128 next = mul_div(p.raw(), 10'000 + bp, 10'000, Rounding::Down);
  return Price::from_raw(std::max<int64_t>(static_cast<int64_t>(next), 1));
}

// Sets one source of a cache to a raw value (prices and marks through the cache's own override,
// so that derived fields follow).
void set_source(MarginCache& c, const SourceLayout& l, SourceId src, int64_t v) {
  if (src < l.assets) {
    override_asset_price(c, static_cast<AssetId>(src), Price::from_raw(v));
  } else if (src < 2 * l.assets) {
    c.assets[src - l.assets].supply_index = Index::from_raw(v);
  } else if (src < 3 * l.assets) {
    c.assets[src - 2 * l.assets].borrow_index = Index::from_raw(v);
  } else {
    override_mark_price(c, static_cast<MarketId>(src - 3 * l.assets), Price::from_raw(v));
  }
}

// The band tests run on venues with unrealised profit counted in full and not at all, at the
// prices the book was built at (every account safe) and after a shock that leaves many accounts
// unsafe (their rates bound how fast the excess can rise back to zero).
struct BandCase {
  std::string name;
  MarginCache cache;
};
std::vector<BandCase> band_cases(const Engine& e) {
  MarginCache shocked = e.cache();
  auto scale = [](int64_t v, int64_t pct) {
    return static_cast<int64_t>(mul_div(v, 100 + pct, 100, Rounding::Down));
  };
  override_asset_price(shocked, 1, Price::from_raw(scale(shocked.assets[1].price.raw(), -35)));
  override_asset_price(shocked, 2, Price::from_raw(scale(shocked.assets[2].price.raw(), 20)));
  override_mark_price(shocked, 0, Price::from_raw(scale(shocked.markets[0].mark.raw(), -20)));
  override_mark_price(shocked, 1, Price::from_raw(scale(shocked.markets[1].mark.raw(), 25)));
  return {{"built", e.cache()}, {"shocked", shocked}};
}

// One account of the band test venues, with its band.
struct BandSite {
  std::string where;  // for failure messages
  const MarginCache& cache;
  const SourceLayout& layout;
  const MarginAccount& account;
  const Band& band;
};
// Calls f(site) for every account of 200-account venues with unrealised profit counted in full and
// not at all, at the build prices and after the shock (band_cases).
template <class F>
void for_each_band_site(std::mt19937_64& rng, F f) {
  for (const char* upnl : {"1", "0"}) {
    RandomVenue v = make_venue(rng, 200, upnl);
    const Engine& e = v.engine;
    const SourceLayout l = source_layout(e.cache());
    for (const BandCase& bc : band_cases(e)) {
      for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
        const MarginAccount& a = e.state().accounts[id];
        // Odd accounts share their room by random volatilities: any split must be sound.
        std::vector<uint8_t> vol;
        if (id % 2 == 1) {
          for (SourceId src = 0; src < l.count(); ++src) {
            vol.push_back(static_cast<uint8_t>(rng() % (kMaxLog2Volatility + 1)));
          }
        }
        const Band b = compute_band(bc.cache, l, a, vol);
        f(BandSite{fmt::format("upnl {}, {}, account {}", upnl, bc.name, id), bc.cache, l, a, b});
      }
    }
  }
}

TEST(Monitor, EqualsFullRescanOnRandomPricePaths) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    RandomVenue v = make_venue(rng, 150, seed % 2 == 0 ? "0" : "1");
    Engine& e = v.engine;
    MarginMonitor mon(e.state(), e.cache());
    if (seed % 3 == 0) mon.learn_volatility(3'600);  // learned room sharing changes no answer
    ASSERT_EQ(mon.unsafe(), rescan(e));
    std::set<AccountId> prev = mon.unsafe().to_set();
    Timestamp t = 0;
    std::size_t evaluated = 0;
    std::size_t changes = 0;
    for (int step = 0; step < 400; ++step) {
      t += static_cast<Timestamp>(rng() % 7200);
      std::vector<AccountId> touched;
      bool full = false;
      const int kind = static_cast<int>(rng() % 20);
      if (kind < 8) {
        const auto a = static_cast<AssetId>(rng() % 3);
        const int max_bp = kind == 0 ? 1500 : 300;  // occasional crash-size moves
        (void)e.apply(ev(t, SetAssetPrice{a, moved(rng, e.state().assets[a].price, max_bp)}));
      } else if (kind < 15) {
        const auto m = static_cast<MarketId>(rng() % 2);
        (void)e.apply(
            ev(t, SetMarkPrice{m, moved(rng, e.state().perps[m].mark, 400), std::nullopt}));
      } else if (kind < 16) {
        (void)e.apply(ev(t, Tick{}));  // interest only
      } else if (kind < 17) {
        const auto m = static_cast<MarketId>(rng() % 2);
        (void)e.apply(
            ev(t, Funding{m, std::nullopt,
                          Ratio::from_raw(static_cast<int64_t>(rng() % 2'000'001) - 1'000'000)}));
        full = true;
      } else {
        const AccountId a = v.accounts[rng() % v.accounts.size()];
        if (kind < 19) {
          (void)e.apply(ev(
              t,
              Deposit{a, 0, Quantity::from_raw(static_cast<int64_t>(rng() % 1'000'000'000) + 1)}));
        } else {
          const auto m = static_cast<MarketId>(rng() % 2);
          (void)e.apply(ev(
              t,
              Trade{a, m, Quantity::from_raw(static_cast<int64_t>(rng() % 10'000'000) - 5'000'000),
                    e.state().perps[m].mark, std::nullopt}));
        }
        touched.push_back(a);
      }
      const auto ch = mon.sync(e.state(), e.cache(), touched, full);
      const std::set<AccountId> truth = rescan(e);
      ASSERT_EQ(mon.unsafe(), truth) << "seed " << seed << " step " << step;
      // The reported changes are exactly the set difference.
      std::vector<AccountId> up;
      std::vector<AccountId> down;
      std::set_difference(truth.begin(), truth.end(), prev.begin(), prev.end(),
                          std::back_inserter(up));
      std::set_difference(prev.begin(), prev.end(), truth.begin(), truth.end(),
                          std::back_inserter(down));
      ASSERT_EQ(ch.became_unsafe, up);
      ASSERT_EQ(ch.became_safe, down);
      for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
        ASSERT_EQ(mon.excess(id).is_negative(), truth.contains(id));
      }
      changes += up.size() + down.size();
      if (!full) evaluated += ch.evaluated;
      prev = truth;
    }
    EXPECT_GT(changes, 0U) << "the price path never moved an account across maintenance";
    // The point of the index: far fewer evaluations than rescanning every account every step.
    EXPECT_LT(evaluated, 400U * v.accounts.size() / 4);
  }
}

// The band on its own: for random accounts, moving every driver by at most floor(v0 * rho) (each
// independently, in either direction) never changes the sign of the exact excess.
TEST(Monitor, BandIsSoundUnderIndependentMoves) {
  std::mt19937_64 rng(99);
  int unsafe_tried = 0;
  int tried = 0;
  for_each_band_site(rng, [&](const BandSite& x) {
    const Band& b = x.band;
    const SourceLayout& l = x.layout;
    if (b.drivers.empty()) return;
    for (int trial = 0; trial < 40; ++trial) {
      MarginCache c = x.cache;
      for (const Driver& d : b.drivers) {
        const int64_t v0 = d.value;
        // Index sources of a non-fragile band may move by kIndexAllowance (relative) either way;
        // everything else down by its width_down and up by its width_up.
        const bool epoch = l.is_index(d.source) && !b.fragile;
        const int64_t allowance =
            static_cast<int64_t>(mul_div(v0, kIndexAllowance, kRatioOne, Rounding::Down));
        const int64_t down = epoch ? allowance : d.width_down;
        const int64_t up = epoch ? allowance : d.width_up;
        // extremes are the worst case for a multilinear term; mix them with interior points
        const int64_t dv =
            trial % 2 == 0
                ? (rng() % 2 ? up : -down)
                : static_cast<int64_t>(rng() % static_cast<uint64_t>(up + down + 1)) - down;
        set_source(c, l, d.source, v0 + dv);
      }
      ASSERT_EQ(maint_excess(c, x.account).is_negative(), b.excess.is_negative())
          << x.where << " excess " << format(b.excess);
      ++tried;
      if (b.excess.is_negative()) ++unsafe_tried;
    }
  });
  EXPECT_GT(unsafe_tried, 100);
  EXPECT_GT(tried, 1000);
}

// The hand-checked borrower (below): alice, 10 WETH against 16,000 USDC; bob supplies the USDC.
std::pair<Engine, AccountId> simple_borrower() {
  State s;
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  s.add_asset(asset("WETH", 9, "0.8", "0.85", true), priced("2000"));
  const OwnerId o = s.add_owner("alice");
  const OwnerId lender = s.add_owner("bob");
  Engine e(std::move(s));
  const AccountId a = e.state().owners[o].accounts[0];
  auto ok = [&](EventBody b) {
    if (!e.apply(ev(0, std::move(b))).ok()) throw std::logic_error("simple_borrower: rejected");
  };
  ok(Deposit{e.state().owners[lender].accounts[0], 0, qty("100000", 6)});
  ok(Deposit{a, 1, qty("10", 9)});
  ok(Borrow{a, 0, qty("16000", 6)});
  return {std::move(e), a};
}

// A hand-checked band (docs/monitor.md): 10 WETH at $2,000 (maint weight 0.85) against 16,000 USDC
// of debt. E = 10 * 2,000 * 0.85 - 16,000 = $1,000, so the account is safe and the rates bound how
// fast the excess can fall (band.cc; the weight coefficient is max(w, 1) = 1):
//   WETH price and supply index (a deposit: a fall hurts, at most T = 20,000 per unit, a rise
//     does not): down $20,000, up 0;
//   USDC price and borrow index (a debt: a rise hurts, at most 1.05 T = 16,800 per unit, the
//     product's cross term included): up $16,800, down 0.
// Slack S = 4 + (unit + 3) per balance, unit = ceil(2 * price / value_den) + 1: WETH 4 + 1 = 5,
//   USDC 2 + 1 = 3 -> S = 4 + 8 + 6 = 18 micro-dollars; room = 1,000e6 - 2 * 18 - 1.
// Index budget 0.11% of the larger rates (20,000 + 16,800) = $40.48;
//   rest = 1,000e6 - 37 - 40.48e6 = 959,519,963.
// The two price sources have the same sqrt-weight (larger rates of bit length 34-35, weight 2^17),
// so each gets budget floor(rest / 2) = 479,759,981, and width = v0 * budget / rate, capped at 10%
// of v0 (the cap for a rate of 0):
//   WETH down: 2,000e9 * 479,759,981 / 20,000e6 = 47,975,998,100 (a $47.98 fall, 2.4%);
//   USDC up: 1e9 * 479,759,981 / 16,800e6 = 28,557,141.7 -> 28,557,141 (0.0286 of a dollar);
//   WETH up and USDC down: the caps, 200,000,000,000 and 100,000,000.
// Check: a WETH drop of $47.98 costs 10 * 47.98 * 0.85 = $408 < $1,000 - $40.48 - (USDC share).
// Solo limits (the whole room to one source and side, band.h): floor(v0 * room / rate),
//   room = 999,999,963: WETH down 2,000e9 * 999,999,963 / 20,000e6 = 99,999,996,300 ($100, 5%);
//   USDC up 1e9 * 999,999,963 / 16,800e6 = 59,523,807.3 -> 59,523,807; the other sides: caps.
//   Check: a WETH drop of $100 alone costs 10 * 100 * 0.85 = $850 <= $1,000.
TEST(Monitor, BandOfASimpleBorrower) {
  auto [e, a] = simple_borrower();
  const SourceLayout l = source_layout(e.cache());
  const Band b = compute_band(e.cache(), l, e.state().accounts[a]);
  EXPECT_EQ(b.excess, usd("1000"));
  EXPECT_EQ(b.slack, 18);
  EXPECT_EQ(b.room, usd("1000").raw() - 37);
  EXPECT_FALSE(b.fragile);
  ASSERT_EQ(b.drivers.size(), 4U);  // sorted by source id
  const Driver& usdc = b.drivers[0];
  const Driver& weth = b.drivers[1];
  EXPECT_EQ(usdc.source, l.price(0));
  EXPECT_EQ(usdc.up, usd("16800").raw());
  EXPECT_EQ(usdc.down, 0);
  EXPECT_EQ(usdc.sensitivity, usd("16800").raw());
  EXPECT_EQ(usdc.width_up, 28'557'141);
  EXPECT_EQ(usdc.width_down, 100'000'000);
  EXPECT_EQ(weth.source, l.price(1));
  EXPECT_EQ(weth.down, usd("20000").raw());
  EXPECT_EQ(weth.up, 0);
  EXPECT_EQ(weth.width_down, 47'975'998'100);
  EXPECT_EQ(weth.width_up, 200'000'000'000);
  EXPECT_EQ(b.rest, 959'519'963);
  EXPECT_EQ(usdc.solo_up, 59'523'807);
  EXPECT_EQ(usdc.solo_down, 100'000'000);
  EXPECT_EQ(weth.solo_down, 99'999'996'300);
  EXPECT_EQ(weth.solo_up, 200'000'000'000);
  EXPECT_EQ(b.index_sensitivity, usd("36800").raw());  // 20,000 + 16,800
  EXPECT_EQ(b.drivers[2].source, l.supply_index(1));
  EXPECT_EQ(b.drivers[2].down, usd("20000").raw());
  EXPECT_EQ(b.drivers[2].up, 0);
  EXPECT_EQ(b.drivers[3].source, l.borrow_index(0));
  EXPECT_EQ(b.drivers[3].up, usd("16800").raw());
  EXPECT_EQ(b.drivers[3].down, 0);
  // Far from liquidation the 10% cap applies; close to it the account becomes fragile.
  ASSERT_TRUE(e.apply(ev(0, Repay{a, 0, qty("16000", 6)})).ok());
  const Band far = compute_band(e.cache(), l, e.state().accounts[a]);
  ASSERT_EQ(far.drivers.size(), 2U);
  EXPECT_EQ(far.drivers[0].width_down, 200'000'000'000);  // 10% of $2,000
  EXPECT_EQ(far.drivers[0].solo_down, 200'000'000'000);
}

// The same borrower when USDC is known not to move (volatility 2^0 against the default 2^20):
// the weights become 2^((35 + 20) / 2) = 2^27 for WETH and 2^((34 + 0) / 2) = 2^17 for USDC, so
//   WETH budget = floor(959,519,963 * 2^27 / (2^27 + 2^17)) = 958,583,845 and
//   width_down = 2,000e9 * 958,583,845 / 20,000e6 = 95,858,384,500 (a $95.86 fall, 2x before);
//   USDC budget = floor(959,519,963 * 2^17 / (2^27 + 2^17)) = 936,117, width_up = 1e9 * 936,117 /
//   16,800e6 = 55,721. Solo limits do not depend on the split.
TEST(Monitor, VolatilityMovesTheRoomToWhatMoves) {
  auto [e, a] = simple_borrower();
  const SourceLayout l = source_layout(e.cache());
  std::vector<uint8_t> vol(l.count(), kDefaultLog2Volatility);
  vol[l.price(0)] = 0;
  const Band b = compute_band(e.cache(), l, e.state().accounts[a], vol);
  EXPECT_EQ(b.rest, 959'519'963);
  EXPECT_EQ(b.drivers[1].width_down, 95'858'384'500);
  EXPECT_EQ(b.drivers[0].width_up, 55'721);
  EXPECT_EQ(b.drivers[1].solo_down, 99'999'996'300);
  EXPECT_EQ(b.drivers[0].solo_up, 59'523'807);
  // The monitor gives the same answers with it, and crosses fewer bands when WETH moves.
  MarginMonitor plain(e.state(), e.cache());
  MarginMonitor told(e.state(), e.cache());
  told.set_volatility(vol);
  (void)told.sync(e.state(), e.cache(), {}, /*full=*/true);
  ASSERT_TRUE(e.apply(ev(0, SetAssetPrice{1, px("1960")})).ok());  // -2%: inside 2x, past 1x
  const auto p = plain.sync(e.state(), e.cache(), {});
  const auto t = told.sync(e.state(), e.cache(), {});
  EXPECT_EQ(p.became_unsafe, t.became_unsafe);
  EXPECT_EQ(p.evaluated, 0U);  // $40 < $47.98: inside the default width too
  ASSERT_TRUE(e.apply(ev(0, SetAssetPrice{1, px("1940")})).ok());  // -3% from 2,000
  EXPECT_EQ(plain.sync(e.state(), e.cache(), {}).evaluated, 1U);
  EXPECT_EQ(told.sync(e.state(), e.cache(), {}).evaluated, 0U);
  EXPECT_EQ(plain.unsafe(), told.unsafe());
}

// A long without credit for unrealised profit (upnl weight 0) is hurt by a rise: its margin grows
// with the notional while the profit counts for nothing. USDC 1,700 (maint weight 0.9) and 1 BTC
// long at 60,000, mark 60,000, tiers 2.5% / 5% (from $100k): E = 1,530 - 1,500 = $30.
// Rates (band.cc): down w' n = 1 x 60,000 = $60,000; up r_max n = 0.05 x 60,000 = $3,000 (the
// highest tier's rate bounds the slope). At +10% (66,000) the margin is 1,650 and E = -$120, so a
// rise rate of 0 (a 10% cap on the up side) would be unsound; at the solo limit the sign holds.
TEST(Monitor, LongWithoutProfitCreditIsHurtByARise) {
  State s;
  s.params.upnl_weight_maint = rt("0");
  s.params.upnl_weight_initial = rt("0");
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  PerpParams p;
  p.symbol = "BTC-PERP";
  p.base_decimals = 8;
  p.quote = 0;
  p.tiers = {MarginTier{Quantity{}, rt("0.05"), rt("0.025")},
             MarginTier{qty("100000", 6), rt("0.1"), rt("0.05")}};
  s.add_market(p, perp_at("60000"));
  const OwnerId o = s.add_owner("alice");
  Engine e(std::move(s));
  const AccountId id = e.state().owners[o].accounts[0];
  ASSERT_TRUE(e.apply(ev(0, Deposit{id, 0, qty("1700", 6)})).ok());
  MarginAccount a = e.state().accounts[id];
  a.positions.push_back(PerpPosition{0, qty("1", 8), qty("-60000", 6), Price{}});
  const SourceLayout l = source_layout(e.cache());
  const Band b = compute_band(e.cache(), l, a);
  EXPECT_EQ(b.excess, usd("30"));
  const auto mark = std::find_if(b.drivers.begin(), b.drivers.end(),
                                 [&](const Driver& d) { return d.source == l.mark(0); });
  ASSERT_NE(mark, b.drivers.end());
  EXPECT_EQ(mark->down, usd("60000").raw());
  EXPECT_EQ(mark->up, usd("3000").raw());
  const int64_t cap = mark->value / 10;
  EXPECT_LT(mark->solo_up, cap);
  EXPECT_GT(mark->solo_up, 0);
  auto excess_at = [&](int64_t mark_raw) {
    MarginCache c = e.cache();
    override_mark_price(c, 0, Price::from_raw(mark_raw));
    return maint_excess(c, a);
  };
  EXPECT_FALSE(excess_at(mark->value + mark->solo_up).is_negative());
  EXPECT_FALSE(excess_at(mark->value + mark->width_up).is_negative());
  EXPECT_FALSE(excess_at(mark->value - mark->solo_down).is_negative());
  EXPECT_EQ(excess_at(mark->value + cap), usd("-120"));
}

// The screen's inequality on its own (band.h): moving the sources (indexes included) by dv_s with
// sum |dv_s| / solo_s <= 1 never changes the sign of the exact excess, whichever way the room is
// spent (all on one source, evenly, or unevenly; the extremes are the worst case).
TEST(Monitor, SoloLimitsAreSoundJointly) {
  std::mt19937_64 rng(7);
  int unsafe_tried = 0;
  int tried = 0;
  int spent_most = 0;  // trials that used more than 90% of the room
  for_each_band_site(rng, [&](const BandSite& x) {
    const Band& b = x.band;
    if (b.drivers.empty()) return;
    for (int trial = 0; trial < 40; ++trial) {
      // Shares f_s of the unit (in 1/2^20), summing to at most 2^20: trial 0 mod 3 all on one
      // source, 1 mod 3 random uneven, 2 mod 3 even.
      const int64_t unit = int64_t{1} << 20;
      std::vector<int64_t> f(b.drivers.size(), 0);
      if (trial % 3 == 0) {
        f[rng() % f.size()] = unit;
      } else if (trial % 3 == 1) {
        int64_t left = unit;
        for (std::size_t k = 0; k < f.size(); ++k) {
          f[k] = k + 1 == f.size() ? left
                                   : static_cast<int64_t>(rng() % static_cast<uint64_t>(left + 1));
          left -= f[k];
        }
      } else {
        for (auto& v : f) v = unit / static_cast<int64_t>(f.size());
      }
      MarginCache c = x.cache;
      int128 used = 0;  // sum |dv| / solo in 1/2^20, rounded up
      for (std::size_t k = 0; k < b.drivers.size(); ++k) {
        const Driver& d = b.drivers[k];
        const bool rise = rng() % 2 == 0;
        const int64_t solo = rise ? d.solo_up : d.solo_down;
        const int64_t dv = static_cast<int64_t>(mul_div(solo, f[k], unit, Rounding::Down));
        if (solo > 0) used += div_round(int128{dv} * unit, solo, Rounding::Up);
        set_source(c, x.layout, d.source, rise ? d.value + dv : d.value - dv);
      }
      ASSERT_LE(used, unit);
      if (10 * used > 9 * unit) ++spent_most;
      ASSERT_EQ(maint_excess(c, x.account).is_negative(), b.excess.is_negative())
          << x.where << " trial " << trial;
      ++tried;
      if (b.excess.is_negative()) ++unsafe_tried;
    }
  });
  EXPECT_GT(unsafe_tried, 100);
  EXPECT_GT(tried, 4000);
  EXPECT_GT(spent_most, 2000);  // the tests push to the edge of the inequality
}

// The screen's index term (monitor.cc): all index sources moved by a relative e (either way), the
// price sources by dv_s, with idx_rel x e / 1e9 + sum 2^32 |dv_s| / solo_s <= 2^32, where
// idx_rel = ceil(2^32 index_sensitivity / room): the sign never changes.
TEST(Monitor, IndexDriftTermIsSound) {
  std::mt19937_64 rng(21);
  int unsafe_tried = 0;
  int tried = 0;
  int with_index = 0;
  const int128 one = int128{1} << 32;
  for_each_band_site(rng, [&](const BandSite& x) {
    const Band& b = x.band;
    const SourceLayout& l = x.layout;
    if (b.drivers.empty() || b.room <= 0) return;
    const int128 idx_rel =
        b.index_sensitivity > 0 ? div_round(b.index_sensitivity << 32, b.room, Rounding::Up) : 0;
    for (int trial = 0; trial < 30; ++trial) {
      // e: up to 0.1% (twice the epoch half-width), or what is left of the unit if less.
      int64_t eps = static_cast<int64_t>(rng() % 1'000'001);  // Ratio raw, <= 1e6 = 0.1%
      int128 idx_part = div_round(idx_rel * eps, kRatioOne, Rounding::Up);
      if (idx_part > one) {
        eps = static_cast<int64_t>(mul_div(one, kRatioOne, idx_rel, Rounding::Down));
        idx_part = div_round(idx_rel * eps, kRatioOne, Rounding::Up);
      }
      ASSERT_LE(idx_part, one);
      // The rest of the unit goes to one price source (even trials) or is split evenly.
      std::vector<const Driver*> prices;
      for (const Driver& d : b.drivers) {
        if (!l.is_index(d.source)) prices.push_back(&d);
      }
      const int128 left = one - idx_part;
      MarginCache c = x.cache;
      int128 used = idx_part;
      const std::size_t pick = prices.empty() ? 0 : rng() % prices.size();
      for (std::size_t k = 0; k < prices.size(); ++k) {
        const Driver& d = *prices[k];
        const int128 share =
            trial % 2 == 0 ? (k == pick ? left : 0) : left / static_cast<int128>(prices.size());
        const bool rise = rng() % 2 == 0;
        const int64_t solo = rise ? d.solo_up : d.solo_down;
        const int64_t dv = static_cast<int64_t>(mul_div(solo, share, one, Rounding::Down));
        if (solo > 0) used += div_round(int128{dv} * one, solo, Rounding::Up);
        set_source(c, l, d.source, rise ? d.value + dv : d.value - dv);
      }
      for (const Driver& d : b.drivers) {
        if (!l.is_index(d.source)) continue;
        const int64_t w = static_cast<int64_t>(mul_div(d.value, eps, kRatioOne, Rounding::Down));
        set_source(c, l, d.source, rng() % 2 ? d.value + w : d.value - w);
        if (w > 0) ++with_index;
      }
      ASSERT_LE(used, one);
      ASSERT_EQ(maint_excess(c, x.account).is_negative(), b.excess.is_negative())
          << x.where << " trial " << trial;
      ++tried;
      if (b.excess.is_negative()) ++unsafe_tried;
    }
  });
  EXPECT_GT(unsafe_tried, 100);
  EXPECT_GT(tried, 3000);
  EXPECT_GT(with_index, 1000);
}

// detect and rearm separately, with rearm sometimes skipped: every detect must still report
// exactly the rescan's changes, and the screen must settle some candidates.
TEST(Monitor, DetectThenRearmEqualsFullRescan) {
  for (uint64_t seed = 11; seed <= 14; ++seed) {
    std::mt19937_64 rng(seed);
    RandomVenue v = make_venue(rng, 150, seed % 2 == 0 ? "0" : "0.5");
    Engine& e = v.engine;
    MarginMonitor mon(e.state(), e.cache());
    std::set<AccountId> prev = mon.unsafe().to_set();
    Timestamp t = 0;
    std::vector<AccountId> touched;  // since the last detect
    for (int step = 0; step < 300; ++step) {
      t += static_cast<Timestamp>(rng() % 3600);
      const int kind = static_cast<int>(rng() % 10);
      if (kind < 4) {
        const auto a = static_cast<AssetId>(rng() % 3);
        (void)e.apply(ev(t, SetAssetPrice{a, moved(rng, e.state().assets[a].price, 300)}));
      } else if (kind < 9) {
        const auto m = static_cast<MarketId>(rng() % 2);
        (void)e.apply(
            ev(t, SetMarkPrice{m, moved(rng, e.state().perps[m].mark, 400), std::nullopt}));
      } else {
        const AccountId a = v.accounts[rng() % v.accounts.size()];
        (void)e.apply(ev(
            t, Deposit{a, 0, Quantity::from_raw(static_cast<int64_t>(rng() % 1'000'000'000) + 1)}));
        touched.push_back(a);
      }
      const auto ch = mon.detect(e.state(), e.cache(), touched);
      touched.clear();
      const std::set<AccountId> truth = rescan(e);
      ASSERT_EQ(mon.unsafe(), truth) << "seed " << seed << " step " << step;
      std::vector<AccountId> up;
      std::vector<AccountId> down;
      std::set_difference(truth.begin(), truth.end(), prev.begin(), prev.end(),
                          std::back_inserter(up));
      std::set_difference(prev.begin(), prev.end(), truth.begin(), truth.end(),
                          std::back_inserter(down));
      ASSERT_EQ(ch.became_unsafe, up);
      ASSERT_EQ(ch.became_safe, down);
      ASSERT_LE(ch.exact, ch.evaluated);
      prev = truth;
      if (rng() % 4 != 0) {
        mon.rearm(e.state(), e.cache());
        ASSERT_EQ(mon.pending(), 0U);
      }
    }
    EXPECT_GT(mon.stats().screened, 0U);
    EXPECT_GT(mon.stats().exact, 0U);
  }
}

// One or two sources jump by a log-uniform 1..2048 bp from the same book and back, so that many
// candidates sit just past (or just short of) their solo limits: the screen must never clear an
// account that changed sign (a screen 4x too permissive fails here).
TEST(Monitor, ScreenIsExactAcrossMoveSizes) {
  for (uint64_t seed = 31; seed <= 34; ++seed) {
    std::mt19937_64 rng(seed);
    RandomVenue v = make_venue(rng, 200, seed % 2 == 0 ? "0" : "1");
    Engine& e = v.engine;
    MarginMonitor mon(e.state(), e.cache());
    const std::set<AccountId> base = rescan(e);
    ASSERT_EQ(mon.unsafe(), base);
    Timestamp t = 0;  // same timestamp throughout: no interest, so the book comes back exactly
    std::size_t flips = 0;
    for (int trial = 0; trial < 300; ++trial) {
      const int sources = trial % 3 == 0 ? 2 : 1;
      std::vector<std::pair<int, Price>> undo;  // 0..2 asset, 3..4 market
      for (int k = 0; k < sources; ++k) {
        const int src = static_cast<int>(rng() % 5);
        const int64_t bp = int64_t{1} << (rng() % 12);  // 1..2048
        const int64_t signed_bp = rng() % 2 ? bp : -bp;
        const int64_t j = static_cast<int64_t>(rng() % static_cast<uint64_t>(bp)) / 2;
        const int64_t step = 10'000 + signed_bp - (signed_bp > 0 ? j : -j);
        if (src < 3) {
          const auto a = static_cast<AssetId>(src);
          const Price p = e.state().assets[a].price;
          undo.emplace_back(src, p);
          (void)e.apply(ev(t, SetAssetPrice{a, Price::from_raw(static_cast<int64_t>(mul_div(
                                                   p.raw(), step, 10'000, Rounding::Down)))}));
        } else {
          const auto m = static_cast<MarketId>(src - 3);
          const Price p = e.state().perps[m].mark;
          undo.emplace_back(src, p);
          (void)e.apply(ev(t, SetMarkPrice{m,
                                           Price::from_raw(static_cast<int64_t>(
                                               mul_div(p.raw(), step, 10'000, Rounding::Down))),
                                           std::nullopt}));
        }
      }
      const auto ch = mon.sync(e.state(), e.cache(), {});
      const std::set<AccountId> truth = rescan(e);
      ASSERT_EQ(mon.unsafe(), truth) << "seed " << seed << " trial " << trial;
      flips += ch.became_unsafe.size() + ch.became_safe.size();
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        if (it->first < 3) {
          (void)e.apply(ev(t, SetAssetPrice{static_cast<AssetId>(it->first), it->second}));
        } else {
          (void)e.apply(
              ev(t, SetMarkPrice{static_cast<MarketId>(it->first - 3), it->second, std::nullopt}));
        }
      }
      (void)mon.sync(e.state(), e.cache(), {});
      ASSERT_EQ(mon.unsafe(), base) << "seed " << seed << " trial " << trial << " (back)";
    }
    EXPECT_GT(flips, 20U);                  // 29-47 per seed
    EXPECT_GT(mon.stats().screened, 100U);  // ~220 per seed
  }
}

// Helper threads (set_threads) share the crossing and the exact valuations; with the sharing
// threshold at 1 every detect is split. The answers, the counters and the unsafe set must be those
// of a monitor on one thread, tick after tick, with one or several sources moving at once (the
// case where two threads can meet the same account).
TEST(Monitor, ThreadsChangeNothing) {
  std::mt19937_64 rng(41);
  RandomVenue v = make_venue(rng, 300, "0.5");
  Engine& e = v.engine;
  MarginMonitor one(e.state(), e.cache());
  MarginMonitor three(e.state(), e.cache());
  three.set_threads(3, 1);
  Timestamp t = 0;
  std::size_t shared_steps = 0;
  for (int step = 0; step < 200; ++step) {
    t += static_cast<Timestamp>(rng() % 600);
    const int moves = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < moves; ++k) {
      if (rng() % 2 == 0) {
        const auto a = static_cast<AssetId>(rng() % 3);
        (void)e.apply(ev(t, SetAssetPrice{a, moved(rng, e.state().assets[a].price, 300)}));
      } else {
        const auto m = static_cast<MarketId>(rng() % 2);
        (void)e.apply(
            ev(t, SetMarkPrice{m, moved(rng, e.state().perps[m].mark, 400), std::nullopt}));
      }
    }
    const auto a = one.detect(e.state(), e.cache(), {});
    const auto b = three.detect(e.state(), e.cache(), {});
    ASSERT_EQ(a.became_unsafe, b.became_unsafe) << "step " << step;
    ASSERT_EQ(a.became_safe, b.became_safe) << "step " << step;
    ASSERT_EQ(a.evaluated, b.evaluated) << "step " << step;
    ASSERT_EQ(a.exact, b.exact) << "step " << step;
    ASSERT_EQ(three.unsafe(), rescan(e)) << "step " << step;
    if (b.evaluated > 1) ++shared_steps;
    one.rearm(e.state(), e.cache());
    three.rearm(e.state(), e.cache());
  }
  EXPECT_EQ(one.stats().screened, three.stats().screened);
  EXPECT_EQ(one.stats().exact, three.stats().exact);
  EXPECT_EQ(one.stats().evaluations, three.stats().evaluations);
  EXPECT_EQ(one.stats().edges_crossed, three.stats().edges_crossed);
  EXPECT_EQ(one.edges(), three.edges());
  EXPECT_GT(shared_steps, 50U);
  // A copy runs on one thread and agrees too.
  MarginMonitor copy = three;
  EXPECT_EQ(copy.unsafe(), three.unsafe());
}

// The records' packed values (monitor.h): v0 is rounded down and its error stated, idx_rel is
// rounded up; both within 2^-25 relative, exact below 2^26, across the whole uint64 range.
TEST(Monitor, PackedValuesRoundTheSafeWay) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200'000; ++i) {
    const int shift = static_cast<int>(rng() % 64);
    const uint64_t v = rng() >> shift;
    const uint32_t d = pack_down(v);
    ASSERT_LE(unpack(d), v) << v;
    ASSERT_LE(v - unpack(d), packed_error(d)) << v;
    ASSERT_LE(static_cast<long double>(packed_error(d)),
              std::ldexp(static_cast<long double>(v), -25) + 1)
        << v;
    if (v < (uint64_t{1} << 26)) {
      ASSERT_EQ(unpack(d), v);
    }
    if (v < (uint64_t{1} << 63)) {
      const uint32_t u = pack_up(v);
      ASSERT_GE(unpack(u), v) << v;
      ASSERT_LE(static_cast<long double>(unpack(u) - v),
                std::ldexp(static_cast<long double>(v), -25) + 1)
          << v;
      ASSERT_NE(u, ~uint32_t{0});  // the records' "no room" mark
    }
  }
  EXPECT_EQ(unpack(pack_up((uint64_t{1} << 40) - 1)), uint64_t{1} << 40);  // carries to 2^26
  EXPECT_EQ(unpack(pack_down((uint64_t{1} << 40) - 1)), (uint64_t{1} << 40) - (uint64_t{1} << 14));
}

}  // namespace

struct MonitorTestAccess {
  static void set_stamp(MarginMonitor& m, uint32_t s) { m.stamp_ = s; }
};

namespace {

// The 32-bit detect stamps: a few detects before they would wrap, the monitor rebuilds itself
// (one full scan) and carries on exactly, with no stamp of before the wrap mistaken for a new one.
TEST(Monitor, DetectStampsNeverWrap) {
  std::mt19937_64 rng(3);
  RandomVenue v = make_venue(rng, 150);
  Engine& e = v.engine;
  MarginMonitor mon(e.state(), e.cache());
  MonitorTestAccess::set_stamp(mon, ~uint32_t{0} - 4);
  const uint64_t scans = mon.stats().full_scans;
  for (int step = 0; step < 40; ++step) {
    const auto m = static_cast<MarketId>(rng() % 2);
    (void)e.apply(ev(0, SetMarkPrice{m, moved(rng, e.state().perps[m].mark, 400), std::nullopt}));
    (void)mon.sync(e.state(), e.cache(), {});
    ASSERT_EQ(mon.unsafe(), rescan(e)) << "step " << step;
  }
  EXPECT_EQ(mon.stats().full_scans, scans + 1);
}

TEST(Monitor, RearmRejectsOtherPrices) {
  std::mt19937_64 rng(3);
  RandomVenue v = make_venue(rng, 20);
  Engine& e = v.engine;
  MarginMonitor mon(e.state(), e.cache());
  (void)e.apply(ev(1, SetMarkPrice{0, moved(rng, e.state().perps[0].mark, 400), std::nullopt}));
  (void)mon.detect(e.state(), e.cache(), {});
  (void)e.apply(ev(2, SetAssetPrice{1, px("1900")}));
  EXPECT_THROW(mon.rearm(e.state(), e.cache()), std::invalid_argument);
}

// A valuation that throws (OverflowError: a deposit worth more than Value can hold) leaves the
// excesses and the unsafe set as they were, also when other lanes had already stored theirs
// (value_exact): a stored value without its flag would make the unsafe set wrong for good. The
// monitor then carries on: the same accounts are decided at the next detect.
TEST(Monitor, ThrowingValuationChangesNothing) {
  State s;
  AssetParams weth = asset("WETH", 9, "0.8", "0.85", true);
  s.add_asset(asset("USDC", 6, "0.9", "0.9", true), priced("1"));
  s.add_asset(weth, priced("2000"));
  // Borrowers of WETH against USDC: 2 WETH owed, $10,000 held; unsafe above $4,500.
  for (int i = 0; i < 60; ++i) {
    const AccountId a = s.owners[s.add_owner(fmt::format("b{}", i))].accounts[0];
    s.accounts[a].balance_mut(0).scaled = 10'000'000'000;
    s.accounts[a].balance_mut(1).scaled = -2'000'000'000;
  }
  // 2e9 WETH: $4e12 at $2,000 fits a Value (< 9.2e12 dollars), $1e13 at $5,000 does not.
  const AccountId whale = s.owners[s.add_owner("whale")].accounts[0];
  s.accounts[whale].balance_mut(1).scaled = 2'000'000'000'000'000'000;
  MarginMonitor mon(s, build_margin_cache(s));
  mon.set_threads(3, 1);
  ASSERT_TRUE(mon.unsafe().empty());
  std::vector<Value> before;
  for (AccountId a = 0; a < s.accounts.size(); ++a) before.push_back(mon.excess(a));

  s.assets[1].price = px("5000");
  EXPECT_THROW((void)mon.detect(s, build_margin_cache(s), {}), OverflowError);
  EXPECT_TRUE(mon.unsafe().empty());
  for (AccountId a = 0; a < s.accounts.size(); ++a) EXPECT_EQ(mon.excess(a), before[a]) << a;

  s.assets[1].price = px("4600");
  const MarginCache c = build_margin_cache(s);
  const auto ch = mon.sync(s, c, {});
  EXPECT_EQ(ch.became_unsafe.size(), 60U);
  std::set<AccountId> truth;
  for (AccountId a = 0; a < s.accounts.size(); ++a) {
    if (maint_excess(c, s.accounts[a]).is_negative()) truth.insert(a);
  }
  EXPECT_EQ(mon.unsafe(), truth);
}

}  // namespace
}  // namespace backstop
