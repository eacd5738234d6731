// Learned volatilities of the monitor's price sources (monitor/volatility.h): the tracker's
// arithmetic by hand, and what learning does to a monitor (fewer re-evaluations when a quote never
// moves, never a different answer).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "backstop/margin/risk.h"
#include "backstop/monitor/monitor.h"
#include "backstop/monitor/volatility.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;

// log2_vol = clamp(20 + floor((bit_width(rate) - 40) / 2), 0, 40), rate in 2^-64 per second.
TEST(VolatilityTracker, MappingHandDerived) {
  // 100 % annual volatility: 2^64 / 31,536,000 = 584,942,417,355 (40 bits): the default, 20.
  EXPECT_EQ(VolatilityTracker::log2_of_rate(584'942'417'355ULL), 20);
  EXPECT_EQ(VolatilityTracker::log2_of_rate(uint64_t{1} << 39), 20);        // 40 bits
  EXPECT_EQ(VolatilityTracker::log2_of_rate(uint64_t{1} << 35), 18);        // 36 bits: sigma / 4
  EXPECT_EQ(VolatilityTracker::log2_of_rate((uint64_t{1} << 36) - 1), 18);  // 36 bits
  EXPECT_EQ(VolatilityTracker::log2_of_rate(uint64_t{1} << 34), 17);        // 35 bits: floor(-2.5)
  EXPECT_EQ(VolatilityTracker::log2_of_rate(uint64_t{1} << 41), 21);        // 42 bits
  EXPECT_EQ(VolatilityTracker::log2_of_rate(1), 0);                         // 20 - 20
  EXPECT_EQ(VolatilityTracker::log2_of_rate(0), 0);
  EXPECT_EQ(VolatilityTracker::log2_of_rate(uint64_t{1} << 63), 32);  // 64 bits
}

TEST(VolatilityTracker, WindowsHandDerived) {
  VolatilityTracker t(100, {20, 20, 5});
  EXPECT_FALSE(t.advance(1'000));  // starts the first window
  // A 1 % move: r = floor(2^32 / 100) = 42,949,672; r^2 = 1,844,674,324,907,584.
  t.observe(0, 1'000, 1'010);
  t.observe(2, 0, 5);  // no relative move from a non-positive value: ignored
  EXPECT_FALSE(t.advance(1'099));
  EXPECT_EQ(t.log2_volatility(), (std::vector<uint8_t>{20, 20, 5})) << "priors until a window";
  ASSERT_TRUE(t.advance(1'100));
  EXPECT_TRUE(t.learned());
  // Source 0: r^2 / 100 s = 18,446,743,249,075 (45 bits): 20 + floor(5 / 2) = 22. The others did
  // not move: 0.
  EXPECT_EQ(t.log2_volatility(), (std::vector<uint8_t>{22, 0, 0}));
  // In the running window, a move of source 1 counts at once (sum / window length), and source 0
  // keeps the last window's rate until a window without moves ends.
  t.observe(1, 1'010, 1'000);  // r = floor(10 * 2^32 / 1010) = 42,524,428: r^2 / 100 has 45 bits
  EXPECT_EQ(t.log2_volatility(), (std::vector<uint8_t>{22, 22, 0}));
  ASSERT_TRUE(t.advance(1'300));  // 200 s: source 1's rate is r^2 / 200 (44 bits): 22
  EXPECT_EQ(t.log2_volatility(), (std::vector<uint8_t>{0, 22, 0}));
  EXPECT_THROW(VolatilityTracker(0, {}), std::invalid_argument);
}

// A perp venue quoted in USDC (price 1): 300 accounts with a 10k USDC deposit and two perp
// positions of 10k-90k USD notional each, long or short at random.
Engine two_market_venue(std::mt19937_64& rng) {
  State s;
  s.add_asset(asset("USDC", 6, "1", "1", true), priced("1"));
  s.add_market(one_tier_perp("BTC-PERP", 8, 0, "0.1", "0.05"), perp_at("60000"));
  s.add_market(one_tier_perp("ETH-PERP", 9, 0, "0.1", "0.05"), perp_at("2000"));
  std::vector<AccountId> ids;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(s.owners[s.add_owner(fmt::format("u{}", i))].accounts[0]);
  }
  Engine e(std::move(s));
  for (AccountId a : ids) {
    if (!e.apply(ev(0, Deposit{a, 0, qty("10000", 6)})).ok()) {
      throw std::logic_error("two_market_venue: deposit rejected");
    }
    for (MarketId m = 0; m < 2; ++m) {
      // Notional 10k-90k USD each: leverage up to ~9 on a 10 % initial margin.
      const int64_t usd_notional = 10'000 + static_cast<int64_t>(rng() % 40'000);
      const Price mark = e.state().perps[m].mark;
      const int64_t base_unit = m == 0 ? 100'000'000 : 1'000'000'000;
      int64_t size = static_cast<int64_t>(
          mul_div(usd_notional * base_unit, kPriceOne, mark.raw(), Rounding::Down));
      if (rng() % 2 == 0) size = -size;
      (void)e.apply(ev(0, Trade{a, m, Quantity::from_raw(size), mark, std::nullopt}));
    }
  }
  return e;
}

// Moves one mark by a random -0.5 % .. +0.5 % (market step % 2).
void walk_mark(Engine& e, std::mt19937_64& rng, int step, Timestamp t) {
  const auto m = static_cast<MarketId>(step % 2);
  const Price p = e.state().perps[m].mark;
  const int64_t bp = static_cast<int64_t>(rng() % 101) - 50;
  const Price next =
      Price::from_raw(static_cast<int64_t>(mul_div(p.raw(), 10'000 + bp, 10'000, Rounding::Down)));
  ASSERT_TRUE(e.apply(ev(t, SetMarkPrice{m, next, std::nullopt})).ok());
}

std::set<AccountId> below_maintenance(const Engine& e) {
  std::set<AccountId> truth;
  for (AccountId id = 0; id < e.state().accounts.size(); ++id) {
    if (maint_excess(e.cache(), e.state().accounts[id]).is_negative()) truth.insert(id);
  }
  return truth;
}

// Syncs both monitors with the engine, checks each against a full rescan, and adds their
// re-evaluations to the counters when `count` (wrap in ASSERT_NO_FATAL_FAILURE).
void sync_both(const Engine& e, MarginMonitor& a, MarginMonitor& b, int step, bool count,
               uint64_t& evaluations_a, uint64_t& evaluations_b) {
  const uint64_t before_a = a.stats().evaluations;
  const uint64_t before_b = b.stats().evaluations;
  (void)a.sync(e.state(), e.cache(), {});
  (void)b.sync(e.state(), e.cache(), {});
  const std::set<AccountId> truth = below_maintenance(e);
  ASSERT_EQ(a.unsafe(), truth) << "step " << step;
  ASSERT_EQ(b.unsafe(), truth) << "step " << step;
  if (count) {
    evaluations_a += a.stats().evaluations - before_a;
    evaluations_b += b.stats().evaluations - before_b;
  }
}

// A perp venue quoted in USDC whose price never moves: with learning, the quote's share of every
// band goes to the marks, so a random walk of the marks re-evaluates fewer accounts. Both
// monitors agree with a full rescan at every step.
TEST(Monitor, LearnedVolatilityGivesTheRoomToWhatMoves) {
  std::mt19937_64 rng(11);
  Engine e = two_market_venue(rng);
  MarginMonitor plain(e.state(), e.cache());
  MarginMonitor learning(e.state(), e.cache());
  learning.learn_volatility(3'600);
  uint64_t evaluations_plain = 0;
  uint64_t evaluations_learning = 0;
  Timestamp t = 0;
  for (int step = 0; step < 3'000; ++step) {
    t += 60;
    walk_mark(e, rng, step, t);
    // Counted after the first hour's window.
    ASSERT_NO_FATAL_FAILURE(
        sync_both(e, plain, learning, step, step >= 600, evaluations_plain, evaluations_learning));
  }
  const SourceLayout l = source_layout(e.cache());
  EXPECT_EQ(learning.volatility().at(l.price(0)), 0) << "USDC never moved";
  EXPECT_GT(learning.volatility().at(l.mark(0)), 10);
  EXPECT_GT(evaluations_plain, 1'000U) << "the walk should re-arm accounts";
  // Measured: 5,233 and 2,921 (-44 %).
  EXPECT_LT(evaluations_learning * 4, evaluations_plain * 3) << "at least 25 % fewer";
}

// The same venue with USDC pinned (MarginMonitor::pin_sources): no account holds USDC edges, the
// marks get all the room, and the monitor agrees with a full rescan at every step: while USDC
// stays put, when it moves (one full scan unpins it), and after a pin is lifted by the caller (the
// next detect rebuilds, since bands without the lifted source's edges may remain).
TEST(Monitor, PinnedQuoteHoldsNoEdgesAndAWrongPinCostsAFullScan) {
  std::mt19937_64 rng(12);
  Engine e = two_market_venue(rng);
  const SourceLayout l = source_layout(e.cache());
  std::vector<uint8_t> pins(l.count(), 0);
  pins[l.price(0)] = 1;
  MarginMonitor plain(e.state(), e.cache());
  MarginMonitor pinned(e.state(), e.cache());
  pinned.pin_sources(pins);
  (void)pinned.sync(e.state(), e.cache(), {}, /*full=*/true);
  // Each account: 2 edges per mark and, unpinned, 2 for USDC.
  EXPECT_EQ(plain.edges(), 300U * 6);
  EXPECT_EQ(pinned.edges(), 300U * 4);
  uint64_t evaluations_plain = 0;
  uint64_t evaluations_pinned = 0;
  Timestamp t = 0;
  auto step_both = [&](int step) {
    sync_both(e, plain, pinned, step, true, evaluations_plain, evaluations_pinned);
  };
  for (int step = 0; step < 2'000; ++step) {
    t += 60;
    walk_mark(e, rng, step, t);
    ASSERT_NO_FATAL_FAILURE(step_both(step));
  }
  EXPECT_GT(evaluations_plain, 1'000U) << "the walk should re-arm accounts";
  // Measured: 2,589 and 1,312 (-49 %).
  EXPECT_LT(evaluations_pinned * 4, evaluations_plain * 3) << "at least 25 % fewer";
  EXPECT_EQ(pinned.stats().unpinned, 0U);

  // USDC moves after all (+3 %): a full scan, USDC unpinned, the same answers.
  const uint64_t scans = pinned.stats().full_scans;
  ASSERT_TRUE(e.apply(ev(t, SetAssetPrice{0, px("1.03")})).ok());
  ASSERT_NO_FATAL_FAILURE(step_both(2'000));
  EXPECT_EQ(pinned.stats().unpinned, 1U);
  EXPECT_EQ(pinned.stats().full_scans, scans + 1);
  EXPECT_EQ(pinned.pinned().at(l.price(0)), 0);
  ASSERT_TRUE(e.apply(ev(t, SetAssetPrice{0, px("0.97")})).ok());
  ASSERT_NO_FATAL_FAILURE(step_both(2'001));  // crossed through its edges now
  EXPECT_EQ(pinned.stats().full_scans, scans + 1);

  // Pinned again (with a full scan), then the pin is lifted by the caller: the next detect
  // rebuilds, and a later USDC move is seen through edges.
  pinned.pin_sources(pins);
  (void)pinned.sync(e.state(), e.cache(), {}, /*full=*/true);
  pinned.pin_sources({});
  walk_mark(e, rng, 0, t += 60);
  ASSERT_NO_FATAL_FAILURE(step_both(2'002));
  EXPECT_EQ(pinned.stats().full_scans, scans + 3);
  ASSERT_TRUE(e.apply(ev(t, SetAssetPrice{0, px("1.05")})).ok());
  ASSERT_NO_FATAL_FAILURE(step_both(2'003));
  EXPECT_EQ(pinned.stats().full_scans, scans + 3);
  EXPECT_EQ(pinned.stats().unpinned, 1U);
}

}  // namespace
}  // namespace backstop
