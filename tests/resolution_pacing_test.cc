// Perp liquidation pacing (resolution/pacing.h): Drift's time-paced percentage and Hyperliquid's
// chunks, with vectors derived by hand from ../shared/reference/perp-venues.md a.2 step 6 and a.4,
// and the presets that use them.
#include <gtest/gtest.h>

#include <random>

#include "backstop/presets/resolution.h"
#include "backstop/resolution/pacing.h"
#include "test_util.h"

namespace backstop {
namespace {

using namespace testing_util;

PerpPacing drift(const std::string& initial, int64_t duration) {
  return PerpPacing{rt(initial), duration, usd("50"), usd("50")};
}

// a.2 step 6: pct_freeable = min(1, initial + elapsed / duration); allowed = (shortage + freed) x
// pct_freeable - freed; share = allowed / shortage (0 / 1 at the ends); 1 below a $50 shortage.
TEST(ResolutionPacing, DriftMaxPctToLiquidateVectors) {
  struct Case {
    const char* shortage;
    const char* freed;
    int64_t elapsed;
    const char* initial;
    int64_t duration;
    const char* share;
  };
  const Case cases[] = {
      // 258 x 0.1 = 25.8 -> 25.8 / 258 = 0.1 (drift-paced-liquidation.toml, t = 60)
      {"258", "0", 0, "0.1", 60, "0.1"},
      // shortage 40 < $50: everything
      {"40", "0", 0, "0.1", 60, "1"},
      // 60 s later: pct 1, allowed = 258 - 25.799998 = 232.200002 = shortage -> 1 (t = 120)
      {"232.200002", "25.799998", 60, "0.1", 60, "1"},
      // 30 s: pct 0.6, allowed = floor(258 x 0.6) - 25.799998 = 129.000002;
      // 129.000002 / 232.200002 = 0.5555555594 -> 0.555555559
      {"232.200002", "25.799998", 30, "0.1", 60, "0.555555559"},
      // already freed more than the share allows: 150 x 0.1 - 50 < 0 -> 0
      {"100", "50", 0, "0.1", 60, "0"},
      // initial 0, 20 of 60 s: pct floor(20e9 / 60) = 0.333333333; allowed floor(300 x
      // 0.333333333) = 99.999999 (USD 1e-6, Down); 99.999999 / 300 = 0.33333333 -> 0.33333333
      {"300", "0", 20, "0", 60, "0.33333333"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(drift_max_pct_to_liquidate(usd(c.shortage), usd(c.freed), c.elapsed,
                                         drift(c.initial, c.duration)),
              rt(c.share))
        << c.shortage << " " << c.freed << " " << c.elapsed;
  }
  EXPECT_THROW((void)drift_max_pct_to_liquidate(usd("100"), Value{}, 0, drift("0.1", 0)),
               std::invalid_argument);
  EXPECT_THROW((void)drift_max_pct_to_liquidate(usd("100"), Value{}, -1, drift("0.1", 60)),
               std::invalid_argument);
}

// Share in [0, 1]; never frees more than the formula allows; non-decreasing in elapsed time and
// non-increasing in the margin already freed.
TEST(ResolutionPacing, DriftPropertyBoundedAndMonotone) {
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<int64_t> money(0, 1'000'000'000'000);  // up to $1M
  std::uniform_int_distribution<int64_t> secs(0, 600);
  std::uniform_int_distribution<int64_t> pct(0, kRatioOne);
  for (int i = 0; i < 4000; ++i) {
    const Value shortage = Value::from_raw(money(rng));
    const Value freed = Value::from_raw(money(rng) / 4);
    const int64_t elapsed = secs(rng);
    const PerpPacing p{Ratio::from_raw(pct(rng)), 1 + secs(rng), usd("50"), usd("50")};
    const Ratio s = drift_max_pct_to_liquidate(shortage, freed, elapsed, p);
    ASSERT_GE(s, Ratio{});
    ASSERT_LE(s, ratio_one());
    if (shortage >= p.small_shortage && s < ratio_one()) {
      const int128 pf = std::min<int128>(
          kRatioOne, p.initial_pct.raw() + static_cast<int128>(elapsed) * kRatioOne / p.duration_s);
      const int128 allowed =
          (static_cast<int128>(shortage.raw()) + freed.raw()) * pf / kRatioOne - freed.raw();
      // share x shortage <= max(0, allowed) (cross-multiplied)
      ASSERT_LE(static_cast<int128>(s.raw()) * shortage.raw(),
                std::max<int128>(allowed, 0) * kRatioOne);
    }
    ASSERT_GE(drift_max_pct_to_liquidate(shortage, freed, elapsed + 1, p), s);
    ASSERT_LE(drift_max_pct_to_liquidate(shortage, freed + usd("1"), elapsed, p), s);
  }
}

// a.4: > $100k sends ceil(|size| x 20 %) unless a chunk was sent less than 30 s ago.
TEST(ResolutionPacing, HyperliquidChunkVectors) {
  const PerpChunks c{};  // 20 %, $100,000, 30 s
  const Quantity twenty = qty("20", 8);
  // 20 BTC at 9,400 = 188,000 > 100,000: ceil(20 x 0.2) = 4 (hyperliquid-chunks.toml, t = 60)
  EXPECT_EQ(hyperliquid_chunk_size(twenty, usd("188000"), std::nullopt, c), qty("4", 8));
  EXPECT_TRUE(hyperliquid_is_chunk(twenty, usd("188000"), std::nullopt, c));
  // 10 s after a chunk: the full position (t = 70)
  EXPECT_EQ(hyperliquid_chunk_size(twenty, usd("188000"), 10, c), twenty);
  // 30 s after: the cooldown is over (since < 30 is the cooldown)
  EXPECT_EQ(hyperliquid_chunk_size(twenty, usd("188000"), 30, c), qty("4", 8));
  // exactly $100,000 is not above the threshold
  EXPECT_EQ(hyperliquid_chunk_size(twenty, usd("100000"), std::nullopt, c), twenty);
  // 16 BTC: ceil(3.2) in quanta = 3.2 (t = 100); a short position is sized by |size|
  EXPECT_EQ(hyperliquid_chunk_size(qty("-16", 8), usd("148800"), std::nullopt, c), qty("3.2", 8));
  // one quantum: ceil(0.2) = 1 quantum = the whole position, not a chunk
  EXPECT_FALSE(hyperliquid_is_chunk(Quantity::from_raw(1), usd("200000"), std::nullopt, c));
  // ceil: 7 quanta x 0.2 = 1.4 -> 2
  EXPECT_EQ(hyperliquid_chunk_size(Quantity::from_raw(7), usd("200000"), std::nullopt, c),
            Quantity::from_raw(2));
}

// Presets: drift-v2 paces (assumed initial 10 %, 150 slots = 60 s; $50 from the reference),
// hyperliquid chunks (20 %, $100k, 30 s); the others do neither.
TEST(ResolutionPacing, PresetsSetTheirPacing) {
  const ResolutionConfig d = preset_resolution("drift-v2");
  ASSERT_TRUE(d.perp_pacing.has_value());
  EXPECT_EQ(d.perp_pacing->initial_pct, rt("0.1"));
  EXPECT_EQ(d.perp_pacing->duration_s, 60);
  EXPECT_EQ(d.perp_pacing->small_shortage, usd("50"));
  EXPECT_EQ(d.perp_pacing->small_position, usd("50"));
  EXPECT_FALSE(d.perp_chunks.has_value());
  const ResolutionConfig h = preset_resolution("hyperliquid");
  ASSERT_TRUE(h.perp_chunks.has_value());
  EXPECT_EQ(h.perp_chunks->fraction, rt("0.2"));
  EXPECT_EQ(h.perp_chunks->notional_threshold, usd("100000"));
  EXPECT_EQ(h.perp_chunks->cooldown_s, 30);
  EXPECT_FALSE(h.perp_pacing.has_value());
  for (const char* other : {"dydx-v4", "mango-v4", "binance-um", "aave-v3"}) {
    const ResolutionConfig o = preset_resolution(other);
    EXPECT_FALSE(o.perp_pacing.has_value()) << other;
    EXPECT_FALSE(o.perp_chunks.has_value()) << other;
  }
}

}  // namespace
}  // namespace backstop
