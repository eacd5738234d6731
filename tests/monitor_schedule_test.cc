// The price schedule (monitor/schedule.h): its search against a row-by-row scan of the same costs
// on random walks and terms, the unit costs, and its input checks; and the monitor following one
// (MarginMonitor::set_schedule) against a full rescan, with rows repeated and skipped, touched
// accounts, accruing interest, and values the schedule did not foresee.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "backstop/monitor/monitor.h"
#include "backstop/monitor/schedule.h"
#include "monitor_venue.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;
using namespace monitor_testing;

using Term = PriceSchedule::Term;

// The cost of one row, term by term (the definition in schedule.h), summed exactly; a value outside
// a term's range costs more than any budget.
int128 row_cost(const PriceSchedule& s, std::size_t row, const std::vector<Term>& terms) {
  int128 sum = 0;
  for (const Term& t : terms) {
    const int64_t v = s.value(row, t.column);
    if (v < t.lo || v > t.hi) return kInt128Max;
    const int128 c =
        v < t.v0 ? static_cast<int128>(t.v0 - v) * t.down : static_cast<int128>(v - t.v0) * t.up;
    sum += std::max(c, -(int128{1} << 64));  // a gain counts for at most 2^64 (schedule.h)
  }
  return sum;
}

std::size_t scan(const PriceSchedule& s, const std::vector<Term>& terms, int128 budget,
                 std::size_t from) {
  for (std::size_t r = from; r < s.rows(); ++r) {
    if (row_cost(s, r, terms) > budget) return r;
  }
  return s.rows();
}

TEST(PriceSchedule, UnitCostsRoundTheSafeWay) {
  constexpr int64_t kOne = PriceSchedule::kOne;
  EXPECT_EQ(PriceSchedule::unit_cost(1), kOne);
  EXPECT_EQ(PriceSchedule::unit_cost(2), kOne / 2);
  EXPECT_EQ(PriceSchedule::unit_cost(3), kOne / 3 + 1);
  EXPECT_EQ(PriceSchedule::unit_cost(0), kOne + 1);
  EXPECT_EQ(PriceSchedule::unit_cost(-5), kOne + 1);
  EXPECT_EQ(PriceSchedule::unit_gain(3), -(kOne / 3));
  EXPECT_EQ(PriceSchedule::unit_gain(kOne + 1), 0);
  EXPECT_EQ(PriceSchedule::unit_gain(0), 0);
  // A move of exactly the solo limit costs at least the whole room, one unit less does not; a
  // gain over `solo` units is at most the whole room.
  for (const int64_t solo : std::vector<int64_t>{1, 7, 1000, 123'456'789, int64_t{1} << 40}) {
    const int64_t u = PriceSchedule::unit_cost(solo);
    EXPECT_GE(static_cast<int128>(u) * solo, kOne);
    EXPECT_LT(static_cast<int128>(u) * (solo - 1), kOne);
    EXPECT_LE(-static_cast<int128>(PriceSchedule::unit_gain(solo)) * solo, kOne);
  }
}

TEST(PriceSchedule, FirstExceedingMatchesARowScan) {
  std::mt19937_64 rng(20261125);
  int found = 0;
  int never = 0;
  int hedged = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t ns = 1 + rng() % 5;
    const std::size_t rows = 1 + rng() % 300;
    std::vector<SourceId> sources;
    for (std::size_t k = 0; k < ns; ++k) sources.push_back(static_cast<SourceId>(3 * k + 1));
    std::vector<int64_t> values(rows * ns);
    for (std::size_t k = 0; k < ns; ++k) {
      int64_t v = 1'000'000 + static_cast<int64_t>(rng() % 1'000'000);
      for (std::size_t r = 0; r < rows; ++r) {
        v = std::max<int64_t>(1, v + static_cast<int64_t>(rng() % 20'001) - 10'000);
        values[r * ns + k] = v;
      }
    }
    const PriceSchedule s(sources, values);
    ASSERT_EQ(s.rows(), rows);
    for (int q = 0; q < 10; ++q) {
      std::vector<Term> terms;
      const std::size_t row0 = rng() % rows;
      bool gains = false;
      for (std::size_t k = 0; k < ns; ++k) {
        if (rng() % 3 == 0) continue;
        // A cost, a gain, nothing, or a limit of 0 on either side.
        const auto unit = [&]() -> int64_t {
          const uint64_t pick = rng() % 10;
          const auto solo = static_cast<int64_t>(1 + rng() % 200'000);
          if (pick == 0) return PriceSchedule::unit_cost(0);
          if (pick == 1) return 0;
          if (pick < 5) {
            gains = true;
            return PriceSchedule::unit_gain(solo);
          }
          return PriceSchedule::unit_cost(solo);
        };
        const int64_t v0 = s.value(row0, k);
        // The range: most often wide enough not to matter, sometimes the first thing to fail.
        const int64_t width = rng() % 2 == 0 ? v0 : static_cast<int64_t>(rng() % 60'000);
        terms.push_back(Term{static_cast<uint32_t>(k), v0, unit(), unit(), v0 - width, v0 + width});
      }
      const int128 budget =
          PriceSchedule::kOne - static_cast<int64_t>(rng() % (PriceSchedule::kOne / 2));
      for (const std::size_t from : {std::size_t{0}, row0 + 1, rows / 2, rows, rows + 3}) {
        const std::size_t want = scan(s, terms, budget, from);
        ASSERT_EQ(s.first_exceeding(terms, budget, from), want)
            << "trial " << trial << " rows " << rows << " from " << from;
        (want < rows ? found : never) += 1;
        if (gains && want < rows) ++hedged;
      }
    }
  }
  // Both outcomes are exercised, and gains offset costs in many of the searches.
  EXPECT_GT(found, 1000);
  EXPECT_GT(never, 1000);
  EXPECT_GT(hedged, 500);
}

TEST(PriceSchedule, ColumnsAndDeclaredSources) {
  const PriceSchedule declared({7, 2}, {});
  EXPECT_EQ(declared.rows(), 0u);
  EXPECT_EQ(declared.column(7), 0);
  EXPECT_EQ(declared.column(2), 1);
  EXPECT_EQ(declared.column(3), -1);
  EXPECT_EQ(declared.column(100), -1);
  EXPECT_EQ(declared.first_exceeding({}, 0, 0), 0u);
  const PriceSchedule s({7, 2}, {10, 20, 11, 21, 12, 22});
  EXPECT_EQ(s.rows(), 3u);
  EXPECT_EQ(s.value(2, 1), 22);
  // One term on source 2 (column 1) from 20: a rise of 1 costs kOne / 2, so row 2 (+2) exceeds a
  // budget of kOne - 1 and row 1 does not.
  const std::vector<Term> t{
      {1, 20, PriceSchedule::unit_cost(1), PriceSchedule::unit_cost(2), 0, 100}};
  EXPECT_EQ(s.first_exceeding(t, PriceSchedule::kOne - 1, 0), 2u);
  EXPECT_EQ(s.first_exceeding(t, PriceSchedule::kOne, 0), 3u);
  // The same term with its range ending at 21: row 2 is outside it, whatever the budget.
  const std::vector<Term> narrow{
      {1, 20, PriceSchedule::unit_cost(1), PriceSchedule::unit_cost(2), 19, 21}};
  EXPECT_EQ(s.first_exceeding(narrow, int128{PriceSchedule::kOne} * 4, 0), 2u);
}

TEST(PriceSchedule, RejectsBadInput) {
  EXPECT_THROW(PriceSchedule({1, 1}, {}), std::invalid_argument);
  EXPECT_THROW(PriceSchedule({1, 2}, {5, 6, 7}), std::invalid_argument);
  EXPECT_THROW(PriceSchedule({1}, {5, 0}), std::invalid_argument);
  EXPECT_THROW(PriceSchedule({1}, {-1}), std::invalid_argument);
}

// The sources of make_venue's book that a test schedules: the USDC and WETH prices and both marks
// (an account with WBTC keeps edges, so both kinds of band meet in one monitor).
std::vector<SourceId> venue_sources(const Engine& e) {
  const SourceLayout l = source_layout(e.cache());
  return {l.price(0), l.price(1), l.mark(0), l.mark(1)};
}

// Rows of random moves from the current values (row 0), up to 6 % a row now and then.
std::vector<int64_t> random_rows(std::mt19937_64& rng, const Engine& e,
                                 const std::vector<SourceId>& src, std::size_t rows) {
  const SourceLayout l = source_layout(e.cache());
  std::vector<int64_t> v(rows * src.size());
  for (std::size_t k = 0; k < src.size(); ++k) v[k] = source_value(e.cache(), l, src[k]);
  for (std::size_t r = 1; r < rows; ++r) {
    for (std::size_t k = 0; k < src.size(); ++k) {
      const int max_bp = rng() % 25 == 0 ? 600 : 150;
      v[r * src.size() + k] =
          rng() % 4 == 0 ? v[(r - 1) * src.size() + k]  // a source that sits still
                         : moved(rng, Price::from_raw(v[(r - 1) * src.size() + k]), max_bp).raw();
    }
  }
  return v;
}

// Applies one row's values through the engine.
void apply_row(Engine& e, Timestamp t, const std::vector<SourceId>& src,
               const std::vector<int64_t>& rows, std::size_t r) {
  const SourceLayout l = source_layout(e.cache());
  for (std::size_t k = 0; k < src.size(); ++k) {
    const Price p = Price::from_raw(rows[r * src.size() + k]);
    if (src[k] < l.assets) {
      (void)e.apply(ev(t, SetAssetPrice{static_cast<AssetId>(src[k]), p}));
    } else {
      (void)e.apply(
          ev(t, SetMarkPrice{static_cast<MarketId>(src[k] - 3 * l.assets), p, std::nullopt}));
    }
  }
}

// Seeds 3 and 6 pin the USDC price (the perps' quote) and schedule the other three: the perp
// bands are wide then (band.h, `narrow`), their terms holding for moves of up to 1/2, and the rows
// wander past 1/10 of the values the bands were computed at.
TEST(MonitorSchedule, EqualsFullRescanAlongTheSchedule) {
  uint64_t woken = 0;
  uint64_t scheduled_steps = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed * 7919);
    RandomVenue v = make_venue(rng, 150, seed % 2 == 0 ? "0" : "1");
    Engine& e = v.engine;
    MarginMonitor mon(e.state(), e.cache());
    const bool pin_usdc = seed % 3 == 0;
    std::vector<SourceId> src = venue_sources(e);
    if (pin_usdc) {
      const SourceLayout l = source_layout(e.cache());
      std::vector<uint8_t> pins(l.count(), 0);
      pins[l.price(0)] = 1;
      mon.pin_sources(pins);
      src.erase(src.begin());  // USDC never moves
    }
    const std::size_t mark0 = src.size() - 2;  // the column of market 0's mark
    constexpr std::size_t kRows = 300;
    const std::vector<int64_t> rows = random_rows(rng, e, src, kRows);
    // Declared, rebuilt, then certified without a valuation.
    mon.set_schedule(std::make_shared<PriceSchedule>(src, std::vector<int64_t>{}));
    ASSERT_TRUE(mon.rebuild_pending());
    (void)mon.sync(e.state(), e.cache(), {}, true);
    ASSERT_FALSE(mon.rebuild_pending());
    const uint64_t evaluations = mon.stats().evaluations;
    mon.set_schedule(std::make_shared<PriceSchedule>(src, rows));
    ASSERT_FALSE(mon.rebuild_pending());
    ASSERT_EQ(mon.stats().evaluations, evaluations);
    ASSERT_GT(mon.stats().certified, 0U);
    ASSERT_EQ(mon.unsafe(), rescan(e));
    std::set<AccountId> prev = mon.unsafe().to_set();
    // Seeds 5 and 6 leave the schedule at row 200 (a value it did not foresee).
    const std::size_t leave = seed >= 5 ? 200 : kRows;
    Timestamp t = 0;
    std::size_t r = 0;
    for (int step = 0; r + 1 < kRows; ++step) {
      t += 60;
      std::vector<AccountId> touched;
      const int kind = static_cast<int>(rng() % 20);
      if (kind < 12) {
        r += 1;  // the next row
      } else if (kind < 14) {
        r = std::min(kRows - 1, r + 2 + rng() % 4);  // rows skipped
      } else if (kind < 15) {
        (void)e.apply(ev(t + 3'600, Tick{}));  // interest accrues: the indexes move
        t += 3'600;
      } else if (kind < 17) {
        const AccountId a = v.accounts[rng() % v.accounts.size()];
        (void)e.apply(ev(
            t, Deposit{a, 0, Quantity::from_raw(static_cast<int64_t>(rng() % 1'000'000'000) + 1)}));
        touched.push_back(a);
      }  // else: the same row again
      apply_row(e, t, src, rows, r);
      if (r >= leave) {
        (void)e.apply(ev(
            t, SetMarkPrice{0, Price::from_raw(rows[r * src.size() + mark0] + 1), std::nullopt}));
      }
      const auto ch = mon.sync(e.state(), e.cache(), touched);
      const std::set<AccountId> truth = rescan(e);
      ASSERT_EQ(mon.unsafe(), truth) << "seed " << seed << " step " << step << " row " << r;
      ASSERT_TRUE(mon.current(e.state(), e.cache()));
      const auto [up, down] = set_changes(prev, truth);
      ASSERT_EQ(ch.became_unsafe, up);
      ASSERT_EQ(ch.became_safe, down);
      prev = truth;
      if (mon.schedule()) ++scheduled_steps;
    }
    if (leave < kRows) {
      EXPECT_EQ(mon.stats().unscheduled, 1U) << "seed " << seed;
      EXPECT_EQ(mon.schedule(), nullptr);
    } else {
      EXPECT_EQ(mon.stats().unscheduled, 0U) << "seed " << seed;
    }
    woken += mon.stats().woken;
  }
  EXPECT_GT(woken, 100U);
  EXPECT_GT(scheduled_steps, 1000U);
}

// A monitor of v's book with venue_sources declared (a schedule without rows) and rebuilt.
MarginMonitor declared_monitor(const Engine& e, const std::vector<SourceId>& src) {
  MarginMonitor mon(e.state(), e.cache());
  mon.set_schedule(std::make_shared<PriceSchedule>(src, std::vector<int64_t>{}));
  (void)mon.sync(e.state(), e.cache(), {}, true);
  return mon;
}

// A declared schedule's bands wait without edges: a source that moves before the rows arrive
// drops the schedule and rebuilds, so nothing is missed.
TEST(MonitorSchedule, DeclaredSourcesThatMoveDropTheSchedule) {
  std::mt19937_64 rng(42);
  RandomVenue v = make_venue(rng, 120);
  Engine& e = v.engine;
  MarginMonitor mon = declared_monitor(e, venue_sources(e));
  (void)e.apply(ev(
      60, SetMarkPrice{1, Price::from_raw(e.state().perps[1].mark.raw() * 8 / 10), std::nullopt}));
  (void)mon.sync(e.state(), e.cache(), {});
  EXPECT_EQ(mon.unsafe(), rescan(e));
  EXPECT_EQ(mon.stats().unscheduled, 1U);
  EXPECT_EQ(mon.schedule(), nullptr);
  EXPECT_GT(mon.edges(), 0U);
}

// Rows that do not hold the last detect's values: nothing can be certified, so the schedule is
// dropped and every band gets edges at the next detect.
TEST(MonitorSchedule, RowsWithoutTheCurrentValuesAreDropped) {
  std::mt19937_64 rng(7);
  RandomVenue v = make_venue(rng, 60);
  Engine& e = v.engine;
  const std::vector<SourceId> src = venue_sources(e);
  MarginMonitor mon = declared_monitor(e, src);
  std::vector<int64_t> rows = random_rows(rng, e, src, 10);
  rows[0] += 1;  // row 0 is not the current values
  for (std::size_t r = 1; r < 10; ++r) rows[r * src.size()] = rows[0];
  mon.set_schedule(std::make_shared<PriceSchedule>(src, rows));
  EXPECT_EQ(mon.schedule(), nullptr);
  EXPECT_TRUE(mon.rebuild_pending());
  (void)mon.sync(e.state(), e.cache(), {});
  EXPECT_FALSE(mon.rebuild_pending());
  EXPECT_EQ(mon.unsafe(), rescan(e));
}

// Prices held still along the schedule while interest accrues: only the indexes move, so a band
// the schedule certified to the end is looked at again only at an index epoch's rebuild, and its
// budget must reserve what the index move can cost (monitor_schedule.cc, price_budget). Accounts
// are put a small, random distance above their maintenance line (borrows, a price jump, then
// deposits), many of them fragile (their index term takes most of their room), and every band is
// scheduled whose budget is positive, fragile ones included. Every sync must equal a rescan, and
// flips must be found between rebuilds. Fails when the budget drops the reserve, and when fragile
// bands are left to edges (both checked by mutation; a reserve cut to a quarter still passes:
// these indexes only rise, so they move at most half the epoch's span from an evaluation, and the
// accounts also hold collateral whose index sits still).
TEST(MonitorSchedule, TheIndexReserveCoversInterestOnHeldPrices) {
  int flips_between_rebuilds = 0;
  std::size_t fragile_scheduled = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed * 104'729);
    RandomVenue v = make_venue(rng, 400);
    Engine& e = v.engine;
    // Every account borrows WETH (or WBTC, if it holds WETH) worth up to 90 % of its free
    // collateral; then both double, and both marks move, which leaves many of them unsafe ...
    for (const AccountId a : v.accounts) {
      const int64_t free = compute_risk(e.cache(), e.state().accounts[a]).free_collateral.raw();
      if (free <= 0) continue;
      // micro-USD -> WETH (9 decimals) at 2000 or WBTC (8 decimals) at 60000, weight <= 1.05.
      const int64_t weth = free / 1'000 * 9 / 10 * 1'000 / 2'100;
      const int64_t wbtc = free / 1'000 * 9 / 10 * 100 / 63'000;
      if (!e.apply(ev(0, Borrow{a, 1, Quantity::from_raw(weth)})).ok()) {
        (void)e.apply(ev(0, Borrow{a, 2, Quantity::from_raw(wbtc)}));
      }
    }
    (void)e.apply(ev(0, SetAssetPrice{1, px("4000")}));
    (void)e.apply(ev(0, SetAssetPrice{2, px("120000")}));
    (void)e.apply(ev(0, SetMarkPrice{0, px(seed % 2 == 0 ? "66000" : "54000"), std::nullopt}));
    (void)e.apply(ev(0, SetMarkPrice{1, px(seed % 2 == 0 ? "1700" : "2300"), std::nullopt}));
    // ... and a USDC deposit lifts each of them to a random excess of 0-4 bp, 0-20 bp or 15-60 bp
    // (a third each) of its maintenance requirement: an epoch's index move (5 bp) can flip the
    // first, and many of the last are fragile with room to spare after the index reserve (their
    // index sensitivity is about twice the requirement). USDC counts at 0.9 for maintenance
    // (micro-USDC, micro-USD).
    for (const AccountId a : v.accounts) {
      const AccountRisk r = compute_risk(e.cache(), e.state().accounts[a]);
      const Value ex = maint_excess(e.cache(), e.state().accounts[a]);
      if (!ex.is_negative() || !r.maint_requirement.is_positive()) continue;
      const uint64_t third = rng() % 3;
      const uint64_t bp_e4 = third == 0   ? rng() % 401
                             : third == 1 ? rng() % 2'001
                                          : 1'500 + rng() % 4'501;  // 10^-6
      const int128 target = r.maint_requirement.raw() * static_cast<int128>(bp_e4) / 1'000'000;
      const int128 micro = div_round((target - ex.raw()) * 10, 9, Rounding::Up);
      (void)e.apply(ev(0, Deposit{a, 0, Quantity::from_raw(static_cast<int64_t>(micro) + 1)}));
    }
    const SourceLayout l = source_layout(e.cache());
    const std::vector<SourceId> src{l.price(0), l.price(1), l.price(2), l.mark(0), l.mark(1)};
    MarginMonitor mon = declared_monitor(e, src);
    std::vector<int64_t> rows;
    for (int r = 0; r < 50; ++r) {
      for (const SourceId x : src) rows.push_back(source_value(e.cache(), l, x));
    }
    mon.set_schedule(std::make_shared<PriceSchedule>(src, rows));
    ASSERT_NE(mon.schedule(), nullptr);
    ASSERT_EQ(mon.unsafe(), rescan(e));
    for (const AccountId a : v.accounts) {
      if (mon.fragile(a) && mon.scheduled(a)) ++fragile_scheduled;
    }
    std::set<AccountId> prev = mon.unsafe().to_set();
    Timestamp t = 0;
    for (int step = 0; step < 300; ++step) {
      t += 600 + static_cast<Timestamp>(rng() % 3'000);
      (void)e.apply(ev(t, Tick{}));
      apply_row(e, t, src, rows, 0);
      const uint64_t scans = mon.stats().full_scans;
      (void)mon.sync(e.state(), e.cache(), {});
      const std::set<AccountId> truth = rescan(e);
      ASSERT_EQ(mon.unsafe(), truth) << "seed " << seed << " step " << step;
      if (mon.stats().full_scans == scans && truth != prev) ++flips_between_rebuilds;
      prev = truth;
    }
    EXPECT_NE(mon.schedule(), nullptr) << "seed " << seed;
  }
  EXPECT_GT(flips_between_rebuilds, 20) << flips_between_rebuilds;
  EXPECT_GT(fragile_scheduled, 8U);
}

TEST(MonitorSchedule, RejectsSourcesThatAreNotPrices) {
  std::mt19937_64 rng(3);
  RandomVenue v = make_venue(rng, 10);
  MarginMonitor mon(v.engine.state(), v.engine.cache());
  const SourceLayout l = source_layout(v.engine.cache());
  EXPECT_THROW(mon.set_schedule(std::make_shared<PriceSchedule>(
                   std::vector<SourceId>{l.supply_index(1)}, std::vector<int64_t>{})),
               std::invalid_argument);
  EXPECT_THROW(mon.set_schedule(std::make_shared<PriceSchedule>(std::vector<SourceId>{l.count()},
                                                                std::vector<int64_t>{})),
               std::invalid_argument);
  EXPECT_EQ(mon.schedule(), nullptr);
}

}  // namespace
}  // namespace backstop
