// Band soundness (monitor/band.h): for random accounts, moves within the band's widths, or within
// the solo limits jointly, never change the sign of the exact excess; hand-checked bands; how the
// room is shared between sources.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "backstop/margin/risk.h"
#include "backstop/monitor/band.h"
#include "backstop/monitor/monitor.h"
#include "monitor_venue.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;
using namespace monitor_testing;

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
// signed_rates: the bands are computed for a price schedule (compute_band's for_schedule).
// pinned: compute_band's pinned sources (by SourceId; empty: none).
template <class F>
void for_each_band_site(std::mt19937_64& rng, F f, bool signed_rates = false,
                        const std::vector<uint8_t>& pinned = {}) {
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
        const Band b = compute_band(bc.cache, l, a, vol, std::nullopt, pinned, signed_rates);
        f(BandSite{fmt::format("upnl {}, {}, account {}", upnl, bc.name, id), bc.cache, l, a, b});
      }
    }
  }
}

// A band computed with the excess given (the monitor's exact valuation of the same detect) is the
// band computed from scratch, field for field.
TEST(Monitor, BandWithAKnownExcessIsTheSameBand) {
  std::mt19937_64 rng(123);
  int sites = 0;
  for_each_band_site(rng, [&](const BandSite& x) {
    const Band b = compute_band(x.cache, x.layout, x.account, {}, maint_excess(x.cache, x.account));
    const Band& want = x.band;
    ++sites;
    ASSERT_EQ(b.excess, want.excess) << x.where;
    ASSERT_EQ(b.slack, want.slack) << x.where;
    ASSERT_EQ(b.room, want.room) << x.where;
    ASSERT_EQ(b.rest, want.rest) << x.where;
    ASSERT_EQ(b.index_sensitivity, want.index_sensitivity) << x.where;
    ASSERT_EQ(b.fragile, want.fragile) << x.where;
    ASSERT_EQ(b.drivers.size(), want.drivers.size()) << x.where;
    // The drivers' widths depend on the volatilities (random for odd accounts): compare the
    // rates and solo limits, which do not.
    for (std::size_t k = 0; k < b.drivers.size(); ++k) {
      ASSERT_EQ(b.drivers[k].source, want.drivers[k].source) << x.where;
      ASSERT_EQ(b.drivers[k].down, want.drivers[k].down) << x.where;
      ASSERT_EQ(b.drivers[k].up, want.drivers[k].up) << x.where;
      ASSERT_EQ(b.drivers[k].solo_down, want.drivers[k].solo_down) << x.where;
      ASSERT_EQ(b.drivers[k].solo_up, want.drivers[k].solo_up) << x.where;
    }
  });
  EXPECT_GT(sites, 500);
#ifndef NDEBUG
  // Debug builds refuse a wrong excess.
  RandomVenue v = make_venue(rng, 20, "1");
  const MarginAccount& a = v.engine.state().accounts.back();
  const Value wrong = maint_excess(v.engine.cache(), a) + Value::from_raw(1);
  EXPECT_THROW((void)compute_band(v.engine.cache(), source_layout(v.engine.cache()), a, {}, wrong),
               std::logic_error);
#endif
}

// A band computed for a price schedule has the same rates, solo limits, room and rest, no widths,
// and signed rates of its own; an edge band's signed rates are its one-sided ones.
TEST(Monitor, ScheduleBandsKeepTheRates) {
  std::mt19937_64 rng(321);
  int gains = 0;
  for_each_band_site(rng, [&](const BandSite& x) {
    const Band s = compute_band(x.cache, x.layout, x.account, {}, std::nullopt, {}, true);
    ASSERT_EQ(s.room, x.band.room) << x.where;
    ASSERT_EQ(s.rest, x.band.rest) << x.where;
    ASSERT_EQ(s.drivers.size(), x.band.drivers.size()) << x.where;
    for (std::size_t k = 0; k < s.drivers.size(); ++k) {
      const Driver& a = s.drivers[k];
      const Driver& b = x.band.drivers[k];
      ASSERT_EQ(a.down, b.down) << x.where;
      ASSERT_EQ(a.up, b.up) << x.where;
      ASSERT_EQ(a.solo_down, b.solo_down) << x.where;
      ASSERT_EQ(a.solo_up, b.solo_up) << x.where;
      ASSERT_EQ(a.width_down, 0) << x.where;
      ASSERT_EQ(a.width_up, 0) << x.where;
      ASSERT_EQ(b.net_down, b.down) << x.where;
      ASSERT_EQ(b.net_up, b.up) << x.where;
      if (a.net_down < 0 || a.net_up < 0) ++gains;
    }
  });
  EXPECT_GT(gains, 500);
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

// One joint move of every source of x's band (a source with reach 0 stays): to either end of
// [v0 - reach, v0 + reach] on even trials (the worst case for a multilinear term), to an interior
// point on odd ones. The exact excess must move toward zero by at most
// sum_s net_s(side) |dv_s| / v0_s + 2 S, gains offsetting costs. Sets *gained when some moved
// source's signed rate was a gain.
template <class Reach>
void check_joint_move(const BandSite& x, std::mt19937_64& rng, int trial, Reach reach,
                      bool* gained) {
  const Band& b = x.band;
  MarginCache c = x.cache;
  int128 toward = 0;  // sum of net rate x |dv| / v0, each rounded up
  for (const Driver& d : b.drivers) {
    const int64_t v0 = d.value;
    const int64_t r = v0 > 0 ? reach(d) : 0;
    if (r <= 0) continue;
    const int64_t dv = trial % 2 == 0
                           ? (rng() % 2 ? r : -r)
                           : static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * r + 1)) - r;
    set_source(c, x.layout, d.source, v0 + dv);
    const int128 rate = dv < 0 ? d.net_down : d.net_up;
    if (dv != 0 && rate < 0) *gained = true;
    toward += mul_div(rate, dv < 0 ? -dv : dv, v0, Rounding::Up);
  }
  const Value e1 = maint_excess(c, x.account);
  const int128 bound = toward + 2 * b.slack;
  if (!b.excess.is_negative()) {
    ASSERT_GE(e1.raw(), b.excess.raw() - bound) << x.where << " trial " << trial;
  } else {
    ASSERT_LE(e1.raw(), b.excess.raw() + bound) << x.where << " trial " << trial;
  }
}

// The signed rates (band.h, Driver::net_down): moving every source at once, each price by up to
// 1/10 of its value either way and each index by the allowance (a non-fragile band) or 1/10, the
// exact excess moves toward zero by at most sum_s net_s(side) |dv_s| / v0_s + 2 S, gains offsetting
// costs. At the extremes (the worst case for a multilinear term) and at interior points.
TEST(Monitor, SignedRatesBoundJointMoves) {
  std::mt19937_64 rng(4242);
  int tried = 0;
  int gained = 0;
  int unsafe_tried = 0;
  for_each_band_site(
      rng,
      [&](const BandSite& x) {
        const Band& b = x.band;
        const SourceLayout& l = x.layout;
        if (b.drivers.empty()) return;
        // A price by up to 1/10; an index by its allowance (1/10 for a fragile band).
        auto reach = [&](const Driver& d) {
          return l.is_index(d.source) && !b.fragile
                     ? static_cast<int64_t>(
                           mul_div(d.value, kIndexAllowance, kRatioOne, Rounding::Down))
                     : d.value / 10;
        };
        for (int trial = 0; trial < 40; ++trial) {
          bool any_gain = false;
          ASSERT_NO_FATAL_FAILURE(check_joint_move(x, rng, trial, reach, &any_gain));
          ++tried;
          if (any_gain) ++gained;
          if (b.excess.is_negative()) ++unsafe_tried;
        }
        // The signed rates never exceed the one-sided ones.
        for (const Driver& d : b.drivers) {
          ASSERT_LE(d.net_down, d.down) << x.where;
          ASSERT_LE(d.net_up, d.up) << x.where;
        }
      },
      /*signed_rates=*/true);
  EXPECT_GT(tried, 10'000);
  EXPECT_GT(gained, 5'000);
  EXPECT_GT(unsafe_tried, 200);
}

// Wide bands (band.h, `narrow`): a schedule band without a moving perp quote price bounds joint
// moves of its price sources of up to 1/2 (kWideBandMove), the indexes within their allowance.
// Run with the USDC price (the perps' quote) free, where only bands without perps are wide, and
// pinned, where the perp bands are wide too (a pinned source does not move).
TEST(Monitor, WideBandsBoundJointMovesOfAHalf) {
  std::mt19937_64 rng(2718);
  int wide = 0;
  int wide_perps = 0;
  int narrow = 0;
  int unsafe_tried = 0;
  for (const bool pin_quote : {false, true}) {
    std::vector<uint8_t> pinned;
    if (pin_quote) pinned = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // 3 assets x 3 + 2 marks
    for_each_band_site(
        rng,
        [&](const BandSite& x) {
          const Band& b = x.band;
          const SourceLayout& l = x.layout;
          if (!pinned.empty()) {
            ASSERT_EQ(pinned.size(), l.count());
          }
          // Narrow exactly when a perp's quote price may move.
          const bool perps = std::any_of(
              x.account.positions.begin(), x.account.positions.end(),
              [](const PerpPosition& p) { return p.size.raw() != 0 || p.quote.raw() != 0; });
          ASSERT_EQ(b.narrow, !pin_quote && perps) << x.where;
          if (b.narrow) {
            ++narrow;
            return;
          }
          if (b.drivers.empty()) return;
          ++wide;
          if (perps) ++wide_perps;
          // A price by up to 1/2 (a pinned one stays); an index by its allowance.
          auto reach = [&](const Driver& d) -> int64_t {
            if (is_pinned(pinned, l, d.source)) return 0;
            return static_cast<int64_t>(
                mul_div(d.value, l.is_index(d.source) ? kIndexAllowance : kWideBandMove, kRatioOne,
                        Rounding::Down));
          };
          for (int trial = 0; trial < 40; ++trial) {
            bool any_gain = false;
            ASSERT_NO_FATAL_FAILURE(check_joint_move(x, rng, trial, reach, &any_gain));
            if (b.excess.is_negative()) ++unsafe_tried;
          }
        },
        /*signed_rates=*/true, pinned);
  }
  EXPECT_GT(wide, 1'000) << wide;
  EXPECT_GT(wide_perps, 500) << wide_perps;
  EXPECT_GT(narrow, 500) << narrow;
  EXPECT_GT(unsafe_tried, 100) << unsafe_tried;
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

// The same borrower with USDC pinned (compute_band's `pinned`, the monitor's pin_sources): USDC
// shares no room, so WETH's budget is all of rest and
//   width_down = 2,000e9 * 959,519,963 / 20,000e6 = 95,951,996,300 (a $95.95 fall);
// USDC's widths are 0 and it holds no edges. The rates, the room and the solo limits do not
// depend on the split. A pin on an index is ignored.
TEST(Monitor, PinnedSourceGivesItsRoomToTheOthers) {
  auto [e, a] = simple_borrower();
  const SourceLayout l = source_layout(e.cache());
  std::vector<uint8_t> pinned(l.count(), 0);
  pinned[l.price(0)] = 1;
  pinned[l.borrow_index(0)] = 1;  // ignored
  const Band b = compute_band(e.cache(), l, e.state().accounts[a], {}, std::nullopt, pinned);
  EXPECT_EQ(b.rest, 959'519'963);
  EXPECT_FALSE(b.fragile);
  ASSERT_EQ(b.drivers[0].source, l.price(0));
  ASSERT_EQ(b.drivers[1].source, l.price(1));
  EXPECT_EQ(b.drivers[1].width_down, 95'951'996'300);
  EXPECT_EQ(b.drivers[1].width_up, 200'000'000'000);  // the cap
  EXPECT_EQ(b.drivers[0].width_down, 0);
  EXPECT_EQ(b.drivers[0].width_up, 0);
  EXPECT_EQ(b.drivers[1].solo_down, 99'999'996'300);
  EXPECT_EQ(b.drivers[0].solo_up, 59'523'807);

  // The monitor: the borrower's two WETH edges and none for the lender's USDC deposit, instead of
  // six; the same answers while WETH moves, and a full scan that unpins USDC when it moves.
  MarginMonitor plain(e.state(), e.cache());
  MarginMonitor pinning(e.state(), e.cache());
  pinning.pin_sources(pinned);
  (void)pinning.sync(e.state(), e.cache(), {}, /*full=*/true);
  EXPECT_EQ(plain.edges(), 6U);
  EXPECT_EQ(pinning.edges(), 2U);
  ASSERT_TRUE(e.apply(ev(0, SetAssetPrice{1, px("1910")})).ok());  // -$90: inside $95.95
  EXPECT_EQ(plain.sync(e.state(), e.cache(), {}).evaluated, 1U);   // past $47.98
  EXPECT_EQ(pinning.sync(e.state(), e.cache(), {}).evaluated, 0U);
  const uint64_t scans = pinning.stats().full_scans;
  // USDC +6%: the debt grows by $960 > the $1,000 - $90 x 8.5 left: unsafe.
  ASSERT_TRUE(e.apply(ev(0, SetAssetPrice{0, px("1.06")})).ok());
  const auto p = plain.sync(e.state(), e.cache(), {});
  const auto t = pinning.sync(e.state(), e.cache(), {});
  EXPECT_EQ(p.became_unsafe, std::vector<AccountId>{a});
  EXPECT_EQ(t.became_unsafe, p.became_unsafe);
  EXPECT_EQ(pinning.stats().unpinned, 1U);
  EXPECT_EQ(pinning.stats().full_scans, scans + 1);
  EXPECT_EQ(pinning.pinned().at(l.price(0)), 0);
  EXPECT_EQ(pinning.edges(), 6U) << "USDC has edges again";
  // Unpinned, USDC is crossed like any source: back to 1 makes the account safe again.
  ASSERT_TRUE(e.apply(ev(0, SetAssetPrice{0, px("1")})).ok());
  EXPECT_EQ(pinning.sync(e.state(), e.cache(), {}).became_safe, std::vector<AccountId>{a});
  EXPECT_EQ(pinning.stats().full_scans, scans + 1);
  EXPECT_EQ(plain.sync(e.state(), e.cache(), {}).became_safe, std::vector<AccountId>{a});
}

// A long without credit for unrealised profit (upnl weight 0) is hurt by a rise: its margin grows
// with the notional while the profit counts for nothing. USDC 1,700 (maint weight 0.9) and 1 BTC
// long at 60,000, mark 60,000, tiers 2.5% / 5% (from $100k): E = 1,530 - 1,500 = $30.
// Rates (band.cc): down w' n = 1 x 60,000 = $60,000; up r_max n = 0.05 x 60,000 = $3,000 (the
// highest tier's rate bounds the slope). At +10% (66,000) the margin is 1,650 and E = -$120, so a
// rise rate of 0 (a 10% cap on the up side) would be unsound; at the solo limit the sign holds.
std::pair<Engine, MarginAccount> long_without_profit_credit() {
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
  if (!e.apply(ev(0, Deposit{id, 0, qty("1700", 6)})).ok()) {
    throw std::logic_error("long_without_profit_credit: rejected");
  }
  MarginAccount a = e.state().accounts[id];
  a.positions.push_back(PerpPosition{0, qty("1", 8), qty("-60000", 6), Price{}});
  return {std::move(e), std::move(a)};
}

TEST(Monitor, LongWithoutProfitCreditIsHurtByARise) {
  auto [e, a] = long_without_profit_credit();
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

// The same long with its USDC quote pinned: USDC's driver keeps only the deposit's own rate,
// T = $1,700 on a fall (the weight 0.9 counts as 1) and nothing on a rise; unpinned, the perp group
// adds (band.cc) w' (1.1 n (1 + r_max) + |quote|) = 1.1 x 63,000 + 60,000 = $129,300 both ways.
// Nothing else changes but the split: the mark's rates, the excess, the slack and the room are the
// same, and the mark's budget is all of rest.
TEST(Monitor, PinnedPerpQuoteTakesNoGroupRate) {
  auto [e, a] = long_without_profit_credit();
  const SourceLayout l = source_layout(e.cache());
  std::vector<uint8_t> pins(l.count(), 0);
  pins[l.price(0)] = 1;
  const Band plain = compute_band(e.cache(), l, a);
  const Band pinned = compute_band(e.cache(), l, a, {}, std::nullopt, pins);
  auto driver = [](const Band& b, SourceId src) {
    const auto it = std::find_if(b.drivers.begin(), b.drivers.end(),
                                 [&](const Driver& d) { return d.source == src; });
    if (it == b.drivers.end()) throw std::logic_error("no driver for the source");
    return *it;
  };
  EXPECT_EQ(plain.drivers.size(), pinned.drivers.size());  // USDC price and index, the mark
  EXPECT_EQ(driver(plain, l.price(0)).down, usd("131000").raw());
  EXPECT_EQ(driver(plain, l.price(0)).up, usd("129300").raw());
  EXPECT_EQ(driver(pinned, l.price(0)).down, usd("1700").raw());
  EXPECT_EQ(driver(pinned, l.price(0)).up, 0);
  EXPECT_EQ(driver(pinned, l.price(0)).width_down, 0);
  EXPECT_EQ(driver(pinned, l.price(0)).width_up, 0);
  EXPECT_EQ(driver(pinned, l.supply_index(0)).down, driver(plain, l.supply_index(0)).down);
  EXPECT_EQ(pinned.excess, plain.excess);
  EXPECT_EQ(pinned.slack, plain.slack);
  EXPECT_EQ(pinned.room, plain.room);
  const Driver mp = driver(pinned, l.mark(0));
  const Driver mu = driver(plain, l.mark(0));
  EXPECT_EQ(mp.down, mu.down);
  EXPECT_EQ(mp.up, mu.up);
  EXPECT_EQ(mp.solo_down, mu.solo_down);
  // All of rest: floor(v0 x rest / down), against a share of it unpinned.
  EXPECT_EQ(mp.width_down,
            static_cast<int64_t>(mul_div(mp.value, pinned.rest, mp.down, Rounding::Down)));
  EXPECT_GT(mp.width_down, mu.width_down);
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

}  // namespace
}  // namespace backstop
