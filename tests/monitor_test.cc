// Incremental monitor (monitor/monitor.h): on random books and random price paths it must report
// exactly the accounts a full rescan finds (detect, rearm, the screen, threads), and its
// bookkeeping must hold (packed values, stamps, rejected or throwing inputs). The bands on their
// own: monitor_band_test.cc.
#include "backstop/monitor/monitor.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "backstop/margin/risk.h"
#include "monitor_venue.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;
using namespace monitor_testing;

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
      ASSERT_TRUE(mon.current(e.state(), e.cache())) << "seed " << seed << " step " << step;
      // The reported changes are exactly the set difference.
      const auto [up, down] = set_changes(prev, truth);
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

// current(): true right after a sync; false while a moved price, a pending rearm or an account
// the monitor has not seen is left to sync.
TEST(Monitor, CurrentOnlyWhenNothingIsLeftToSync) {
  std::mt19937_64 rng(5);
  RandomVenue v = make_venue(rng, 150, "1");
  Engine& e = v.engine;
  MarginMonitor mon(e.state(), e.cache());
  EXPECT_TRUE(mon.current(e.state(), e.cache()));
  Timestamp t = 0;
  std::size_t pending_seen = 0;
  for (int step = 0; step < 200; ++step) {
    t += 60;
    const auto m = static_cast<MarketId>(rng() % 2);
    const Price before = e.state().perps[m].mark;
    (void)e.apply(ev(t, SetMarkPrice{m, moved(rng, before, 800), std::nullopt}));
    EXPECT_EQ(mon.current(e.state(), e.cache()), e.state().perps[m].mark == before);
    (void)mon.detect(e.state(), e.cache(), {});
    EXPECT_EQ(mon.current(e.state(), e.cache()), mon.pending() == 0);
    if (mon.pending() > 0) ++pending_seen;
    mon.rearm(e.state(), e.cache());
    EXPECT_TRUE(mon.current(e.state(), e.cache()));
    EXPECT_EQ(mon.unsafe(), rescan(e));
  }
  EXPECT_GT(pending_seen, 10U);  // the moves did cross bands
  // A monitor built for fewer accounts than the state holds is not current.
  State fewer = e.state();
  fewer.accounts.pop_back();
  const MarginMonitor small(fewer, build_margin_cache(fewer));
  EXPECT_FALSE(small.current(e.state(), e.cache()));
}

// detect and rearm separately, with rearm sometimes skipped or deferring the unsafe candidates:
// every detect must still report exactly the rescan's changes, and the screen must settle some
// candidates.
TEST(Monitor, DetectThenRearmEqualsFullRescan) {
  std::size_t deferred = 0;
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
        // Half the time the unsafe candidates keep their old bands (the resolver's first rearm of
        // an event): only they stay pending, and the next detect takes them up again.
        const bool defer = rng() % 2 == 0;
        mon.rearm(e.state(), e.cache(), defer);
        if (defer) {
          ASSERT_LE(mon.pending(), truth.size());
          deferred += mon.pending();
        } else {
          ASSERT_EQ(mon.pending(), 0U);
        }
      }
    }
    EXPECT_GT(mon.stats().screened, 0U);
    EXPECT_GT(mon.stats().exact, 0U);
  }
  EXPECT_GT(deferred, 20U);
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

// A monitor assigned over one that has run elsewhere (its ladders cover other price ranges: the
// assignment keeps each bucket by key, monitor.h Ladder), or reset to the source after tracking
// (reset_to), behaves exactly like a fresh copy of the source, and the source is unchanged: the
// simulator resets its monitor this way before each path.
TEST(Monitor, AssignedOverAUsedMonitorActsLikeAFreshCopy) {
  std::mt19937_64 rng(21);
  RandomVenue v = make_venue(rng, 150, "1");
  const Engine start = v.engine;
  const MarginMonitor source(start.state(), start.cache());
  auto walk = [&](Engine& e, MarginMonitor& mon, uint64_t seed, int steps, int bp) {
    std::mt19937_64 r(seed);
    Timestamp t = 0;
    for (int step = 0; step < steps; ++step) {
      t += 60;
      const auto m = static_cast<MarketId>(r() % 2);
      (void)e.apply(ev(t, SetMarkPrice{m, moved(r, e.state().perps[m].mark, bp), std::nullopt}));
      if (r() % 3 == 0) {
        const auto a = static_cast<AssetId>(r() % 3);
        (void)e.apply(ev(t, SetAssetPrice{a, moved(r, e.state().assets[a].price, bp)}));
      }
      (void)mon.sync(e.state(), e.cache(), {});
    }
  };
  // Seeds 5-8 reset by reset_to after tracking: only the accounts the walk took as candidates
  // get their records, generations, excesses and edge counts back (monitor.h).
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const bool sparse = seed > 4;
    // A monitor that has wandered far (large moves): its ladders span other buckets.
    Engine used_engine = start;
    MarginMonitor used = source;
    if (sparse) used.track_changes();
    walk(used_engine, used, 1000 + seed, 300, 1500);
    if (sparse) {
      ASSERT_EQ(used.stats().full_scans, source.stats().full_scans);  // no rebuild: a sparse copy
      ASSERT_GT(used.stats().evaluations, source.stats().evaluations + 100);
      used.reset_to(source);  // the reset under test
      for (AccountId id = 0; id < start.state().accounts.size(); ++id) {
        ASSERT_EQ(used.excess(id), source.excess(id)) << "seed " << seed << " account " << id;
        ASSERT_EQ(used.fragile(id), source.fragile(id)) << "seed " << seed << " account " << id;
      }
      ASSERT_EQ(used.edges(), source.edges());
    } else {
      used = source;  // the reset under test
    }
    MarginMonitor fresh = source;
    Engine a = start;
    Engine b = start;
    walk(a, used, seed, 200, 400);
    walk(b, fresh, seed, 200, 400);
    ASSERT_EQ(used.unsafe(), fresh.unsafe()) << "seed " << seed;
    ASSERT_EQ(used.unsafe(), rescan(a)) << "seed " << seed;
    EXPECT_EQ(used.stats().evaluations, fresh.stats().evaluations);
    EXPECT_EQ(used.stats().edges_crossed, fresh.stats().edges_crossed);
    EXPECT_EQ(used.stats().stale_crossed, fresh.stats().stale_crossed);
    EXPECT_EQ(used.edges(), fresh.edges());
  }
  EXPECT_EQ(source.unsafe(), rescan(start));
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
