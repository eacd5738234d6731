// The price schedule (monitor/schedule.h): its search against a row-by-row scan of the same costs
// on random walks and terms, the unit costs, and its input checks.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <vector>

#include "backstop/monitor/schedule.h"

namespace backstop {
namespace {

using Term = PriceSchedule::Term;

// The cost of one row, term by term (the definition in schedule.h), summed without a bound.
uint128 row_cost(const PriceSchedule& s, std::size_t row, const std::vector<Term>& terms) {
  uint128 sum = 0;
  for (const Term& t : terms) {
    const int64_t v = s.value(row, t.column);
    if (v < t.v0) sum += static_cast<uint128>(t.v0 - v) * t.down;
    if (v > t.v0) sum += static_cast<uint128>(v - t.v0) * t.up;
  }
  return sum;
}

std::size_t scan(const PriceSchedule& s, const std::vector<Term>& terms, uint128 budget,
                 std::size_t from) {
  for (std::size_t r = from; r < s.rows(); ++r) {
    if (row_cost(s, r, terms) > budget) return r;
  }
  return s.rows();
}

TEST(PriceSchedule, UnitCostRoundsUp) {
  EXPECT_EQ(PriceSchedule::unit_cost(1), PriceSchedule::kOne);
  EXPECT_EQ(PriceSchedule::unit_cost(2), PriceSchedule::kOne / 2);
  EXPECT_EQ(PriceSchedule::unit_cost(3), PriceSchedule::kOne / 3 + 1);
  EXPECT_EQ(PriceSchedule::unit_cost(0), PriceSchedule::kOne + 1);
  EXPECT_EQ(PriceSchedule::unit_cost(-5), PriceSchedule::kOne + 1);
  // A move of exactly the solo limit costs at least the whole room, one unit less does not.
  for (const int64_t solo : std::vector<int64_t>{1, 7, 1000, 123'456'789, int64_t{1} << 40}) {
    const uint64_t u = PriceSchedule::unit_cost(solo);
    EXPECT_GE(static_cast<uint128>(u) * static_cast<uint64_t>(solo), PriceSchedule::kOne);
    EXPECT_LT(static_cast<uint128>(u) * static_cast<uint64_t>(solo - 1),
              static_cast<uint128>(PriceSchedule::kOne));
  }
}

TEST(PriceSchedule, FirstExceedingMatchesARowScan) {
  std::mt19937_64 rng(20261125);
  int found = 0;
  int never = 0;
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
      for (std::size_t k = 0; k < ns; ++k) {
        if (rng() % 3 == 0) continue;
        const auto solo = [&]() -> int64_t {
          const uint64_t pick = rng() % 10;
          return pick == 0 ? 0 : static_cast<int64_t>(1 + rng() % 200'000);
        };
        terms.push_back(Term{static_cast<uint32_t>(k), s.value(row0, k),
                             PriceSchedule::unit_cost(solo()), PriceSchedule::unit_cost(solo())});
      }
      const uint128 budget = PriceSchedule::kOne - rng() % (PriceSchedule::kOne / 2);
      for (const std::size_t from : {std::size_t{0}, row0 + 1, rows / 2, rows, rows + 3}) {
        const std::size_t want = scan(s, terms, budget, from);
        ASSERT_EQ(s.first_exceeding(terms, budget, from), want)
            << "trial " << trial << " rows " << rows << " from " << from;
        (want < rows ? found : never) += 1;
      }
    }
  }
  // Both outcomes are exercised.
  EXPECT_GT(found, 1000);
  EXPECT_GT(never, 1000);
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
  const std::vector<Term> t{{1, 20, PriceSchedule::unit_cost(1), PriceSchedule::unit_cost(2)}};
  EXPECT_EQ(s.first_exceeding(t, PriceSchedule::kOne - 1, 0), 2u);
  EXPECT_EQ(s.first_exceeding(t, PriceSchedule::kOne, 0), 3u);
}

TEST(PriceSchedule, RejectsBadInput) {
  EXPECT_THROW(PriceSchedule({1, 1}, {}), std::invalid_argument);
  EXPECT_THROW(PriceSchedule({1, 2}, {5, 6, 7}), std::invalid_argument);
  EXPECT_THROW(PriceSchedule({1}, {5, 0}), std::invalid_argument);
  EXPECT_THROW(PriceSchedule({1}, {-1}), std::invalid_argument);
}

}  // namespace
}  // namespace backstop
