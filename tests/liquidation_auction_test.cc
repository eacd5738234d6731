// Maker Liquidations 2.0 (src/backstop/liquidation/auction.h) in dss units, against vectors
// derived by hand from ../shared/reference/lending-protocols.md §3 (dss dog.sol, clip.sol,
// abaci.sol), plus property tests (price non-increasing in time, take conservation and the
// chost rule).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "backstop/liquidation/auction.h"

namespace backstop::liquidation {
namespace {

// Exact decimal text -> dss integer with `decimals` fractional digits ("1.13", 18 -> 1.13e18).
Int256 fx(const std::string& s, int decimals) {
  Int256 v = 0;
  int frac = -1;
  for (const char c : s) {
    if (c == '.') {
      frac = 0;
      continue;
    }
    v = v * 10 + (c - '0');
    if (frac >= 0) ++frac;
  }
  for (int f = frac < 0 ? 0 : frac; f < decimals; ++f) v *= 10;
  return v;
}
Int256 wad(const std::string& s) {
  return fx(s, 18);
}
Int256 ray(const std::string& s) {
  return fx(s, 27);
}
Int256 rad(const std::string& s) {
  return fx(s, 45);
}

// ETH-like ilk: rate 1.1, spot 1,000 (price 1,500 / mat 1.5), dust 100 DAI, chop 1.13,
// hole 5,000 DAI; Hole 1,000,000. Vault: 10 ETH, art 10,000 (debt 11,000 > 10 * 1,000).
MakerIlk ilk() {
  return {ray("1.1"), ray("1000"), rad("100"), wad("1.13"), rad("5000"), Int256(0)};
}
const MakerUrn kUrn{wad("10"), wad("10000")};
const MakerDogGlobal kDog{rad("1000000"), Int256(0)};

TEST(LiquidationMaker, BarkLimitedByHole) {
  // room = min(1,000,000 - 0, 5,000 - 0) = 5,000 rad.
  // dart = floor(floor(5,000e45 * 1e18 / 1.1e27) / 1.13e18)
  //      = floor(4,545,454,545,454,545,454,545,454,545,454,545,454,545 / 1.13e18)
  //      = 4,022.526146419951729686 wad  (< art, remaining 5,977.47 * 1.1 >= dust 100)
  // dink = floor(10 * dart / 10,000) = 4.022526146419951729 wad
  // due = dart * 1.1 = 4,424.7787610619469026546 rad; tab = due * 1.13 = 4,999.99999999999999999
  // 9698 rad (just under the hole).
  const MakerBarkResult r = maker_bark(kUrn, ilk(), kDog);
  ASSERT_TRUE(r.ok()) << to_string(r.error);
  EXPECT_EQ(r.dart_wad, Int256("4022526146419951729686"));
  EXPECT_EQ(r.dink_wad, Int256("4022526146419951729"));
  EXPECT_EQ(r.due_rad, Int256("4424778761061946902654600000000000000000000000000"));
  EXPECT_EQ(r.tab_rad, Int256("4999999999999999999999698000000000000000000000000"));
  EXPECT_LE(r.tab_rad, rad("5000"));
  EXPECT_EQ(r.ilk_dirt_rad, r.tab_rad);
  EXPECT_EQ(r.dirt_rad, r.tab_rad);
}

TEST(LiquidationMaker, BarkWholeVaultAndDustRules) {
  // Plenty of room: dart = art, dink = ink, tab = 11,000 * 1.13 = 12,430.
  MakerIlk big = ilk();
  big.hole_rad = rad("100000");
  MakerBarkResult r = maker_bark(kUrn, big, kDog);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.dart_wad, wad("10000"));
  EXPECT_EQ(r.dink_wad, wad("10"));
  EXPECT_EQ(r.tab_rad, rad("12430"));
  // Room leaves a dusty remainder: hole 12,400 -> dart = 12,400/1.1/1.13 = 9,975.86.. art;
  // remainder 24.13 * 1.1 = 26.5 < dust 100 -> the whole vault goes (tab 12,430 > hole).
  big.hole_rad = rad("12400");
  r = maker_bark(kUrn, big, kDog);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.dart_wad, wad("10000"));
  EXPECT_GT(r.tab_rad, big.hole_rad);
  // Partial below dust: room 50 -> dart = 50/1.1/1.13 = 40.2 art -> 44.2 DAI < 100.
  MakerIlk tiny = ilk();
  tiny.dirt_rad = rad("4950");
  EXPECT_EQ(maker_bark(kUrn, tiny, kDog).error, MakerError::kDustyPartial);
  // Limit hit: dirt == hole, or Dirt == Hole.
  tiny.dirt_rad = rad("5000");
  EXPECT_EQ(maker_bark(kUrn, tiny, kDog).error, MakerError::kLiquidationLimitHit);
  EXPECT_EQ(maker_bark(kUrn, ilk(), MakerDogGlobal{rad("10"), rad("10")}).error,
            MakerError::kLiquidationLimitHit);
  // Safe vault: ink * spot = 11,000 == art * rate: not unsafe (strict <).
  const MakerUrn safe{wad("11"), wad("10000")};
  EXPECT_EQ(maker_bark(safe, ilk(), kDog).error, MakerError::kNotUnsafe);
  // Null auction: 1 wei of collateral, partial dart -> dink = floor(1 * dart / art) = 0.
  const MakerUrn dry{Int256(1), wad("10000")};
  EXPECT_EQ(maker_bark(dry, ilk(), kDog).error, MakerError::kNullAuction);
  MakerIlk bad = ilk();
  bad.chop_wad = wad("0.9");
  EXPECT_EQ(maker_bark(kUrn, bad, kDog).error, MakerError::kInvalidInput);
}

TEST(LiquidationMaker, RpowRoundsHalfUp) {
  // base 10: 1.5^2 = 2.25 -> (225 + 5) / 10 = 23; 1.5^3: z = 15, x = 23, z = (345 + 5)/10 = 35.
  EXPECT_EQ(maker_rpow(Int256(15), 2, Int256(10)), Int256(23));
  EXPECT_EQ(maker_rpow(Int256(15), 3, Int256(10)), Int256(35));
  EXPECT_EQ(maker_rpow(Int256(15), 0, Int256(10)), Int256(10));
  EXPECT_EQ(maker_rpow(Int256(0), 5, Int256(10)), Int256(0));
  // 0.99^2 = 0.9801 and 0.999^3 = 0.997002999 exactly in ray.
  EXPECT_EQ(maker_rpow(ray("0.99"), 2, maker_ray()), ray("0.9801"));
  EXPECT_EQ(maker_rpow(ray("0.999"), 3, maker_ray()), ray("0.997002999"));
  EXPECT_THROW((void)maker_rpow(Int256(1) << 130, 2, maker_ray()), OverflowError);
}

TEST(LiquidationMaker, PriceCurves) {
  const Int256 top = ray("100");
  // LinearDecrease tau 100: dur 25 -> 100 * 75/100 = 75; dur 100 -> 0.
  const MakerCurve lin{MakerCurveKind::kLinearDecrease, 100, Int256(0), 1};
  EXPECT_EQ(maker_curve_price(lin, top, 0), ray("100"));
  EXPECT_EQ(maker_curve_price(lin, top, 25), ray("75"));
  EXPECT_EQ(maker_curve_price(lin, top, 100), Int256(0));
  EXPECT_EQ(maker_curve_price(lin, top, 1000), Int256(0));
  // tau 3, dur 1: rmul(100, floor(2e27/3)) = floor(100 * 666..666 / 1e27) = 66.666...6 ray
  const MakerCurve lin3{MakerCurveKind::kLinearDecrease, 3, Int256(0), 1};
  EXPECT_EQ(maker_curve_price(lin3, top, 1), Int256("66666666666666666666666666600"));
  // Stairstep cut 0.99 every 90 s: dur 179 -> one step: 99; dur 180 -> 98.01.
  const MakerCurve stair{MakerCurveKind::kStairstepExponential, 0, ray("0.99"), 90};
  EXPECT_EQ(maker_curve_price(stair, top, 89), ray("100"));
  EXPECT_EQ(maker_curve_price(stair, top, 179), ray("99"));
  EXPECT_EQ(maker_curve_price(stair, top, 180), ray("98.01"));
  // Exponential cut 0.999 per second: dur 3 -> 99.7002999.
  const MakerCurve expo{MakerCurveKind::kExponential, 0, ray("0.999"), 1};
  EXPECT_EQ(maker_curve_price(expo, top, 3), ray("99.7002999"));
}

MakerClipParams clip() {
  MakerClipParams p;
  p.buf_ray = ray("1.2");
  p.tail = 3600;
  p.cusp_ray = ray("0.4");
  p.chip_wad = wad("0.001");
  p.tip_rad = rad("100");
  p.chost_rad = rad("150");
  p.curve = MakerCurve{MakerCurveKind::kLinearDecrease, 1000, Int256(0), 1};
  return p;
}

TEST(LiquidationMaker, KickStatusRedo) {
  // top = 150 * 1.2 = 180; coin = tip 100 + 1,000 * 0.001 = 101.
  const MakerKickResult k = maker_kick(rad("1000"), wad("10"), ray("150"), 1000, clip());
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k.sale.top_ray, ray("180"));
  EXPECT_EQ(k.sale.tic, 1000u);
  EXPECT_EQ(k.coin_rad, rad("101"));
  EXPECT_EQ(maker_chost(rad("100"), wad("1.13")), rad("113"));
  // Linear tau 1,000: dur 500 -> 90, 90/180 = 0.5 >= cusp 0.4: running.
  MakerStatus st = maker_status(k.sale, 1500, clip());
  EXPECT_FALSE(st.needs_redo);
  EXPECT_EQ(st.price_ray, ray("90"));
  // dur 700 -> 54, 0.3 < 0.4: needs redo. dur 600 -> 72 = 0.4 exactly: not below cusp.
  EXPECT_TRUE(maker_status(k.sale, 1700, clip()).needs_redo);
  EXPECT_FALSE(maker_status(k.sale, 1600, clip()).needs_redo);
  // tail: dur 3,601 > 3,600 with a slow curve.
  MakerClipParams slow = clip();
  slow.curve.tau = 100000;
  EXPECT_FALSE(maker_status(k.sale, 4600, slow).needs_redo);
  EXPECT_TRUE(maker_status(k.sale, 4601, slow).needs_redo);
  // redo refused while running; after: top from the new feed 100 -> 120, tic now, coin paid
  // again because tab 1,000 >= chost 150 and lot * feed = 1,000 >= 150.
  EXPECT_EQ(maker_redo(k.sale, ray("100"), 1500, clip()).error, MakerError::kCannotReset);
  const MakerKickResult r = maker_redo(k.sale, ray("100"), 1700, clip());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.sale.top_ray, ray("120"));
  EXPECT_EQ(r.sale.tic, 1700u);
  EXPECT_EQ(r.coin_rad, rad("101"));
  // Small leftovers: lot 1 * feed 100 = 100 < chost 150: no incentive on redo.
  MakerSale small = k.sale;
  small.lot_wad = wad("1");
  EXPECT_TRUE(maker_redo(small, ray("100"), 1700, clip()).coin_rad.is_zero());
  // Errors.
  EXPECT_EQ(maker_kick(Int256(0), wad("1"), ray("1"), 0, clip()).error, MakerError::kZeroTab);
  EXPECT_EQ(maker_kick(rad("1"), Int256(0), ray("1"), 0, clip()).error, MakerError::kZeroLot);
  EXPECT_EQ(maker_kick(rad("1"), wad("1"), Int256(0), 0, clip()).error, MakerError::kZeroTopPrice);
  MakerClipParams no_reward = clip();
  no_reward.tip_rad = 0;
  no_reward.chip_wad = 0;
  EXPECT_TRUE(maker_kick(rad("1000"), wad("10"), ray("150"), 0, no_reward).coin_rad.is_zero());
}

MakerSale sale(const char* tab, const char* lot) {
  return MakerSale{rad(tab), wad(lot), 1000, ray("180")};  // price 90 at t = 1,500
}

TEST(LiquidationMaker, TakeVectors) {
  const MakerClipParams p = clip();
  // Partial: 5 at 90 = 450 < 1,000, remainder 550 >= chost 150.
  MakerTakeResult t = maker_take(sale("1000", "10"), wad("5"), ray("90"), 1500, p);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.slice_wad, wad("5"));
  EXPECT_EQ(t.owe_rad, rad("450"));
  EXPECT_EQ(t.sale.tab_rad, rad("550"));
  EXPECT_EQ(t.sale.lot_wad, wad("5"));
  EXPECT_EQ(t.dirt_released_rad, rad("450"));
  EXPECT_FALSE(t.finished);
  // Whole lot for less than tab: lot 10 * 90 = 900; tab 100 dropped (stays as Vow sin);
  // dog.digs(tab + owe) = 1,000.
  t = maker_take(sale("1000", "10"), wad("10.5"), ray("100"), 1500, p);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.owe_rad, rad("900"));
  EXPECT_TRUE(t.finished);
  EXPECT_EQ(t.tab_dropped_rad, rad("100"));
  EXPECT_EQ(t.dirt_released_rad, rad("1000"));
  // More than tab: 12 * 90 = 1,080 > 1,000 -> owe 1,000, slice = 1,000/90 = 11.111..111 wad;
  // the rest of the lot, 8.888..889, returns to the vault owner.
  t = maker_take(sale("1000", "20"), wad("12"), ray("90"), 1500, p);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.owe_rad, rad("1000"));
  EXPECT_EQ(t.slice_wad, Int256("11111111111111111111"));
  EXPECT_EQ(t.lot_returned_wad, Int256("8888888888888888889"));
  EXPECT_TRUE(t.finished);
  EXPECT_TRUE(t.sale.tab_rad.is_zero());
  // chost rule: 10 * 90 = 900 would leave 100 < chost 150: owe = 1,000 - 150 = 850,
  // slice = 850/90 = 9.444..444 wad.
  t = maker_take(sale("1000", "20"), wad("10"), ray("90"), 1500, p);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.owe_rad, rad("850"));
  EXPECT_EQ(t.slice_wad, Int256("9444444444444444444"));
  EXPECT_EQ(t.sale.tab_rad, rad("150"));
  // tab <= chost and a partial purchase would leave dust: refused.
  EXPECT_EQ(maker_take(sale("150", "20"), wad("1"), ray("90"), 1500, p).error,
            MakerError::kNoPartialPurchase);
  EXPECT_EQ(maker_take(sale("1000", "10"), wad("1"), ray("89.9"), 1500, p).error,
            MakerError::kTooExpensive);
  EXPECT_EQ(maker_take(sale("1000", "10"), wad("1"), ray("90"), 1700, p).error,
            MakerError::kNeedsReset);
  EXPECT_EQ(maker_take(MakerSale{}, wad("1"), ray("90"), 1500, p).error, MakerError::kNotRunning);
}

TEST(LiquidationMaker, PropertyPriceNonIncreasingInTime) {
  std::mt19937_64 rng(42);
  auto pick = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 600; ++i) {
    const Int256 top = Int256(pick(1, 1'000'000'000'000)) * Int256(pick(1, 1'000'000'000'000'000));
    MakerCurve c;
    c.kind = static_cast<MakerCurveKind>(pick(0, 2));
    c.tau = pick(1, 100'000);
    c.cut_ray = maker_ray() - Int256(pick(0, 1'000'000'000'000'000)) * Int256(pick(0, 1'000'000));
    c.step = pick(1, 600);
    Int256 prev = maker_curve_price(c, top, 0);
    ASSERT_LE(prev, top);
    uint64_t t = 0;
    for (int j = 0; j < 40; ++j) {
      t += pick(0, 400);
      const Int256 now = maker_curve_price(c, top, t);
      ASSERT_LE(now, prev) << "kind " << static_cast<int>(c.kind) << " t " << t;
      ASSERT_GE(now, 0);
      prev = now;
    }
  }
}

TEST(LiquidationMaker, PropertyTakeConservesAndRespectsChost) {
  std::mt19937_64 rng(43);
  auto pick = [&](uint64_t lo, uint64_t hi) {
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
  };
  MakerClipParams p = clip();
  p.curve = MakerCurve{MakerCurveKind::kStairstepExponential, 0, ray("0.99"), 60};
  p.tail = 1'000'000;
  p.cusp_ray = 0;
  for (int i = 0; i < 3000; ++i) {
    p.chost_rad = rad(std::to_string(pick(0, 500)));
    MakerSale s{rad(std::to_string(pick(1, 100'000))), wad(std::to_string(pick(1, 1'000))), 0,
                ray(std::to_string(pick(1, 5'000)))};
    const uint64_t now = pick(0, 10'000);
    const Int256 amt = Int256(pick(0, 2'000)) * maker_wad() / 3;
    const MakerTakeResult t = maker_take(s, amt, ray("1000000"), now, p);
    if (!t.ok()) {
      ASSERT_EQ(t.error, MakerError::kNoPartialPurchase);
      ASSERT_LE(s.tab_rad, p.chost_rad);
      continue;
    }
    ASSERT_LE(t.slice_wad, s.lot_wad);
    ASSERT_LE(t.slice_wad, amt);
    ASSERT_LE(t.owe_rad, s.tab_rad);
    // The buyer pays at most the price for what it gets, up to one wei of collateral: when owe
    // is cut to tab (or tab - chost), slice = floor(owe / price) and the buyer pays the
    // rounding (in the protocol's favour, as dss).
    ASSERT_LE(t.owe_rad, (t.slice_wad + 1) * t.price_ray);
    ASSERT_EQ(t.slice_wad + t.sale.lot_wad + t.lot_returned_wad, s.lot_wad);
    ASSERT_EQ(t.owe_rad + t.sale.tab_rad + t.tab_dropped_rad, s.tab_rad);
    if (!t.finished) {
      ASSERT_GE(t.sale.tab_rad, p.chost_rad);  // no dusty remainder
    }
    ASSERT_EQ(t.dirt_released_rad, t.owe_rad + t.tab_dropped_rad);
  }
}

TEST(LiquidationMaker, Conversions) {
  EXPECT_EQ(maker_wad_from(Quantity::from_raw(1'500'000'000), 9), wad("1.5"));
  EXPECT_EQ(maker_ray_from(Ratio::from_raw(1'130'000'000)), ray("1.13"));
  EXPECT_EQ(maker_ray_from(Price::from_raw(2'000'000'000'000)), ray("2000"));
  EXPECT_EQ(maker_rad_from(Value::from_raw(1'000'000)), rad("1"));
  EXPECT_EQ(maker_value_from_rad(rad("1.0000001"), Rounding::Down), Value::from_raw(1'000'000));
  EXPECT_EQ(maker_value_from_rad(rad("1.0000001"), Rounding::Up), Value::from_raw(1'000'001));
  EXPECT_EQ(maker_quantity_from_wad(Int256("1999999999"), 9, Rounding::Down).raw(), 1);
}

}  // namespace
}  // namespace backstop::liquidation
