// Auto-deleveraging: rankings (BitMEX/Binance PNL% x effective leverage, Hyperliquid, pro rata,
// our risk-aware pro rata) against vectors derived by hand from ../shared/reference/perp-venues.md
// a.4, a.5, a.6 and (d) item 1, and property tests: fills close exactly min(S, opposite size) and
// never more, each comparator is a strict weak ordering that agrees with a floating-point
// reference where that reference is unambiguous, results do not depend on input order.
#include "backstop/waterfall/adl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "test_util.h"

namespace backstop {
namespace {
using namespace testing_util;

AdlCandidate cand(AccountId id, int64_t size, const std::string& ev, const std::string& mv,
                  const std::string& bv, const std::string& eq = "1") {
  return {id, Quantity::from_raw(size), usd(ev), usd(mv), usd(bv), usd(eq)};
}

std::vector<AccountId> queue_ids(AdlRanking r, const std::vector<AdlCandidate>& cs) {
  std::vector<AccountId> out;
  for (const std::size_t i : adl_queue(r, cs)) out.push_back(cs[i].account);
  return out;
}

// Shorts opposite a bankrupt long (a.5). Signed values: short < 0, PnL = MV - EV.
//   A: EV -10,000 MV -8,000 BV -9,000: PNL% = 2,000/10,000 = 0.2, EL = 8,000/1,000 = 8 -> 1.6
//   B: EV -5,000 MV -4,000 BV -6,000: PNL% = 0.2, EL = 4,000/2,000 = 2 -> 0.4
//   D: same as B, id 0 < 2 -> before B
//   C: EV -4,000 MV -4,400 BV -4,840: PNL% = -400/4,000 = -0.1, EL = 4,400/440 = 10 -> -0.01
//   E: EV -4,000 MV -4,400 BV -8,800: PNL% = -0.1, EL = 4,400/4,400 = 1 -> -0.1 (after C: a
//      loser is divided by its leverage, so the more leveraged loser goes first)
std::vector<AdlCandidate> bitmex_shorts() {
  return {cand(1, 2, "-10000", "-8000", "-9000"), cand(2, 1, "-5000", "-4000", "-6000"),
          cand(3, 1, "-4000", "-4400", "-4840"), cand(0, 1, "-5000", "-4000", "-6000"),
          cand(4, 1, "-4000", "-4400", "-8800")};
}

TEST(Adl, PnlLeverageHandDerived) {
  const auto cs = bitmex_shorts();
  EXPECT_EQ(queue_ids(AdlRanking::PnlLeverage, cs), (std::vector<AccountId>{1, 0, 2, 3, 4}));
  EXPECT_GT(compare_adl_score(AdlRanking::PnlLeverage, cs[0], cs[1]), 0);
  EXPECT_EQ(compare_adl_score(AdlRanking::PnlLeverage, cs[1], cs[3]), 0);
  // close 3 at the bankruptcy price 5,000: A takes 2, D takes 1
  const AdlResult r = allocate_adl(AdlRanking::PnlLeverage, PositionSide::Short,
                                   Quantity::from_raw(3), px("5000"), cs);
  ASSERT_EQ(r.fills.size(), 2U);
  EXPECT_EQ(r.fills[0].account, 1U);
  EXPECT_EQ(r.fills[0].size.raw(), 2);
  EXPECT_EQ(r.fills[0].price, px("5000"));
  EXPECT_EQ(r.fills[1].account, 0U);
  EXPECT_EQ(r.fills[1].size.raw(), 1);
  EXPECT_EQ(r.unfilled, Quantity{});
  // more than the opposite side holds (6): everyone closed, 4 unfilled
  const AdlResult all = allocate_adl(AdlRanking::PnlLeverage, PositionSide::Short,
                                     Quantity::from_raw(10), px("5000"), cs);
  EXPECT_EQ(all.filled.raw(), 6);
  EXPECT_EQ(all.unfilled.raw(), 4);
  // a profitable position with no cushion (MV == BV) is infinitely leveraged: first
  auto more = cs;
  more.push_back(cand(9, 1, "-100", "-99", "-99"));
  EXPECT_EQ(queue_ids(AdlRanking::PnlLeverage, more).front(), 9U);
  // wrong side is rejected
  EXPECT_THROW((void)allocate_adl(AdlRanking::PnlLeverage, PositionSide::Long,
                                  Quantity::from_raw(1), px("1"), cs),
               std::invalid_argument);
}

TEST(Adl, HyperliquidHandDerived) {
  // Longs opposite a bankrupt short (a.4): (mark/entry) * (notional/equity)
  //   4: 12,000/10,000 * 12,000/6,000 = 1.2 * 2 = 2.4
  //   5: 11,000/10,000 * 11,000/2,000 = 1.1 * 5.5 = 6.05
  //   6: 9,000/10,000 * 9,000/1,000 = 0.9 * 9 = 8.1  (a losing, leveraged long ranks first:
  //      the (d) item 1 complaint)
  //   7: equity -5 -> +inf
  const std::vector<AdlCandidate> longs = {
      cand(4, 1, "10000", "12000", "0", "6000"), cand(5, 1, "10000", "11000", "0", "2000"),
      cand(6, 1, "10000", "9000", "0", "1000"), cand(7, 1, "10000", "9000", "0", "-5")};
  EXPECT_EQ(queue_ids(AdlRanking::Hyperliquid, longs), (std::vector<AccountId>{7, 6, 5, 4}));
  // Shorts, mirrored: (entry/mark) * notional / equity = |EV| / equity.
  //   1: 10,000/8,000 * 8,000/4,000 = 2.5 ; 2: 10,000/12,000 * 12,000/5,000 = 2
  //   3: 5,000 / 2,000 = 2.5 (tie with 1: id order)
  const std::vector<AdlCandidate> shorts = {cand(2, 1, "-10000", "-12000", "0", "5000"),
                                            cand(3, 1, "-5000", "-6000", "0", "2000"),
                                            cand(1, 1, "-10000", "-8000", "0", "4000")};
  EXPECT_EQ(queue_ids(AdlRanking::Hyperliquid, shorts), (std::vector<AccountId>{1, 3, 2}));
}

TEST(Adl, ProRataHandDerived) {
  // sizes 5, 3, 2 (ids 10, 11, 12), close 5: 2.5, 1.5, 1.0 -> 2, 1, 1 and one more to the largest
  // remainder: 10 and 11 tie (0.5 each) -> the smaller id, 10: fills 3, 1, 1.
  const std::vector<AdlCandidate> cs = {cand(11, 3, "1", "1", "0"), cand(12, 2, "1", "1", "0"),
                                        cand(10, 5, "1", "1", "0")};
  const AdlResult r =
      allocate_adl(AdlRanking::ProRata, PositionSide::Long, Quantity::from_raw(5), px("7"), cs);
  ASSERT_EQ(r.fills.size(), 3U);
  EXPECT_EQ(r.fills[0].account, 10U);
  EXPECT_EQ(r.fills[0].size.raw(), 3);
  EXPECT_EQ(r.fills[1].size.raw(), 1);
  EXPECT_EQ(r.fills[2].size.raw(), 1);
  EXPECT_EQ(r.filled.raw(), 5);
}

TEST(Adl, RiskAwareProRataHandDerived) {
  // Longs: leverage L = |MV| / (MV - BV):
  //   X (1): size 10, 1,000 / 100 = 10 -> w 100 ; Y (2): size 10, 1,000 / 500 = 2 -> w 20
  //   Z (3): size 2, 200 / 10 = 20 -> w 40
  // close 12: ideal X 12*100/160 = 7.5, Y 1.5, Z 3 >= 2 -> Z closed fully (2); 10 left over X, Y:
  // 8.33, 1.67 -> floors 8, 1; remainders 1000 mod 120 = 40, 200 mod 120 = 80 -> +1 to Y.
  const std::vector<AdlCandidate> cs = {cand(1, 10, "1000", "1000", "900"),
                                        cand(2, 10, "1000", "1000", "500"),
                                        cand(3, 2, "200", "200", "190")};
  const AdlResult r = allocate_adl(AdlRanking::RiskAwareProRata, PositionSide::Long,
                                   Quantity::from_raw(12), px("1"), cs);
  ASSERT_EQ(r.fills.size(), 3U);
  EXPECT_EQ(r.fills[0].size.raw(), 8);
  EXPECT_EQ(r.fills[1].size.raw(), 2);
  EXPECT_EQ(r.fills[2].size.raw(), 2);
  EXPECT_EQ(queue_ids(AdlRanking::RiskAwareProRata, cs), (std::vector<AccountId>{1, 3, 2}));
}

// Random candidate on `side`, values drawn from a small or a wide range (small: many ties).
AdlCandidate random_candidate(std::mt19937_64& rng, AccountId id, bool long_side, bool small) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t hi = small ? 4 : int64_t{1} << 61;
  const int64_t sgn = long_side ? 1 : -1;
  AdlCandidate c;
  c.account = id;
  c.size = Quantity::from_raw(pick(0, small ? 5 : int64_t{1} << 40));
  c.entry_value = Value::from_raw(sgn * pick(1, hi));
  c.mark_value = Value::from_raw(sgn * pick(1, hi));
  c.bankrupt_value = Value::from_raw(pick(-hi, hi));
  c.equity = Value::from_raw(pick(small ? -1 : -hi / 8, hi));
  return c;
}

// A floating-point model of the published formulas (test-only reference).
long double ref_score(AdlRanking r, const AdlCandidate& c) {
  const auto mv = static_cast<long double>(c.mark_value.raw());
  const auto ev = static_cast<long double>(c.entry_value.raw());
  const auto bv = static_cast<long double>(c.bankrupt_value.raw());
  const long double inf = HUGE_VALL;
  switch (r) {
    case AdlRanking::PnlLeverage: {
      const long double pnl = (mv - ev) / std::fabs(ev);
      if (mv - bv <= 0) return pnl > 0 ? inf : 0;
      const long double el = std::fabs(mv) / (mv - bv);
      return pnl > 0 ? pnl * el : pnl / el;
    }
    case AdlRanking::Hyperliquid: {
      if (c.equity.raw() <= 0) return inf;
      const long double px_ratio = mv > 0 ? mv / ev : ev / mv;
      return px_ratio * std::fabs(mv) / static_cast<long double>(c.equity.raw());
    }
    case AdlRanking::ProRata:
    case AdlRanking::RiskAwareProRata:
      return 0;
  }
  return 0;
}

TEST(AdlProperty, ComparatorsAreStrictWeakOrders) {
  std::mt19937_64 rng(99);
  const AdlRanking rankings[] = {AdlRanking::PnlLeverage, AdlRanking::Hyperliquid,
                                 AdlRanking::ProRata, AdlRanking::RiskAwareProRata};
  int checked_against_reference = 0;
  for (int iter = 0; iter < 6000; ++iter) {
    const AdlRanking rk = rankings[iter % 4];
    const bool long_side = (iter / 4) % 2 == 0;
    const bool small = (iter / 8) % 2 == 0;
    const AdlCandidate a = random_candidate(rng, 1, long_side, small);
    const AdlCandidate b = random_candidate(rng, small ? 1 : 2, long_side, small);
    const AdlCandidate c = random_candidate(rng, 3, long_side, small);
    const int ab = compare_adl_score(rk, a, b);
    const int bc = compare_adl_score(rk, b, c);
    const int ac = compare_adl_score(rk, a, c);
    ASSERT_EQ(compare_adl_score(rk, a, a), 0);    // irreflexive
    ASSERT_EQ(compare_adl_score(rk, b, a), -ab);  // antisymmetric
    if (ab == 0 && bc == 0) {
      ASSERT_EQ(ac, 0);
    }  // equivalence is transitive
    if (ab > 0 && bc >= 0) {
      ASSERT_GT(ac, 0);
    }  // order is transitive
    if (ab >= 0 && bc > 0) {
      ASSERT_GT(ac, 0);
    }
    ASSERT_FALSE(adl_before(rk, a, a));
    ASSERT_FALSE(adl_before(rk, a, b) && adl_before(rk, b, a));
    if (adl_before(rk, a, b) && adl_before(rk, b, c)) {
      ASSERT_TRUE(adl_before(rk, a, c));
    }
    // agreement with the floating-point formula when it is unambiguous
    if (rk == AdlRanking::PnlLeverage || rk == AdlRanking::Hyperliquid) {
      const long double sa = ref_score(rk, a);
      const long double sb = ref_score(rk, b);
      if (std::isinf(sa) || std::isinf(sb)) {
        if (std::isinf(sa) && !std::isinf(sb)) {
          ASSERT_GT(ab, 0);
        }
        if (std::isinf(sb) && !std::isinf(sa)) {
          ASSERT_LT(ab, 0);
        }
      } else if (std::fabs(sa - sb) > 1e-6L * (std::fabs(sa) + std::fabs(sb))) {
        ASSERT_EQ(ab, sa > sb ? 1 : -1)
            << "reference " << static_cast<double>(sa) << " vs " << static_cast<double>(sb);
        ++checked_against_reference;
      }
    } else if (rk == AdlRanking::ProRata) {
      ASSERT_EQ(ab, a.size == b.size ? 0 : (a.size > b.size ? 1 : -1));
    }
  }
  EXPECT_GT(checked_against_reference, 1000);
}

TEST(AdlProperty, FillsCloseExactlyWhatIsAvailable) {
  std::mt19937_64 rng(4242);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const AdlRanking rankings[] = {AdlRanking::PnlLeverage, AdlRanking::Hyperliquid,
                                 AdlRanking::ProRata, AdlRanking::RiskAwareProRata};
  for (int iter = 0; iter < 3000; ++iter) {
    const AdlRanking rk = rankings[iter % 4];
    const bool long_side = pick(0, 1) == 1;
    const bool small = pick(0, 1) == 1;
    std::vector<AdlCandidate> cs;
    const int n = static_cast<int>(pick(0, 8));
    int128 total = 0;
    for (int i = 0; i < n; ++i) {
      cs.push_back(random_candidate(rng, static_cast<AccountId>(i * 7 + 3), long_side, small));
      total += cs.back().size.raw();
    }
    const auto hi = static_cast<int64_t>(std::max<int128>(total * 3 / 2, 1));
    const Quantity s = Quantity::from_raw(pick(0, hi));
    const Price bp = Price::from_raw(pick(1, int64_t{1} << 50));
    const PositionSide side = long_side ? PositionSide::Long : PositionSide::Short;
    const AdlResult r = allocate_adl(rk, side, s, bp, cs);
    const int128 expect = std::min<int128>(s.raw(), total);
    ASSERT_EQ(r.filled.raw(), expect);
    ASSERT_EQ(r.filled + r.unfilled, s);
    int128 sum = 0;
    std::map<AccountId, int64_t> fill;
    for (const AdlFill& f : r.fills) {
      ASSERT_TRUE(f.size.is_positive());
      ASSERT_EQ(f.price, bp);
      ASSERT_EQ(fill.count(f.account), 0U);
      fill[f.account] = f.size.raw();
      sum += f.size.raw();
    }
    ASSERT_EQ(sum, expect);
    for (const AdlCandidate& c : cs) {
      ASSERT_LE(fill[c.account], c.size.raw());
    }
    if (rk == AdlRanking::PnlLeverage || rk == AdlRanking::Hyperliquid) {
      // queue prefix: everyone before the last filled candidate is closed fully
      const std::vector<std::size_t> q = adl_queue(rk, cs);
      bool seen_partial_or_empty = false;
      for (const std::size_t i : q) {
        const int64_t f = fill[cs[i].account];
        if (seen_partial_or_empty) {
          ASSERT_EQ(f, 0);
        }
        if (f < cs[i].size.raw()) seen_partial_or_empty = true;
      }
    }
    if (rk == AdlRanking::ProRata && s.raw() < total) {
      // within one quantum of the exact share s * size / total
      for (const AdlCandidate& c : cs) {
        const int128 err = static_cast<int128>(fill[c.account]) * total -
                           static_cast<int128>(s.raw()) * c.size.raw();
        ASSERT_LT(err < 0 ? -err : err, total);
      }
    }
    // the same candidates in another order give the same fills per account
    std::shuffle(cs.begin(), cs.end(), rng);
    const AdlResult again = allocate_adl(rk, side, s, bp, cs);
    ASSERT_EQ(again.fills.size(), r.fills.size());
    for (const AdlFill& f : again.fills) {
      ASSERT_EQ(fill[f.account], f.size.raw());
    }
  }
}

}  // namespace
}  // namespace backstop
