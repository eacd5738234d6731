// Debt-ceiling auto-line (Maker DC-IAM, dss-auto-line DssAutoLine.exec): a hand-derived sequence
// from ../shared/reference/lending-protocols.md §3 ("lineNew = min(debt + gap, maxLine); increases
// rate-limited by ttl, decreases immediate"), utilisation and headroom, and a property test over
// random step sequences: the line never exceeds max_line and never rises within ttl.
#include "backstop/ceiling/autoline.h"

#include <gtest/gtest.h>

#include <random>

namespace backstop {
namespace {

Quantity q(int64_t v) {
  return Quantity::from_raw(v);
}

TEST(AutoLine, MakerSequenceHandDerived) {
  AutoLine a;
  a.max_line = q(10'000);
  a.gap = q(1'000);
  a.ttl = 3600;
  a.last_raise = 0;
  a.line = q(5'000);
  // t=100, debt 4,500: target min(5,500, 10,000) = 5,500 > 5,000 but 100 < 0 + 3,600
  AutoLineStep s = autoline_step(a, q(4'500), 100);
  EXPECT_EQ(s.change, AutoLineChange::RateLimited);
  EXPECT_EQ(s.target, q(5'500));
  EXPECT_EQ(s.next.line, q(5'000));
  EXPECT_EQ(s.raise_allowed_at, std::optional<Timestamp>(3600));
  // t=3600: allowed (now >= last + ttl): raised by 500
  s = autoline_step(a, q(4'500), 3600);
  EXPECT_EQ(s.change, AutoLineChange::Raised);
  EXPECT_EQ(s.next.line, q(5'500));
  EXPECT_EQ(s.next.last_raise, 3600);
  EXPECT_EQ(s.line_delta, q(500));
  a = s.next;
  // t=3700, debt 2,000: target 3,000 < 5,500: lowered at once, last_raise kept
  s = autoline_step(a, q(2'000), 3700);
  EXPECT_EQ(s.change, AutoLineChange::Lowered);
  EXPECT_EQ(s.next.line, q(3'000));
  EXPECT_EQ(s.next.last_raise, 3600);
  EXPECT_EQ(s.line_delta, q(-2'500));
  a = s.next;
  // t=3800, debt 9,500: target min(10,500, 10,000) = 10,000; 3,800 < 3,600 + 3,600
  s = autoline_step(a, q(9'500), 3800);
  EXPECT_EQ(s.change, AutoLineChange::RateLimited);
  EXPECT_EQ(s.raise_allowed_at, std::optional<Timestamp>(7200));
  // t=7200: raised to the max
  s = autoline_step(a, q(9'500), 7200);
  EXPECT_EQ(s.change, AutoLineChange::Raised);
  EXPECT_EQ(s.next.line, q(10'000));
  a = s.next;
  EXPECT_EQ(autoline_step(a, q(9'500), 7200).change, AutoLineChange::Unchanged);
  // governance lowers max_line to 8,000: the line follows at once
  a.max_line = q(8'000);
  s = autoline_step(a, q(9'500), 7201);
  EXPECT_EQ(s.change, AutoLineChange::Lowered);
  EXPECT_EQ(s.next.line, q(8'000));
  // disabled ilk (max_line 0): nothing changes
  a.max_line = Quantity{};
  s = autoline_step(a, q(1), 99'999);
  EXPECT_EQ(s.change, AutoLineChange::Disabled);
  EXPECT_EQ(s.next.line, a.line);
  EXPECT_THROW((void)autoline_step(a, q(-1), 0), std::invalid_argument);
}

TEST(AutoLine, UtilizationAndHeadroom) {
  // 2,000 / 3,000 = 0.6666666666.. -> up: 0.666666667
  EXPECT_EQ(ceiling_utilization(q(2'000), q(3'000)), Ratio::from_raw(666'666'667));
  EXPECT_EQ(ceiling_utilization(q(4'500), q(3'000)), Ratio::from_raw(1'500'000'000));
  EXPECT_EQ(ceiling_utilization(q(1), Quantity{}), std::nullopt);
  EXPECT_EQ(ceiling_utilization(q(INT64_MAX), q(1)), Ratio::from_raw(INT64_MAX));  // saturated
  EXPECT_EQ(ceiling_headroom(q(2'000), q(3'000)), q(1'000));
  EXPECT_EQ(ceiling_headroom(q(4'500), q(3'000)), Quantity{});
}

TEST(AutoLineProperty, NeverAboveMaxNeverRaisesWithinTtl) {
  std::mt19937_64 rng(31);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int run = 0; run < 300; ++run) {
    AutoLine a;
    a.max_line = q(pick(1, 1'000'000));
    a.gap = q(pick(0, 200'000));
    a.ttl = pick(0, 100);
    a.line = q(pick(0, 1'000'000));  // may start above max (governance change)
    a.last_raise = 0;
    Timestamp now = 0;
    std::optional<Timestamp> prev_raise;
    for (int i = 0; i < 40; ++i) {
      now += pick(0, 60);
      const Quantity debt = q(pick(0, 1'200'000));
      const AutoLineStep s = autoline_step(a, debt, now);
      const Quantity want = std::min(debt + a.gap, a.max_line);
      ASSERT_EQ(s.target, want);
      ASSERT_LE(s.next.line, a.max_line);
      ASSERT_EQ(s.line_delta, s.next.line - a.line);
      switch (s.change) {
        case AutoLineChange::Raised:
          ASSERT_GT(s.next.line, a.line);
          ASSERT_GE(now, a.last_raise + a.ttl);
          if (prev_raise) {
            ASSERT_GE(now - *prev_raise, a.ttl);
          }
          prev_raise = now;
          ASSERT_EQ(s.next.line, want);
          break;
        case AutoLineChange::Lowered:
          ASSERT_LT(s.next.line, a.line);
          ASSERT_EQ(s.next.line, want);
          ASSERT_EQ(s.next.last_raise, a.last_raise);
          break;
        case AutoLineChange::RateLimited:
          ASSERT_LT(now, a.last_raise + a.ttl);
          ASSERT_GT(want, a.line);
          ASSERT_EQ(s.next.line, a.line);
          break;
        case AutoLineChange::Unchanged:
          ASSERT_EQ(want, a.line);
          break;
        case AutoLineChange::Disabled:
          FAIL() << "max_line > 0";
      }
      a = s.next;
      if (pick(0, 20) == 0) a.max_line = q(pick(1, 1'000'000));  // governance
    }
  }
}

}  // namespace
}  // namespace backstop
