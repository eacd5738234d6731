// Risk statistics (sim/stats.h): VaR / expected shortfall with the stated order-statistic and
// Acerbi-Tasche definitions, checked by hand on small samples and against closed forms:
//   Uniform(0, U):          VaR_a = a U,               ES_a = (1 + a) U / 2
//   Exponential(mean b):    VaR_a = -b ln(1 - a),      ES_a = VaR_a + b
// and the monotone bisection helper (exact answers, evaluation count, non-monotone evidence).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backstop/sim/stats.h"
#include "test_util.h"

namespace backstop::sim {
namespace {
using testing_util::rt;
using testing_util::usd;

std::vector<Value> dollars(std::initializer_list<int64_t> xs) {
  std::vector<Value> out;
  for (int64_t x : xs) out.push_back(Value::from_raw(x * 1'000'000));
  return out;
}

TEST(SimStats, HandDerivedOneToTen) {
  // Losses $1..$10 (given unsorted), n = 10.
  const LossSample s(dollars({7, 3, 10, 1, 9, 2, 8, 5, 4, 6}));
  // a = 0.9: k = ceil(9) = 9 -> VaR = $9; ES = (L10 + (9 - 9) L9) / (0.1 * 10) = $10.
  EXPECT_EQ(s.var_index(rt("0.9")), 9U);
  EXPECT_EQ(s.value_at_risk(rt("0.9")), usd("9"));
  EXPECT_EQ(s.expected_shortfall(rt("0.9")), usd("10"));
  // a = 0.95: k = ceil(9.5) = 10 -> VaR = $10; ES = (0 + 0.5 * 10) / 0.5 = $10.
  EXPECT_EQ(s.value_at_risk(rt("0.95")), usd("10"));
  EXPECT_EQ(s.expected_shortfall(rt("0.95")), usd("10"));
  // a = 0.85: k = 9; ES = (10 + (9 - 8.5) * 9) / (0.15 * 10) = 14.5 / 1.5 = 9.6666...
  EXPECT_EQ(s.value_at_risk(rt("0.85")), usd("9"));
  EXPECT_EQ(s.expected_shortfall(rt("0.85")), usd("9.666667"));
  EXPECT_EQ(s.expected_shortfall(rt("0.85"), Rounding::Down), usd("9.666666"));
  // a = 0.5: k = 5 -> VaR $5; ES = (6+7+8+9+10 + 0) / 5 = $8.
  EXPECT_EQ(s.value_at_risk(rt("0.5")), usd("5"));
  EXPECT_EQ(s.expected_shortfall(rt("0.5")), usd("8"));
  // a = 0.55: k = ceil(5.5) = 6; ES = (7+8+9+10 + 0.5 * 6) / 4.5 = 37 / 4.5 = 8.2222...
  EXPECT_EQ(s.expected_shortfall(rt("0.55")), usd("8.222223"));
  EXPECT_EQ(s.mean(), usd("5.5"));
  EXPECT_EQ(s.count_exceeding(usd("7")), 3U);  // strictly greater: 8, 9, 10
  EXPECT_EQ(s.prob_exceeding(usd("7")), rt("0.3"));
  EXPECT_EQ(s.prob_exceeding(usd("10")), rt("0"));
  EXPECT_EQ(s.prob_exceeding(usd("0.5")), rt("1"));
}

TEST(SimStats, LevelsZeroAndOne) {
  const LossSample s(dollars({4, -2, 10, 0}));         // a gain of $2 is a loss of -$2
  EXPECT_EQ(s.value_at_risk(rt("0")), usd("-2"));      // k = max(1, 0) = 1: the minimum
  EXPECT_EQ(s.expected_shortfall(rt("0")), usd("3"));  // the mean: 12 / 4
  EXPECT_EQ(s.value_at_risk(rt("1")), usd("10"));
  EXPECT_EQ(s.expected_shortfall(rt("1")), usd("10"));  // the limit a -> 1 is the maximum
  EXPECT_THROW((void)s.value_at_risk(Ratio::from_raw(1'000'000'001)), std::invalid_argument);
  EXPECT_THROW((void)s.expected_shortfall(Ratio::from_raw(-1)), std::invalid_argument);
}

TEST(SimStats, EmptyAndTies) {
  EXPECT_THROW(LossSample(std::vector<Value>{}), std::invalid_argument);
  EXPECT_THROW((void)value_at_risk(std::span<const Value>{}, rt("0.99")), std::invalid_argument);
  const LossSample same(dollars({5, 5, 5, 5}));
  for (const char* a : {"0", "0.3", "0.99", "1"}) {
    EXPECT_EQ(same.value_at_risk(rt(a)), usd("5")) << a;
    EXPECT_EQ(same.expected_shortfall(rt(a)), usd("5")) << a;
  }
  // {0, 0, 0, 10} at a = 0.5: k = 2, VaR 0; ES = (0 + 10 + 0) / 2 = $5.
  const LossSample tail(dollars({0, 10, 0, 0}));
  EXPECT_EQ(tail.value_at_risk(rt("0.5")), usd("0"));
  EXPECT_EQ(tail.expected_shortfall(rt("0.5")), usd("5"));
  // a = 0.6: k = ceil(2.4) = 3; ES = (10 + 0.6 * 0) / 1.6 = 6.25
  EXPECT_EQ(tail.expected_shortfall(rt("0.6")), usd("6.25"));
  // Mean rounding is named: 1 and 2 micro-dollars average 1.5.
  const LossSample half({Value::from_raw(1), Value::from_raw(2)});
  EXPECT_EQ(half.mean(Rounding::Up).raw(), 2);
  EXPECT_EQ(half.mean(Rounding::Down).raw(), 1);
  EXPECT_EQ(half.mean(Rounding::HalfEven).raw(), 2);
  // Free functions agree with the class.
  const std::vector<Value> v = dollars({3, 1, 2});
  EXPECT_EQ(value_at_risk(v, rt("0.5")), usd("2"));
  EXPECT_EQ(expected_shortfall(v, rt("0.5")), usd("2.666667"));  // (3 + 0.5 * 2) / 1.5
}

// Deterministic quantile grid L_i = F^-1((i - 1/2) / n), in micro-dollars.
LossSample grid(std::size_t n, const std::function<double(double)>& inv_cdf) {
  std::vector<Value> v;
  for (std::size_t i = 1; i <= n; ++i) {
    const double u = (static_cast<double>(i) - 0.5) / static_cast<double>(n);
    v.push_back(Value::from_raw(std::llround(inv_cdf(u) * 1e6)));
  }
  return LossSample(std::move(v));
}

double dollars_of(Value v) {
  return static_cast<double>(v.raw()) / 1e6;
}

TEST(SimStats, UniformClosedForm) {
  const double u_max = 1'000'000;  // $1M
  const std::size_t n = 100'000;
  const LossSample g = grid(n, [&](double u) { return u * u_max; });
  for (double a : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    const Ratio lvl = Ratio::from_raw(std::llround(a * 1e9));
    // The grid's quantile is within one cell (U / n = $10) of the continuous one.
    EXPECT_NEAR(dollars_of(g.value_at_risk(lvl)), a * u_max, u_max / static_cast<double>(n)) << a;
    EXPECT_NEAR(dollars_of(g.expected_shortfall(lvl)), (1 + a) * u_max / 2,
                u_max / static_cast<double>(n))
        << a;
  }
  // A random sample: 5 standard errors of the quantile, SE = U sqrt(a (1 - a) / n).
  std::mt19937_64 rng(31337);
  std::vector<Value> v;
  const std::size_t m = 200'000;
  for (std::size_t i = 0; i < m; ++i) {
    v.push_back(Value::from_raw(static_cast<int64_t>(rng() % 1'000'000'000'001ULL)));
  }
  const LossSample s(std::move(v));
  const double a = 0.99;
  const double se = u_max * std::sqrt(a * (1 - a) / static_cast<double>(m));
  EXPECT_NEAR(dollars_of(s.value_at_risk(rt("0.99"))), a * u_max, 5 * se);
  EXPECT_NEAR(dollars_of(s.expected_shortfall(rt("0.99"))), (1 + a) * u_max / 2, 5 * se);
  EXPECT_NEAR(dollars_of(s.mean()), u_max / 2,
              5 * u_max / std::sqrt(12.0 * static_cast<double>(m)));
}

TEST(SimStats, ExponentialClosedForm) {
  const double b = 1000;  // mean loss $1,000
  const LossSample g = grid(100'000, [&](double u) { return -b * std::log(1 - u); });
  for (double a : {0.9, 0.95, 0.99}) {
    const Ratio lvl = Ratio::from_raw(std::llround(a * 1e9));
    const double var = -b * std::log(1 - a);
    // Grid error near the tail is O(b / (n (1 - a))) < $1 here; allow 0.05%.
    EXPECT_NEAR(dollars_of(g.value_at_risk(lvl)), var, 5e-4 * var) << a;
    EXPECT_NEAR(dollars_of(g.expected_shortfall(lvl)), var + b, 5e-4 * (var + b)) << a;
  }
}

TEST(SimStats, PropertiesOnRandomSamples) {
  // VaR and ES are non-decreasing in the level, VaR <= ES <= max, min <= VaR, and ES(0) is the
  // mean, on a few thousand random samples with ties and gains.
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 3000; ++iter) {
    const std::size_t n = 1 + rng() % 40;
    std::vector<Value> v;
    for (std::size_t i = 0; i < n; ++i) {
      v.push_back(Value::from_raw(static_cast<int64_t>(rng() % 21) - 5));  // ties likely
    }
    const LossSample s(v);
    Value prev_var = s.sorted().front(), prev_es = s.expected_shortfall(rt("0"));
    EXPECT_EQ(prev_es, s.mean());
    for (int j = 0; j <= 20; ++j) {
      const Ratio a = Ratio::from_raw(static_cast<int64_t>(j) * 50'000'000);
      const Value var = s.value_at_risk(a), es = s.expected_shortfall(a);
      EXPECT_GE(var, prev_var);
      EXPECT_GE(es, prev_es);
      EXPECT_LE(var, es);
      EXPECT_LE(es, s.sorted().back());
      prev_var = var;
      prev_es = es;
    }
  }
}

TEST(SimStats, BisectionExactAndMonotone) {
  // Smallest x with x^2 >= 10^12 + 1 is 1,000,001 (10^6 squared is 10^12).
  const auto r = bisect_smallest<int64_t>(0, 1'000'000'000,
                                          [](int64_t x) { return x * x >= 1'000'000'000'001; });
  ASSERT_EQ(r.status, BisectStatus::Found);
  EXPECT_EQ(r.x, 1'000'001);
  EXPECT_LE(r.evaluations, 2 + 30);  // ends + ceil(log2(1e9))
  // Money types: the smallest insurance fund (Value) that covers a $1,234.567891 deficit.
  const auto fund = bisect_smallest<Value>(usd("0"), usd("1000000"),
                                           [](Value v) { return v >= usd("1234.567891"); });
  EXPECT_EQ(fund.x, usd("1234.567891"));
  // Property: threshold predicates over random ranges, including the full int64 range.
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 3000; ++iter) {
    int64_t lo = static_cast<int64_t>(rng());
    int64_t hi = static_cast<int64_t>(rng());
    if (iter % 3 == 0) hi = lo + static_cast<int64_t>(rng() % 100);
    if (iter == 0) {
      lo = INT64_MIN;
      hi = INT64_MAX;
    }
    if (lo > hi) std::swap(lo, hi);
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);  // hi - lo
    const uint64_t off = span == UINT64_MAX ? rng() : rng() % (span + 1);
    const auto t = static_cast<int64_t>(static_cast<uint64_t>(lo) + off);
    const auto res = bisect_smallest<int64_t>(lo, hi, [&](int64_t x) { return x >= t; });
    ASSERT_EQ(res.status, BisectStatus::Found);
    EXPECT_EQ(res.x, t);
    EXPECT_LE(res.evaluations, 2 + 64);
  }
}

TEST(SimStats, BisectionEndsAndNonMonotoneEvidence) {
  auto always = [](int64_t) { return true; };
  auto never = [](int64_t) { return false; };
  EXPECT_EQ(bisect_smallest<int64_t>(5, 9, always).x, 5);
  EXPECT_EQ(bisect_smallest<int64_t>(5, 9, never).status, BisectStatus::NoneInRange);
  EXPECT_EQ(bisect_smallest<int64_t>(5, 5, always).evaluations, 1);
  EXPECT_THROW((void)bisect_smallest<int64_t>(9, 5, always), std::invalid_argument);
  // True at lo, false at hi: decreasing, reported at the ends.
  const auto dec = bisect_smallest<int64_t>(0, 100, [](int64_t x) { return x < 50; });
  EXPECT_EQ(dec.status, BisectStatus::NonMonotone);
  EXPECT_EQ(dec.true_at, 0);
  EXPECT_EQ(dec.false_at, 100);
  EXPECT_FALSE(dec.x.has_value());
  // A window of truth [100, 200) with both ends false: invisible at the ends (NoneInRange), found
  // by the verification probes (points 100, 200, ..., 900 of [0, 1000]).
  auto window = [](int64_t x) { return x >= 100 && x < 200; };
  EXPECT_EQ(bisect_smallest<int64_t>(0, 1000, window).status, BisectStatus::NoneInRange);
  const auto w = bisect_smallest<int64_t>(0, 1000, window, 9);
  EXPECT_EQ(w.status, BisectStatus::NonMonotone);
  EXPECT_EQ(w.true_at, 100);
  EXPECT_EQ(w.false_at, 1000);
  // A false hole [600, 700) above the threshold 300: bisection lands on 300; the probe at 600 is
  // false although 600 >= 300.
  auto hole = [](int64_t x) { return x >= 300 && !(x >= 600 && x < 700); };
  const auto h0 = bisect_smallest<int64_t>(0, 1000, hole);
  EXPECT_EQ(h0.x, 300);
  const auto h = bisect_smallest<int64_t>(0, 1000, hole, 9);
  EXPECT_EQ(h.status, BisectStatus::NonMonotone);
  EXPECT_EQ(h.true_at, 300);
  EXPECT_EQ(h.false_at, 600);
  // A true island below the threshold: [50, 60) true, then >= 500 true.
  auto island = [](int64_t x) { return (x >= 50 && x < 60) || x >= 500; };
  const auto i = bisect_smallest<int64_t>(0, 1000, island, 19);  // probes every 50
  EXPECT_EQ(i.status, BisectStatus::NonMonotone);
  EXPECT_EQ(i.true_at, 50);
  EXPECT_EQ(i.false_at, 499);  // the bisection's last false point
}

}  // namespace
}  // namespace backstop::sim
